import { describe, expect, it } from 'vitest';
import { runSyncTest } from '../../src/engine/sync-test.ts';
import { createArena } from '../../src/games/arena.ts';
import { createSwarm } from '../../src/games/swarm.ts';
import { Prng } from '../../src/util/prng.ts';
import { counterGame } from './harness.ts';

function randomInputs(players: number, seed: number) {
  const rng = new Prng(seed);
  return () => new Uint8Array(players).map(() => rng.nextInt(32));
}

describe('sync test', () => {
  it('passes the deterministic demo games', () => {
    for (const game of [createArena({ episodeFrames: 100 }), createSwarm({ entities: 200 })]) {
      const r = runSyncTest({ game, players: 3, seed: 9, frames: 300, checkDistance: 7, inputs: randomInputs(3, 1) });
      expect(r.mismatch).toBeNull();
      expect(r.rollbacks).toBe(300 - 6);
      expect(r.checks).toBe(r.rollbacks * 7);
    }
  });

  it('catches a game that keeps hidden state outside its snapshot', () => {
    let hidden = 0;
    const game = counterGame({ nondeterministic: () => hidden++ });
    const r = runSyncTest({ game, players: 2, seed: 1, frames: 100, checkDistance: 4, inputs: randomInputs(2, 2) });
    expect(r.mismatch).not.toBeNull();
    expect(r.mismatch!.expectedHash).not.toBe(r.mismatch!.actualHash);
    expect(r.mismatch!.frame).toBeGreaterThan(r.mismatch!.rollbackFrom);
  });

  it('catches a game that uses Math.random', () => {
    const game = counterGame({ nondeterministic: () => (Math.random() * 1000) | 0 });
    const r = runSyncTest({ game, players: 2, seed: 1, frames: 50, inputs: randomInputs(2, 3) });
    expect(r.mismatch).not.toBeNull();
  });
});
