/**
 * Soak with a Python game: 2–4 peers, each with its own engine and its own
 * Python instances in one Pyodide, over a seeded lossy in-memory network.
 * Every peer's confirmed input log and final hash must agree.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { gameFromSpec } from '../../src/games/index.ts';
import { runSoak } from '../../src/sim/soak.ts';
import { preloadGames } from '../../python/node.ts';

describe('soak with the Python example', () => {
  it.each([2, 3, 4])('%i players under 10 percent loss, 50±15 ms: identical logs, no desync', async (players) => {
    const resolve = await preloadGames(['py-slime'], gameFromSpec);
    const r = runSoak({ players, frames: 600, seed: 40 + players, game: 'py-slime', latencyMs: 50, jitterMs: 15, loss: 0.1, dup: 0.02, reorder: 0.05 }, resolve);
    expect(r.game).toBe('py-slime');
    expect(r.completed).toBe(true);
    expect(r.confirmedFrames).toBeGreaterThanOrEqual(600);
    expect(r.packets.dropped).toBeGreaterThan(0);
    expect(r.rollbacks).toBeGreaterThan(0);
    expect(r.desyncs).toBe(0);
    expect(r.inputsLost).toBe(0);
    expect(r.logsIdentical).toBe(true);
    expect(r.hashesIdentical).toBe(true);
    expect(new Set(r.finalHashes).size).toBe(1);
  });

  it('runs from the CLI with --game py:PATH', async () => {
    const { stdout } = await promisify(execFile)(
      'npx',
      ['tsx', 'scripts/soak.ts', '--game', 'py:examples/python/slime.py#SlimeVolley', '--players', '2', '--frames', '300', '--loss', '0.05', '--json'],
      { timeout: 170_000 },
    );
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { game: string; desyncs: number; logsIdentical: boolean; completed: boolean };
    expect(result).toMatchObject({ game: 'py:examples/python/slime.py#SlimeVolley', desyncs: 0, logsIdentical: true, completed: true });
  }, 180_000);
});
