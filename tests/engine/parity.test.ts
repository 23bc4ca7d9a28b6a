/**
 * The research parity check and replay use the engine's own hash samples:
 * multiples of hashInterval, every episode's final state, the end frame.
 * The case: a peer that diverges only in frames 70–99 of every
 * 100-frame episode has identical input logs; parity must still call it a
 * mismatch, at the first episode-final sample.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Game } from '../../src/engine/game.ts';
import { decodeInputLog, encodeInputLog, replay } from '../../src/engine/input-log.ts';
import { checkParity } from '../../src/research/parity.ts';
import { Prng } from '../../src/util/prng.ts';
import { counterGame, mesh } from './harness.ts';

function session(divergeFrom: number | null) {
  let peer = 0;
  const base = counterGame({ episodeFrames: 100 });
  const game: Game<{ data: Int32Array }> = {
    ...base,
    step(state, inputs, frame) {
      base.step(state, inputs, frame);
      if (divergeFrom !== null && peer === 1 && frame >= divergeFrom) state.data[0] = (state.data[0]! + 1) | 0;
      return state;
    },
  };
  const m = mesh(game, 2, { hashInterval: 60, endFrame: 600 }, { latencyMs: 30, jitterMs: 10, loss: 0.05, dup: 0, reorder: 0 });
  const hashes: { frame: number; hash: number }[][] = [[], []];
  m.engines.forEach((e, i) => e.on('hash', (h) => hashes[i]!.push(h)));
  const rng = new Prng(2);
  for (let t = 0; t < 800 && !m.engines.every((e) => e.settled); t++) {
    for (const e of m.engines) e.setLocalInput(Uint8Array.of(rng.nextInt(4)));
    for (const [i, e] of m.engines.entries()) {
      peer = i;
      e.tick();
    }
    m.step([]);
  }
  return { m, hashes, game };
}

describe('parity uses the engine samples', () => {
  it('a divergence only in the last 30 frames of each episode is a parity mismatch at the first episode end', () => {
    const { m, hashes } = session(70);
    const logs = m.engines.map((e) => e.exportInputLog());
    expect(Buffer.compare(logs[0]!, logs[1]!)).toBe(0); // the inputs agree
    const r = checkParity(m.engines.map((e, i) => ({ playerIndex: i, inputLog: logs[i]!, hashes: hashes[i]! })));
    expect(r.status).toBe('mismatch');
    expect(r.firstMismatchFrame).toBe(100);
  });

  it('a clean session is fullySynced over every sample, and replay computes the same samples', () => {
    const { m, hashes, game } = session(null);
    const frames = hashes[0]!.map((h) => h.frame);
    // 60, 100 (episode end), 120, 180, 200, ..., 600 (end frame and an episode end)
    for (const f of [60, 100, 120, 200, 300, 360, 600]) expect(frames).toContain(f);
    const logs = m.engines.map((e) => e.exportInputLog());
    const r = checkParity(m.engines.map((e, i) => ({ playerIndex: i, inputLog: logs[i]!, hashes: hashes[i]! })));
    expect(r.status).toBe('fullySynced');
    expect(r.hashesCompared).toBe(frames.length);
    const decoded = decodeInputLog(logs[0]!);
    if (!decoded.ok) throw new Error(decoded.error.message);
    const replayed = replay(decoded.log, () => game as never, 60);
    expect([...replayed.hashes.entries()]).toEqual(hashes[0]!.map((h) => [h.frame, h.hash]));
  });
});

describe('parity after a player left early', () => {
  // Three players, 300 frames; player 2 left at frame 100, so its log is the first 100 frames.
  const FRAMES = 300;
  const inputs = (players: number, frames: number) => {
    const rng = new Prng(7);
    return Uint8Array.from({ length: frames * players }, () => rng.nextInt(16));
  };
  const base = inputs(3, FRAMES);
  const logOf = (bytes: Uint8Array, frames: number) =>
    encodeInputLog({ spec: 'counter@1', seed: 5, players: 3, inputSize: 1, frames, inputs: bytes.subarray(0, frames * 3) });
  const hashesTo = (frames: number, salt = (_f: number) => 0) =>
    Array.from({ length: Math.floor((frames - 1) / 60) }, (_, k) => (k + 1) * 60).map((frame) => ({ frame, hash: (frame * 2654435761 + salt(frame)) >>> 0 }));
  const records = (b1: Uint8Array, hashes1 = hashesTo(FRAMES)) => [
    { playerIndex: 0, inputLog: logOf(base, FRAMES), hashes: hashesTo(FRAMES) },
    { playerIndex: 1, inputLog: logOf(b1, FRAMES), hashes: hashes1 },
    { playerIndex: 2, inputLog: logOf(base, 100), hashes: hashesTo(100) },
  ];

  it('the players who played on are compared to the end of their logs: fullySynced over all 300 frames', () => {
    const r = checkParity(records(base));
    expect(r).toMatchObject({ status: 'fullySynced', framesCompared: FRAMES, hashesCompared: 4 }); // 60, 120, 180, 240
  });

  it('inputs that differ after the leaver\'s log ends are a mismatch, naming the two players', () => {
    const b1 = base.slice();
    b1[250 * 3 + 0] = (b1[250 * 3 + 0]! + 1) & 15;
    const r = checkParity(records(b1));
    expect(r).toMatchObject({ status: 'mismatch', firstMismatchFrame: 250, framesCompared: FRAMES });
    expect(r.detail).toBe('inputs differ at frame 250 (players 0 and 1)');
  });

  it('a state hash that differs after the leaver\'s log ends is a mismatch at that sample', () => {
    const r = checkParity(records(base, hashesTo(FRAMES, (f) => (f === 180 ? 1 : 0))));
    expect(r).toMatchObject({ status: 'mismatch', firstMismatchFrame: 180, hashesCompared: 4 });
    expect(r.detail).toBe('state hashes differ at frame 180 (players 0 and 1)');
  });

  it('a difference while all three played is found as before, and a log nobody else reaches is not compared', () => {
    const b2 = base.slice();
    b2[40 * 3 + 2] = (b2[40 * 3 + 2]! + 1) & 15;
    const withLeaver = [...records(base).slice(0, 2), { playerIndex: 2, inputLog: logOf(b2, 100), hashes: hashesTo(100) }];
    expect(checkParity(withLeaver)).toMatchObject({ status: 'mismatch', firstMismatchFrame: 40, detail: 'inputs differ at frame 40 (players 0 and 2)' });
    // Player 0 alone reaches frames 200..299: compared up to the second-longest log.
    const short1 = [records(base)[0]!, { playerIndex: 1, inputLog: logOf(base, 200), hashes: hashesTo(200) }, records(base)[2]!];
    expect(checkParity(short1)).toMatchObject({ status: 'fullySynced', framesCompared: 200, hashesCompared: 3 });
  });
});

describe('parity against a pairwise oracle (property)', () => {
  /** The slow definition: the first frame (or hash sample) where any two peers that both have it differ. */
  function oracle(logs: Uint8Array[], lengths: number[], hashes: Map<number, number>[], players: number) {
    let input = -1;
    for (let f = 0; input < 0 && f < Math.max(...lengths); f++) {
      for (let i = 0; input < 0 && i < logs.length; i++) {
        for (let j = i + 1; j < logs.length; j++) {
          if (lengths[i]! <= f || lengths[j]! <= f) continue;
          if (logs[i]!.subarray(f * players, (f + 1) * players).some((v, k) => v !== logs[j]![f * players + k])) {
            input = f;
            break;
          }
        }
      }
    }
    const frames = [...new Set(hashes.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
    const shared = frames.filter((f) => hashes.filter((m) => m.has(f)).length >= 2);
    const hash = shared.find((f) => new Set(hashes.filter((m) => m.has(f)).map((m) => m.get(f))).size > 1) ?? -1;
    return { input, hash, sharedHashes: shared.length, framesCompared: [...lengths].sort((a, b) => b - a)[1]! };
  }

  it('finds exactly the first frame where two peers that both reached it disagree, for any leave pattern', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 1, max: 120 }),
        fc.array(fc.integer({ min: 0, max: 119 }), { minLength: 5, maxLength: 5 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 119 })), { maxLength: 3 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 11 })), { maxLength: 2 }),
        (peers, full, cuts, flips, hashFlips) => {
          const players = peers;
          const base = Uint8Array.from({ length: full * players }, (_, i) => (i * 7) & 15);
          const lengths = Array.from({ length: peers }, (_, p) => (p === 0 ? full : 1 + (cuts[p]! % full)));
          const logs = lengths.map(() => base.slice());
          for (const [p, f] of flips) {
            const log = logs[p];
            if (log && f < full) log[f * players + (p % players)] = log[f * players + (p % players)]! ^ 1;
          }
          const hashes = lengths.map((len) => new Map(Array.from({ length: Math.floor((len - 1) / 10) }, (_, k) => [(k + 1) * 10, (k + 1) * 31] as [number, number])));
          for (const [p, k] of hashFlips) {
            const f = (k + 1) * 10;
            if (p < peers && hashes[p]!.has(f)) hashes[p]!.set(f, hashes[p]!.get(f)! + 1);
          }
          const r = checkParity(
            lengths.map((len, p) => ({
              playerIndex: p,
              inputLog: encodeInputLog({ spec: 'counter@1', seed: 1, players, inputSize: 1, frames: len, inputs: logs[p]!.subarray(0, len * players) }),
              hashes: [...hashes[p]!].map(([frame, hash]) => ({ frame, hash })),
            })),
          );
          const o = oracle(logs, lengths, hashes, players);
          expect(r.framesCompared).toBe(o.framesCompared);
          expect(r.hashesCompared).toBe(o.sharedHashes);
          if (o.input < 0 && o.hash < 0) expect(r).toMatchObject({ status: 'fullySynced', firstMismatchFrame: null });
          else {
            const first = o.hash >= 0 && (o.input < 0 || o.hash <= o.input) ? o.hash : o.input;
            expect(r).toMatchObject({ status: 'mismatch', firstMismatchFrame: first });
          }
        },
      ),
      { numRuns: 300, seed: 20261202 },
    );
  });
});
