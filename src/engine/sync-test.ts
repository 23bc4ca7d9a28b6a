/**
 * Sync-test mode (as in GGPO/GGRS): run a game alone, and every frame roll
 * back `checkDistance` frames, re-simulate them and compare the state hashes
 * with the first run. Any difference means the game is not deterministic
 * (reads a clock, uses Math.random, keeps hidden state outside its snapshot,
 * depends on iteration order...). Run it in CI before players find out.
 */
import type { Game } from './game.ts';
import { xxh32 } from './hash.ts';
import { Simulation } from './simulation.ts';

/** Options of {@link runSyncTest}. */
export interface SyncTestOptions<S> {
  /** The game under test. */
  game: Game<S>;
  /** Players to simulate. */
  players: number;
  /** Session seed (uint32). */
  seed: number;
  /** Frames to roll back every frame. Default 7. */
  checkDistance?: number;
  /** Frames to run. */
  frames: number;
  /** Inputs of all players for `frame` (`players × inputSize` bytes). */
  inputs: (frame: number) => Uint8Array;
}

/** A frame whose state hash differed after a rollback and re-simulation. */
export interface SyncTestMismatch {
  /** The frame whose state differed (state at its start). */
  readonly frame: number;
  /** Frame the rollback started from. */
  readonly rollbackFrom: number;
  /** Hash of the state at `frame` on the first run. */
  readonly expectedHash: number;
  /** Hash of the state at `frame` after the rollback and re-simulation. */
  readonly actualHash: number;
}

/** What {@link runSyncTest} found: frames checked and any mismatches. */
export interface SyncTestReport {
  /** Frames run (up to and including the mismatching one's step). */
  readonly frames: number;
  /** Rollbacks performed (one per frame from frame `checkDistance - 1` on). */
  readonly rollbacks: number;
  /** Re-simulated frames whose hash was compared. */
  readonly checks: number;
  /** The first mismatch, or null when the game looks deterministic. */
  readonly mismatch: SyncTestMismatch | null;
}

/** Run a sync test; stops at the first mismatch. */
export function runSyncTest<S>(options: SyncTestOptions<S>): SyncTestReport {
  const { game, players, seed, frames } = options;
  const k = options.checkDistance ?? 7;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`checkDistance must be a positive integer, got ${k}`);
  const sim = new Simulation(game, seed, players);
  const snapshots: Uint8Array[] = []; // frame -> snapshot at its start (kept for the last k+1 frames)
  const hashes: number[] = [];
  const inputs: Uint8Array[] = [];
  let rollbacks = 0;
  let checks = 0;
  for (let f = 0; f < frames; f++) {
    if (f === 0) {
      snapshots[0] = sim.save();
      hashes[0] = xxh32(snapshots[0]);
    }
    inputs[f] = options.inputs(f).slice();
    sim.step(inputs[f]!, f);
    snapshots[f + 1] = sim.save();
    hashes[f + 1] = xxh32(snapshots[f + 1]!);
    if (f + 1 < k) continue;
    // Roll back k frames and re-simulate to the present, checking every state.
    const from = f + 1 - k;
    rollbacks++;
    sim.load(snapshots[from]!);
    for (let g = from; g <= f; g++) {
      sim.step(inputs[g]!, g);
      checks++;
      const actual = xxh32(sim.save());
      if (actual !== hashes[g + 1]) {
        const mismatch = { frame: g + 1, rollbackFrom: from, expectedHash: hashes[g + 1]!, actualHash: actual };
        return { frames: f + 1, rollbacks, checks, mismatch };
      }
    }
    delete snapshots[from];
  }
  return { frames, rollbacks, checks, mismatch: null };
}
