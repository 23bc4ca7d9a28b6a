/**
 * The research parity check and replay use the engine's own hash samples:
 * multiples of hashInterval, every episode's final state, the end frame.
 * The case: a peer that diverges only in frames 70–99 of every
 * 100-frame episode has identical input logs; parity must still call it a
 * mismatch, at the first episode-final sample.
 */
import { describe, expect, it } from 'vitest';
import type { Game } from '../../src/engine/game.ts';
import { decodeInputLog, replay } from '../../src/engine/input-log.ts';
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
