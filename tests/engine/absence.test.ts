import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { decodeInputLog, replay } from '../../src/engine/input-log.ts';
import type { PauseRecord } from '../../src/engine/pause.ts';
import type { PresenceChange } from '../../src/engine/presence.ts';
import { encode } from '../../src/protocol/codec.ts';
import { MessageType, PROTOCOL_VERSION } from '../../src/protocol/messages.ts';
import { counterGame } from './harness.ts';
import { pauseMesh, wobble } from './pause-harness.ts';

const IMPAIRED = { latencyMs: 30, jitterMs: 12, loss: 0.15, dup: 0.1, reorder: 0.15 };
const game = counterGame();

describe('presence', () => {
  it('tells every peer when a page is hidden and visible again, through loss, reordering and duplicates', () => {
    const m = pauseMesh(game, 3, {}, IMPAIRED, { ...IMPAIRED, loss: 0.4 });
    const seen: PresenceChange[][] = [[], [], []];
    m.engines.forEach((e, i) => e.on('presence', (c) => seen[i]!.push(c)));
    m.run(30);
    m.engines[1]!.setFocused(false);
    m.engines[1]!.setFocused(false); // not a change
    m.until(() => !m.engines[0]!.isFocused(1) && !m.engines[2]!.isFocused(1), 600);
    m.engines[1]!.setFocused(true);
    m.engines[2]!.setFocused(false);
    m.until(() => m.engines[0]!.isFocused(1) && !m.engines[0]!.isFocused(2) && !m.engines[1]!.isFocused(2), 600);
    m.run(200);
    const of = (list: PresenceChange[], p: number) => list.filter((c) => c.player === p).map((c) => c.focused);
    for (const list of seen) {
      expect(of(list, 1)).toEqual([false, true]);
      expect(of(list, 2)).toEqual([false]);
    }
    expect(m.rel.counters.dropped).toBeGreaterThan(0);
  });

  it('takes only newer states from a peer, acknowledges every copy, and counts a malformed one', () => {
    const sent: Uint8Array[] = [];
    const e = new Engine({ game, players: 2, localPlayer: 0, seed: 1, sessionTag: 0, send: () => {}, sendReliable: (_p, b) => sent.push(b.slice()) });
    const state = (seq: number, focused: boolean) => encode({ type: MessageType.Presence, tag: 0, kind: 'state', seq, focused });
    e.receiveReliable(1, state(2, false));
    e.receiveReliable(1, state(1, true)); // older: ignored
    e.receiveReliable(1, state(2, true)); // same seq: ignored
    e.receiveReliable(1, Uint8Array.of(PROTOCOL_VERSION, MessageType.Presence, 0, 1, 0, 3, 7)); // focused = 7
    e.tick();
    expect(e.isFocused(1)).toBe(false);
    expect(sent).toHaveLength(3); // one ack per valid copy
    expect(e.stats().malformedByReason['bad-field']).toBe(1);
    e.receiveReliable(1, state(0xffff, true)); // far behind 2 in uint16 order: older
    e.receiveReliable(1, state(3, true));
    e.tick();
    expect(e.isFocused(1)).toBe(true);
  });
});

describe('pauseOnPeerHidden', () => {
  it('stalls every peer at the same frame while a page is hidden; logs stay identical', () => {
    const m = pauseMesh(game, 3, { pauseOnPeerHidden: true, endFrame: 500 }, IMPAIRED, IMPAIRED);
    const pauses: PauseRecord[][] = [[], [], []];
    m.engines.forEach((e, i) => e.on('pause', (p) => pauses[i]!.push(p)));
    let t = 0;
    const input = () => m.engines.forEach((e, i) => e.setLocalInput(wobble(i, t++)));
    m.run(100, input);
    m.engines[2]!.setFocused(false);
    m.until(() => m.engines.every((e) => e.pausedBy !== undefined), 600);
    const frame = pauses[2]![0]!.frame;
    m.run(300, input);
    for (const e of m.engines) expect(e.frame).toBe(frame);
    m.engines[2]!.setFocused(true);
    m.until(() => m.engines.every((e) => e.settled), 4000);
    for (const s of m.pausedAt) expect(s).toEqual(new Set([frame]));
    for (const list of pauses) expect(list).toEqual([{ player: 2, id: 1, frame, reason: 'peer-hidden', final: false }]);
    const logs = m.engines.map((e) => e.exportInputLog());
    for (const l of logs) expect(l).toEqual(logs[0]);
    const d = decodeInputLog(logs[0]!);
    expect(d.ok && d.log.pauses).toEqual(pauses[0]);
    expect(d.ok && replay(d.log, () => game as never).finalHash).toBe(m.engines[0]!.confirmedStateHash().hash);
  });
});

describe('focusLossTimeoutMs', () => {
  for (const pauseOnPeerHidden of [false, true]) {
    it(`ends the session on every peer at one frame, reason focus-timeout (pauseOnPeerHidden ${pauseOnPeerHidden})`, () => {
      const m = pauseMesh(game, 2, { focusLossTimeoutMs: 2000, pauseOnPeerHidden }, IMPAIRED, IMPAIRED);
      const told: PauseRecord[] = [];
      m.engines[0]!.on('pause', (p) => told.push(p));
      let t = 0;
      const input = () => m.engines.forEach((e, i) => e.setLocalInput(wobble(i, t++)));
      m.run(100, input);
      m.engines[1]!.setFocused(false);
      const hiddenAt = m.now;
      m.run(100, input); // 1.7 s: not yet
      expect(m.engines[0]!.endFrame).toBe(Number.POSITIVE_INFINITY);
      m.until(() => m.engines.every((e) => e.settled), 2000);
      expect(m.now - hiddenAt).toBeGreaterThanOrEqual(2000);
      const end = m.engines[1]!.endFrame;
      expect(m.engines[0]!.endFrame).toBe(end);
      const final = told.find((p) => p.final)!;
      expect(final).toEqual({ player: 1, id: pauseOnPeerHidden ? 2 : 1, frame: end, reason: 'focus-timeout', final: true });
      const logs = m.engines.map((e) => e.exportInputLog());
      expect(logs[1]).toEqual(logs[0]);
      const d = decodeInputLog(logs[0]!);
      expect(d.ok && d.log.frames).toBe(end);
      expect(d.ok && d.log.pauses?.at(-1)).toEqual(final);
    });
  }
});
