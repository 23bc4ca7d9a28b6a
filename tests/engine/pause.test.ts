import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { decodeInputLog, encodeInputLog, replay } from '../../src/engine/input-log.ts';
import { MAX_OPEN_PER_PLAYER, type PauseRecord } from '../../src/engine/pause.ts';
import { encode } from '../../src/protocol/codec.ts';
import { MessageType, PauseKind, type PauseMessage } from '../../src/protocol/messages.ts';
import { counterGame } from './harness.ts';
import { pauseMesh, wobble } from './pause-harness.ts';

const game = counterGame();
const resolve = () => game as never;
const IMPAIRED = { latencyMs: 30, jitterMs: 12, loss: 0.15, dup: 0.1, reorder: 0.15 };

function expectIdenticalLogs(engines: Engine<unknown>[] | Engine<never>[]) {
  const logs = engines.map((e) => e.exportInputLog());
  for (const l of logs.slice(1)) expect(l).toEqual(logs[0]);
  const decoded = decodeInputLog(logs[0]!);
  if (!decoded.ok) throw new Error(decoded.error.message);
  const r = replay(decoded.log, resolve, 60);
  for (const e of engines) expect(r.finalHash).toBe(e.confirmedStateHash().hash);
  return decoded.log;
}

describe('agreed pause', () => {
  it('stops both peers at the requester’s frame, holds them there, and goes on from it', () => {
    const m = pauseMesh(game, 2, { endFrame: 420 }, { ...IMPAIRED, loss: 0, dup: 0, reorder: 0 });
    const [a, b] = m.engines;
    const events: string[][] = [[], []];
    m.engines.forEach((e, i) => {
      e.on('pause', (r) => events[i]!.push(`pause ${r.player}/${r.id}@${r.frame} ${r.reason}`));
      e.on('resume', (r) => events[i]!.push(`resume ${r.player}/${r.id}@${r.frame}`));
    });
    m.run(90, (t) => m.engines.forEach((e, i) => e.setLocalInput(wobble(i, t))));
    const record = b!.pause('peer-hidden');
    expect(record.frame).toBeGreaterThan(b!.frame);
    m.until(() => a!.pausedBy !== undefined && b!.pausedBy !== undefined);
    const frozen = a!.frame;
    expect(frozen).toBe(record.frame);
    expect(b!.frame).toBe(record.frame);
    m.run(200, (t) => m.engines.forEach((e, i) => e.setLocalInput(wobble(i, t + 7))));
    // Held: not one frame simulated, the confirmed frame is right below the pause.
    expect(a!.frame).toBe(frozen);
    expect(b!.frame).toBe(frozen);
    expect(a!.confirmedFrame).toBe(frozen - 1);
    expect(b!.confirmedFrame).toBe(frozen - 1);
    expect(a!.stats().pausedTicks).toBeGreaterThan(150);
    expect(b!.resume(record.id)).toBe(true);
    expect(b!.resume(record.id)).toBe(false);
    m.until(() => a!.settled && b!.settled, 3000);
    expect(m.pausedAt[0]).toEqual(new Set([frozen]));
    expect(m.pausedAt[1]).toEqual(new Set([frozen]));
    expect(events[0]).toEqual(events[1]);
    expect(events[0]).toEqual([`pause 1/1@${frozen} peer-hidden`, `resume 1/1@${frozen}`]);
    const log = expectIdenticalLogs(m.engines);
    expect(log.frames).toBe(420);
    expect(log.pauses).toEqual([{ player: 1, id: 1, frame: frozen, reason: 'peer-hidden', final: false }]);
  });

  it('three peers agree on every pause and keep identical logs under loss, reordering and duplication of both channels', () => {
    const m = pauseMesh(game, 3, { endFrame: 900 }, IMPAIRED, IMPAIRED);
    const plan: { at: number; player: number; reason: 'peer-hidden' | 'countdown' | 'absent'; hold: number }[] = [
      { at: 60, player: 1, reason: 'peer-hidden', hold: 40 },
      { at: 260, player: 2, reason: 'absent', hold: 90 },
      { at: 520, player: 0, reason: 'countdown', hold: 20 },
    ];
    const open = new Map<number, { player: number; id: number; until: number }>();
    let t = 0;
    m.until(() => {
      m.engines.forEach((e, i) => e.setLocalInput(wobble(i, t)));
      for (const p of plan) {
        if (p.at === t) open.set(p.at, { player: p.player, id: m.engines[p.player]!.pause(p.reason).id, until: -1 });
      }
      for (const [k, o] of open) {
        const e = m.engines[o.player]!;
        if (o.until < 0 && e.pausedBy) o.until = t + plan.find((p) => p.at === k)!.hold;
        if (o.until >= 0 && t >= o.until) {
          e.resume(o.id);
          open.delete(k);
        }
      }
      t++;
      return m.engines.every((e) => e.settled);
    }, 6000);
    const records = m.engines[0]!.pauseRecords();
    expect(records.map((r) => `${r.player}:${r.reason}`)).toEqual(['1:peer-hidden', '2:absent', '0:countdown']);
    for (const e of m.engines) expect(e.pauseRecords()).toEqual(records);
    // Every peer was held at exactly the agreed frames.
    const frames = new Set(records.map((r) => r.frame));
    for (const s of m.pausedAt) expect(s).toEqual(frames);
    const log = expectIdenticalLogs(m.engines);
    expect(log.pauses).toEqual(records);
    expect(m.rel.counters.dropped + m.rel.counters.duplicated).toBeGreaterThan(0);
  });

  it('two overlapping pauses hold every peer at the lower frame until it resumes, then at the other', () => {
    const m = pauseMesh(game, 3, { endFrame: 600, inputDelay: 4 }, { ...IMPAIRED, loss: 0.05 }, { ...IMPAIRED, loss: 0.2 });
    m.run(100, (t) => m.engines.forEach((e, i) => e.setLocalInput(wobble(i, t))));
    const early = m.engines[2]!.pause('peer-hidden');
    m.run(2);
    const late = m.engines[0]!.pause('peer-hidden');
    const low = Math.min(early.frame, late.frame);
    m.until(() => m.engines.every((e) => e.frame === low && e.pausedBy !== undefined), 600);
    m.run(60);
    for (const e of m.engines) expect(e.frame).toBe(low);
    const first = early.frame <= late.frame ? early : late;
    const second = first === early ? late : early;
    m.engines[first.player]!.resume(first.id);
    m.until(() => m.engines.every((e) => e.frame === second.frame && e.pausedBy?.id === second.id && e.pausedBy.player === second.player), 600);
    m.engines[second.player]!.resume(second.id);
    m.until(() => m.engines.every((e) => e.settled), 4000);
    const log = expectIdenticalLogs(m.engines);
    expect(log.pauses?.length).toBe(2);
  });

  it('a final pause ends the session at its frame on every peer', () => {
    const m = pauseMesh(game, 2, {}, IMPAIRED, IMPAIRED);
    m.run(120, (t) => m.engines.forEach((e, i) => e.setLocalInput(wobble(i, t))));
    const r = m.engines[0]!.pause('focus-timeout', { final: true });
    expect(m.engines[0]!.resume(r.id)).toBe(false);
    m.until(() => m.engines.every((e) => e.settled), 3000);
    for (const e of m.engines) {
      expect(e.endFrame).toBe(r.frame);
      expect(e.frame).toBe(r.frame);
    }
    const log = expectIdenticalLogs(m.engines);
    expect(log.frames).toBe(r.frame);
    expect(log.pauses).toEqual([{ player: 0, id: 1, frame: r.frame, reason: 'focus-timeout', final: true }]);
  });

  it('a requester that departs before anyone holds its input at the pause frame voids the pause everywhere', () => {
    const m = pauseMesh(game, 3, { endFrame: 700 }, { ...IMPAIRED, loss: 0, dup: 0, reorder: 0 });
    const seen: PauseRecord[] = [];
    m.engines[0]!.on('resume', (r) => seen.push(r));
    m.run(100, (t) => m.engines.forEach((e, i) => e.setLocalInput(wobble(i, t))));
    const r = m.engines[2]!.pause('peer-hidden');
    m.until(() => m.engines[0]!.pausedBy !== undefined && m.engines[1]!.pausedBy !== undefined);
    m.kill(2);
    m.run(40);
    m.engines[0]!.dropPlayer(2);
    m.engines[1]!.dropPlayer(2);
    m.until(() => m.engines[0]!.settled && m.engines[1]!.settled, 4000);
    expect(m.engines[0]!.frame).toBe(700);
    expect(m.engines[0]!.stats().peers.find((p) => p.player === 2)!.leftAtFrame).toBeLessThanOrEqual(r.frame);
    const log = expectIdenticalLogs([m.engines[0]!, m.engines[1]!]);
    expect(log.pauses).toEqual([]);
    expect(m.engines[0]!.pauseRecords()).toEqual([]);
  });

  it('needs a reliable channel, and bounds the open pauses of this peer', () => {
    const lonely = new Engine({ game, players: 2, localPlayer: 0, seed: 1, send: () => {} });
    expect(() => lonely.pause('host')).toThrow(/sendReliable/);
    const e = new Engine({ game, players: 2, localPlayer: 0, seed: 1, send: () => {}, sendReliable: () => {} });
    for (let i = 0; i < MAX_OPEN_PER_PLAYER; i++) e.pause('host');
    expect(() => e.pause('host')).toThrow(/too many pauses/);
  });
});

describe('agreed pause: hostile and malformed messages', () => {
  const msg = (m: Partial<PauseMessage>): Uint8Array =>
    encode({ type: MessageType.Pause, tag: 0, kind: PauseKind.Request, id: 1, frame: 50, reason: 0, final: false, ...m } as PauseMessage);

  function victim() {
    const sent: { peer: number; bytes: Uint8Array }[] = [];
    const e = new Engine({ game, players: 3, localPlayer: 0, seed: 1, sessionTag: 0, send: () => {}, sendReliable: (peer, bytes) => sent.push({ peer, bytes: bytes.slice() }) });
    return { e, sent };
  }

  it('counts and drops every message no honest peer sends, and changes nothing', () => {
    const { e } = victim();
    for (let i = 0; i < 20; i++) e.tick();
    const before = e.frame;
    e.receive(1, msg({})); // on the unreliable channel
    e.receiveReliable(1, msg({ kind: PauseKind.Resume, id: 5 })); // resume of an unknown pause
    e.receiveReliable(1, msg({ frame: 0 })); // at or before the confirmed frame... (nothing confirmed yet: -1 < 0, so this is fine below)
    e.receiveReliable(1, msg({ id: 2, frame: 100_000 })); // past the frame window
    e.receiveReliable(1, msg({ id: 3, reason: 200 })); // unknown reason
    e.receiveReliable(1, msg({ id: 1, frame: 51 })); // id 1 changed
    e.receiveReliable(1, msg({ kind: PauseKind.AckRequest, id: 9 })); // ack of a pause we never asked for
    e.receiveReliable(1, msg({ id: 1 }).subarray(0, 11)); // truncated
    e.receiveReliable(1, Uint8Array.from([...msg({ id: 1 }).subarray(0, 3), 9, ...msg({ id: 1 }).subarray(4)])); // kind 9
    e.receiveReliable(2, msg({ id: 1, kind: PauseKind.Resume, final: true })); // resume of nothing
    e.tick();
    const s = e.stats();
    expect(s.malformedByReason['unexpected-type']).toBe(1);
    expect(s.malformedByReason['bad-pause']).toBe(6);
    expect(s.malformedByReason.truncated).toBe(1);
    expect(s.malformedByReason['bad-field']).toBe(1);
    // The one valid request (frame 0, id 1) was taken.
    expect(e.pauseRecords()).toEqual([{ player: 1, id: 1, frame: 0, reason: 'peer-hidden', final: false }]);
    expect(e.frame).toBe(0); // rewound to the pause frame
    expect(before).toBeGreaterThan(0);
  });

  it('refuses a pause at or before a frame whose input of the requester it holds, and more than the open limit', () => {
    const a = new Engine({ game, players: 2, localPlayer: 0, seed: 1, sessionTag: 0, send: (_p, b) => bToB.push(b.slice()), sendReliable: () => {} });
    const bToB: Uint8Array[] = [];
    const b = new Engine({ game, players: 2, localPlayer: 1, seed: 1, sessionTag: 0, send: (_p, x) => aIn.push(x.slice()), sendReliable: () => {} });
    const aIn: Uint8Array[] = [];
    for (let i = 0; i < 30; i++) {
      a.tick();
      b.tick();
      for (const x of aIn.splice(0)) a.receive(1, x);
      for (const x of bToB.splice(0)) b.receive(0, x);
    }
    const held = a.stats().peers[0]!.lastReceivedFrame;
    expect(held).toBeGreaterThan(10);
    a.receiveReliable(1, msg({ id: 1, frame: held }));
    a.tick();
    expect(a.stats().malformedByReason['bad-pause']).toBe(1);
    for (let id = 1; id <= MAX_OPEN_PER_PLAYER + 3; id++) a.receiveReliable(1, msg({ id, frame: held + 3 }));
    a.tick();
    expect(a.stats().malformedByReason['bad-pause']).toBe(4);
    expect(a.pauseRecords().length).toBe(MAX_OPEN_PER_PLAYER);
  });

  it('acknowledges duplicates again without taking them twice', () => {
    const { e, sent } = victim();
    const events: PauseRecord[] = [];
    e.on('pause', (r) => events.push(r));
    for (let i = 0; i < 5; i++) e.receiveReliable(1, msg({ id: 1, frame: 10 }));
    e.tick();
    expect(events.length).toBe(1);
    expect(sent.filter((s) => s.peer === 1).length).toBe(5);
    for (let i = 0; i < 3; i++) e.receiveReliable(1, msg({ id: 1, frame: 10, kind: PauseKind.Resume }));
    e.tick();
    expect(e.pausedBy).toBeUndefined();
    expect(e.stats().malformed).toBe(0);
  });
});

describe('input log with pauses', () => {
  it('round-trips the pauses and still reads a version 3 log', () => {
    const log = {
      spec: 'counter',
      seed: 3,
      players: 2,
      inputSize: 1,
      frames: 4,
      inputs: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
      departures: [{ player: 1, frame: 3 }],
      absences: [],
      pauses: [
        { player: 0, id: 1, frame: 2, reason: 'countdown', final: false },
        { player: 1, id: 1, frame: 4, reason: 'focus-timeout', final: true },
      ] as PauseRecord[],
    };
    const bytes = encodeInputLog(log);
    const back = decodeInputLog(bytes);
    expect(back.ok && back.log).toEqual(log);
    // Version 3: no pause section (the absence count, 0, is the last thing before the inputs).
    const spec = 7;
    const pauseStart = 18 + spec + 5 + 2;
    const v3 = Uint8Array.from([...bytes.subarray(0, pauseStart), ...bytes.subarray(pauseStart + 2 + 2 * 9)]);
    v3[4] = 3;
    const old = decodeInputLog(v3);
    expect(old.ok && old.log.pauses).toEqual([]);
    expect(old.ok && old.log.inputs).toEqual(log.inputs);
    const corrupt = bytes.slice();
    corrupt[pauseStart + 2 + 7] = 99; // unknown reason
    expect(decodeInputLog(corrupt).ok).toBe(false);
  });
});
