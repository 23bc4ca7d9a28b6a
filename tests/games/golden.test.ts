/**
 * Golden hashes: fixed seeds and seeded inputs through each built-in game,
 * pinned. A change to a game's logic changes these; then bump the game's
 * version (`ARENA_VERSION`, `SWARM_VERSION`) so replay refuses logs of the
 * old version, and re-pin. Also: replay refuses another version.
 */
import { describe, expect, it } from 'vitest';
import { encodeInputLog, decodeInputLog, replay } from '../../src/engine/input-log.ts';
import { Simulation } from '../../src/engine/simulation.ts';
import { gameFromSpec } from '../../src/games/index.ts';
import { Prng } from '../../src/util/prng.ts';

interface Case {
  spec: string;
  players: number;
  seed: number;
  frames: number;
  /** Pinned xxHash32 of the final snapshot (hex) and the episodes started. */
  hash: string;
  episodes: number;
}

const CASES: Case[] = [
  { spec: 'arena@1', players: 2, seed: 1, frames: 3000, hash: 'e473d45b', episodes: 3 },
  { spec: 'arena@1?coins=3&episodeFrames=300&targetScore=5', players: 4, seed: 77, frames: 2000, hash: 'ecc02c20', episodes: 7 },
  { spec: 'arena@1', players: 8, seed: 0xfffffff0, frames: 1500, hash: '6c086f15', episodes: 2 },
  { spec: 'swarm@1?entities=200', players: 3, seed: 5, frames: 600, hash: '0b7a90f9', episodes: 1 },
  { spec: 'swarm@1?entities=1000&episodeFrames=200', players: 2, seed: 9, frames: 500, hash: '7ed57f2a', episodes: 3 },
];

/** The inputs of a case: each player's input changes at seeded moments. */
function inputsOf(c: Case, inputSize: number): Uint8Array {
  const rng = new Prng(c.seed ^ 0x5eed);
  const stride = c.players * inputSize;
  const out = new Uint8Array(c.frames * stride);
  const current = new Uint8Array(stride);
  for (let f = 0; f < c.frames; f++) {
    for (let i = 0; i < stride; i++) if (rng.nextInt(8) === 0) current[i] = rng.nextU32() & 0x1f;
    out.set(current, f * stride);
  }
  return out;
}

function run(c: Case): { hash: string; episodes: number; log: Uint8Array } {
  const game = gameFromSpec(c.spec);
  const inputs = inputsOf(c, game.inputSize);
  const sim = new Simulation(game, c.seed, c.players);
  const stride = c.players * game.inputSize;
  for (let f = 0; f < c.frames; f++) sim.step(inputs.subarray(f * stride, (f + 1) * stride), f);
  const log = encodeInputLog({ spec: game.spec, seed: c.seed, players: c.players, inputSize: game.inputSize, frames: c.frames, inputs });
  return { hash: sim.hash().toString(16).padStart(8, '0'), episodes: sim.episode + 1, log };
}

describe('golden hashes of the built-in games', () => {
  it.each(CASES)('$spec, $players players, seed $seed, $frames frames', (c) => {
    const r = run(c);
    expect(r.hash).toBe(c.hash);
    expect(r.episodes).toBe(c.episodes);
    // replay of the same inputs as a log gives the same state
    const decoded = decodeInputLog(r.log);
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(replay(decoded.log, gameFromSpec).finalHash.toString(16).padStart(8, '0')).toBe(c.hash);
  });

  it('replay refuses a log of another game version with game-version-mismatch', () => {
    const c = CASES[0]!;
    const game = gameFromSpec(c.spec);
    const log = { spec: 'arena@2', seed: 1, players: 2, inputSize: 1, frames: 1, inputs: new Uint8Array(2) };
    // a resolver that ignores the version (as a custom registry might) still cannot slip it past replay
    expect(() => replay(log, () => game)).toThrow(expect.objectContaining({ code: 'game-version-mismatch' }));
    expect(() => replay(log, gameFromSpec)).toThrow(expect.objectContaining({ code: 'game-version-mismatch' }));
    // an unversioned spec means version 1 (logs from before specs carried versions)
    expect(() => replay({ ...log, spec: 'arena' }, gameFromSpec)).not.toThrow();
  });
});
