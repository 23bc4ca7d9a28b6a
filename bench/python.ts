/**
 * Python game figures (real Pyodide in Node): load time, and step / save /
 * load / 8-frame rollback of a pure-Python 200-entity env (bench/python-env.py).
 * Called by bench/engine.ts; `tsx bench/python.ts` runs it alone.
 */
import { fileURLToPath } from 'node:url';
import { Simulation } from '../src/engine/simulation.ts';
import { asGame, pyodideGame } from '../python/game.ts';
import { loadPython } from '../python/loader.ts';
import { runSyncTest } from '../src/engine/sync-test.ts';

const ENV = fileURLToPath(new URL('./python-env.py', import.meta.url));

const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function timeEach(rounds: number, fn: (i: number) => void): number {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    fn(i);
    samples.push(performance.now() - t);
  }
  return median(samples);
}

/** The figures (ms). */
export async function benchPython(): Promise<Record<string, number>> {
  const t0 = performance.now();
  const py = await loadPython();
  const pythonLoadMs = performance.now() - t0;
  const game = asGame(await pyodideGame({ url: ENV, pyodide: py, spec: 'py-bench-swarm' }));
  // Sanity: the bench env is deterministic, or its figures mean nothing.
  const sync = runSyncTest({ game, players: 2, seed: 3, frames: 60, checkDistance: 8, inputs: (f) => Uint8Array.of(f & 7, (f >> 2) & 7) });
  if (sync.mismatch) throw new Error(`bench/python-env.py failed its sync test at frame ${sync.mismatch.frame}`);
  const sim = new Simulation(game, 9, 2);
  const inputs = (f: number) => Uint8Array.of(f & 3, (f >> 1) & 3);
  for (let f = 0; f < 120; f++) sim.step(inputs(f), f); // warm up
  let frame = 120;
  const pythonStepMs200 = timeEach(600, () => sim.step(inputs(frame), frame++));
  const reuse = sim.save();
  const pythonSaveMs200 = timeEach(600, () => sim.save(reuse));
  const snapshot = sim.save().slice();
  const pythonLoadStateMs200 = timeEach(600, () => sim.load(snapshot));
  const ring = Array.from({ length: 8 }, () => sim.save().slice());
  const rollbackSamples: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    sim.load(snapshot);
    for (let k = 0; k < 8; k++) {
      sim.save(ring[k]);
      sim.step(inputs(frame + k), frame + k);
    }
    rollbackSamples.push(performance.now() - t);
  }
  return {
    pythonLoadMs,
    pythonStepMs200,
    pythonSaveMs200,
    pythonLoadStateMs200,
    pythonRollback8Ms200: median(rollbackSamples),
    // The fastest rollback: its cost with the CPU to itself (on a shared machine the median includes waits for a core).
    pythonRollback8MinMs200: Math.min(...rollbackSamples),
    pythonSnapshotBytes200: snapshot.length,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchPython()));
}
