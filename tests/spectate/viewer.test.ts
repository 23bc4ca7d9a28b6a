/**
 * The spectator engine path: a viewer that starts from a player's confirmed
 * snapshot mid-session and steps the confirmed inputs that player streams
 * reaches the players' confirmed hashes at every sample frame (episode ends
 * and the end frame included), through the real wire encoding, on a lossy
 * network between the players. Gaps, foreign and malformed messages are
 * counted and never change what the viewer shows.
 */
import { describe, expect, it } from 'vitest';
import { createArena } from '../../src/games/arena.ts';
import { decodeSpectate, encodeSpectateInfo, encodeSpectateInputs, encodeSpectateSnapshot, type SpectateInfo, SpectateKind } from '../../src/spectate/wire.ts';
import { SpectatorViewer } from '../../src/spectate/viewer.ts';
import { xxh32 } from '../../src/engine/hash.ts';
import { Prng } from '../../src/util/prng.ts';
import { counterGame, mesh } from '../engine/harness.ts';
import type { Engine } from '../../src/engine/engine.ts';
import type { Game } from '../../src/engine/game.ts';

function feed<S>(viewer: SpectatorViewer<S>, bytes: Uint8Array[]): void {
  for (const b of bytes) {
    const d = decodeSpectate(b);
    if (!d.ok) throw new Error(d.detail);
    viewer.take(d.message);
  }
}

function infoOf<S>(e: Engine<S>, endFrame: number, hashInterval: number): SpectateInfo {
  return { game: e.game.spec, seed: e.seed, players: e.players, inputSize: e.game.inputSize, hashInterval, tickRate: 60, sessionTag: e.sessionTag, endFrame };
}

/** Play a lossy 2-player session; a viewer joins at `joinTick` from player 1's snapshot and follows its confirmed inputs. */
function watch<S>(game: Game<S>, opts: { endFrame: number; joinTick: number; delayFrames: number; batchEvery: number }) {
  const hashInterval = 60;
  const m = mesh(game, 2, { hashInterval, endFrame: opts.endFrame }, { latencyMs: 40, jitterMs: 15, loss: 0.1, dup: 0.02, reorder: 0.05 });
  const played: { frame: number; hash: number }[][] = [[], []];
  m.engines.forEach((e, i) => e.on('hash', (h) => played[i]!.push(h)));
  const feeder = m.engines[1]!;
  const info = infoOf(feeder, opts.endFrame, hashInterval);
  const infoMsg = decodeSpectate(encodeSpectateInfo(info));
  expect(infoMsg.ok && infoMsg.message.kind === SpectateKind.Info && infoMsg.message.info).toEqual(info);
  let t = 0;
  const viewer = new SpectatorViewer(game, info, { delayFrames: opts.delayFrames, clock: () => t });
  const rng = new Prng(9);
  let cursor = -1;
  for (; t < 4000 && !(m.engines.every((e) => e.settled) && viewer.frame >= opts.endFrame); t++) {
    for (const e of m.engines) e.setLocalInput(Uint8Array.of(rng.nextInt(32)));
    m.step();
    if (t === opts.joinTick) {
      const { frame, snapshot } = feeder.confirmedSnapshot();
      feed(viewer, encodeSpectateSnapshot(feeder.sessionTag, 1, frame, snapshot));
      cursor = frame;
    }
    if (cursor >= 0 && t % opts.batchEvery === 0) {
      const c = feeder.confirmedInputs(cursor, 1000);
      if (c.frameCount > 0) {
        feed(viewer, encodeSpectateInputs(feeder.sessionTag, 2, game.inputSize, c.startFrame, c.frameCount, c.inputs, t));
        cursor += c.frameCount;
      }
    }
    viewer.advance(30);
  }
  return { m, played, viewer, info };
}

function viewerHash<S>(v: SpectatorViewer<S>): number {
  return xxh32(v.snapshot()!);
}

describe('spectator viewer', () => {
  it('joins mid-session from a confirmed snapshot and matches both players\' confirmed hashes at every later sample (counter game with episodes)', () => {
    const { played, viewer, m } = watch(counterGame({ episodeFrames: 100 }), { endFrame: 900, joinTick: 250, delayFrames: 6, batchEvery: 3 });
    expect(played[0]).toEqual(played[1]);
    expect(viewer.frame).toBe(900);
    const seen = viewer.hashes();
    const joined = seen[0]!.frame;
    expect(joined).toBeGreaterThan(200);
    const expected = played[0]!.filter((h) => h.frame >= joined);
    // samples at multiples of 60, every episode end (multiples of 100) and the end frame
    expect(expected.some((h) => h.frame % 100 === 0 && h.frame % 60 !== 0)).toBe(true);
    expect(seen).toEqual(expected);
    expect(viewer.counters.gaps).toBe(0);
    expect(viewer.counters.malformed).toBe(0);
    // the viewer never sends anything: the players' counters are the same as without it
    expect(m.engines[0]!.stats().desyncs).toBe(0);
  });

  it('arena: the viewer\'s hashes equal the players\' from its snapshot to the end, with lag samples of the delay only', () => {
    const { played, viewer } = watch(createArena(), { endFrame: 1200, joinTick: 400, delayFrames: 10, batchEvery: 1 });
    const seen = viewer.hashes();
    expect(seen.length).toBeGreaterThan(10);
    expect(seen).toEqual(played[1]!.filter((h) => h.frame >= seen[0]!.frame));
    expect(viewer.lagSamples().length).toBeGreaterThan(50);
  });

  it('a gap waits for a new snapshot; foreign, malformed and stale messages are counted and change nothing', () => {
    const game = counterGame();
    const m = mesh(game, 2, { hashInterval: 30 });
    m.run(120, (i, tick) => Uint8Array.of((tick * (i + 1)) & 3));
    const e = m.engines[0]!;
    const info = infoOf(e, 10_000, 30);
    const viewer = new SpectatorViewer(game, info);
    // inputs before any snapshot are ignored
    feed(viewer, encodeSpectateInputs(e.sessionTag, 2, 1, 0, 5, new Uint8Array(10), 0));
    expect(viewer.frame).toBe(-1);
    const { frame, snapshot } = e.confirmedSnapshot();
    feed(viewer, encodeSpectateSnapshot(e.sessionTag, 1, frame, snapshot));
    expect(viewer.frame).toBe(frame);
    // another session's tag, a wrong shape: counted
    feed(viewer, encodeSpectateInputs(e.sessionTag ^ 1, 2, 1, frame, 1, new Uint8Array(2), 0));
    feed(viewer, encodeSpectateInputs(e.sessionTag, 1, 1, frame, 1, new Uint8Array(1), 0));
    feed(viewer, encodeSpectateSnapshot(e.sessionTag ^ 1, 2, frame + 5, snapshot));
    expect(viewer.counters.malformed).toBe(3);
    // a corrupted snapshot chunk: counted, not loaded
    const [chunk] = encodeSpectateSnapshot(e.sessionTag, 3, frame + 50, snapshot);
    const bad = chunk!.slice();
    bad[bad.length - 1]! ^= 0xff;
    feed(viewer, [bad]);
    expect(viewer.counters.malformed).toBe(4);
    expect(viewer.frame).toBe(frame);
    // garbage never decodes into anything
    for (const junk of [new Uint8Array(0), Uint8Array.of(9, 1, 2), Uint8Array.of(1, 0xff), Uint8Array.of(3, 1, 2), new Uint8Array(40_000)]) {
      expect(decodeSpectate(junk).ok).toBe(false);
    }
    // a gap: inputs that skip frames make the viewer wait for a snapshot
    const c = e.confirmedInputs(frame, 3);
    feed(viewer, encodeSpectateInputs(e.sessionTag, 2, 1, c.startFrame, c.frameCount, c.inputs, 0));
    feed(viewer, encodeSpectateInputs(e.sessionTag, 2, 1, frame + 10, 1, new Uint8Array(2), 0));
    expect(viewer.counters.gaps).toBe(1);
    expect(viewer.needsSnapshot).toBe(true);
    expect(viewer.advance(10).stepped).toBe(0);
    m.run(60, () => Uint8Array.of(1));
    const again = e.confirmedSnapshot();
    feed(viewer, encodeSpectateSnapshot(e.sessionTag, 4, again.frame, again.snapshot));
    expect(viewer.needsSnapshot).toBe(false);
    expect(viewer.frame).toBe(again.frame);
    m.run(60, () => Uint8Array.of(2));
    const more = e.confirmedInputs(again.frame, 100);
    expect(more.frameCount).toBeGreaterThan(0);
    feed(viewer, encodeSpectateInputs(e.sessionTag, 2, 1, more.startFrame, more.frameCount, more.inputs, 0));
    viewer.advance(1000);
    expect(viewer.frame).toBe(e.confirmedFrame + 1);
    // it caught up to the player's confirmed state
    expect(viewer.hashes().at(-1)?.frame).toBe(Math.floor(viewer.frame / 30) * 30);
    expect(e.confirmedStateHash()).toEqual({ frame: viewer.frame, hash: viewerHash(viewer) });
  });

  it('never shows a frame backwards: a snapshot from behind the frame shown (after a gap, as from another player after a re-watch) is stepped through unseen and unhashed, then it plays on', () => {
    const game = counterGame();
    const m = mesh(game, 2, { hashInterval: 30 });
    const played: { frame: number; hash: number }[] = [];
    const e = m.engines[0]!;
    e.on('hash', (h) => played.push(h));
    m.run(120, (i, tick) => Uint8Array.of((tick * (i + 1)) & 3));
    const early = e.confirmedSnapshot();
    m.run(240, (i, tick) => Uint8Array.of((tick + i) & 3));
    const viewer = new SpectatorViewer(game, infoOf(e, 10_000, 30));
    feed(viewer, encodeSpectateSnapshot(e.sessionTag, 1, early.frame, early.snapshot));
    const first = e.confirmedInputs(early.frame, 90);
    expect(first.frameCount).toBe(90);
    feed(viewer, encodeSpectateInputs(e.sessionTag, 2, 1, first.startFrame, first.frameCount, first.inputs, 0));
    viewer.advance(1000);
    const shownBefore = viewer.frame;
    expect(shownBefore).toBe(early.frame + 90);
    const hashedBefore = viewer.hashes();
    expect(hashedBefore.length).toBeGreaterThanOrEqual(2);
    // the stream breaks (a gap), and the next snapshot is the older one
    feed(viewer, encodeSpectateInputs(e.sessionTag, 2, 1, shownBefore + 20, 1, new Uint8Array(2), 0));
    expect(viewer.needsSnapshot).toBe(true);
    feed(viewer, encodeSpectateSnapshot(e.sessionTag, 2, early.frame, early.snapshot));
    expect(viewer.counters.snapshotsBehind).toBe(1);
    expect(viewer.snapshotFrame).toBe(early.frame);
    expect(viewer.frame).toBe(shownBefore);
    expect(viewer.catchingUp).toBe(true);
    const rest = e.confirmedInputs(early.frame, 1000);
    expect(rest.startFrame + rest.frameCount).toBeGreaterThan(shownBefore + 30);
    feed(viewer, encodeSpectateInputs(e.sessionTag, 2, 1, rest.startFrame, rest.frameCount, rest.inputs, 0));
    const reported: number[] = [];
    while (viewer.advance(7).stepped > 0) reported.push(viewer.frame);
    for (const [i, f] of reported.entries()) expect(f).toBeGreaterThanOrEqual(i === 0 ? shownBefore : reported[i - 1]!);
    expect(viewer.catchingUp).toBe(false);
    // every sample once, equal to the players' own, and the state is the player's confirmed state
    const seen = viewer.hashes();
    expect(seen.slice(0, hashedBefore.length)).toEqual(hashedBefore);
    expect(new Set(seen.map((h) => h.frame)).size).toBe(seen.length);
    expect(seen).toEqual(played.filter((h) => h.frame >= seen[0]!.frame && h.frame <= viewer.frame));
    expect(viewer.frame).toBe(e.confirmedFrame + 1);
    expect(e.confirmedStateHash()).toEqual({ frame: viewer.frame, hash: viewerHash(viewer) });
  });
});
