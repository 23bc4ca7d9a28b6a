/**
 * Two sessions of the app's game in one page, each with its own engine
 * worker, linked by netroll's in-memory network. Publishes what they agree on
 * as `window.netrollResult` for the packaging check to read.
 */
import { createSession, type Session } from 'netroll';
import { createMemoryNetwork } from 'netroll/testing';

/** What the page reports when both sessions have confirmed `FRAMES` frames (the episode's end). */
export interface AppResult {
  frames: number[];
  hashes: number[];
  logsEqual: boolean;
  renders: number;
  error?: string;
}

declare global {
  interface Window {
    netrollResult?: AppResult;
  }
}

const FRAMES = 240;
const out = document.getElementById('out')!;

async function play(): Promise<AppResult> {
  const transports = createMemoryNetwork(2, { latencyMs: 30, jitterMs: 10, seed: 5 });
  const sessions: Session[] = await Promise.all(
    transports.map((transport, p) =>
      createSession({
        game: 'race',
        players: 2,
        localPlayer: p,
        seed: 2024,
        endFrame: FRAMES,
        engine: new Worker(new URL('./netroll.worker.ts', import.meta.url), { type: 'module' }),
        transport,
      }),
    ),
  );
  let renders = 0;
  sessions[0]!.onRender(() => renders++);
  // Player inputs change over time, so the engines predict, roll back and correct.
  let tick = 0;
  const driver = setInterval(() => {
    tick++;
    sessions[0]!.setInput(Uint8Array.of(tick % 7 < 4 ? 1 : 2));
    sessions[1]!.setInput(Uint8Array.of(tick % 5 < 3 ? 1 : 0));
  }, 16);
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      const stats = await Promise.all(sessions.map((s) => s.stats()));
      if (stats.every((s) => s.confirmedFrame >= FRAMES - 1)) break;
      if (Date.now() > deadline) throw new Error(`timed out at confirmed frames ${stats.map((s) => s.confirmedFrame).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    clearInterval(driver);
  }
  const metrics = await Promise.all(sessions.map((s) => s.exportSessionMetrics()));
  const [a, b] = metrics.map((m) => m.inputLog);
  const logsEqual = a !== undefined && b !== undefined && a.length > 0 && a.length === b.length && a.every((v, i) => v === b[i]);
  const result: AppResult = {
    frames: metrics.map((m) => m.confirmedHash.frame),
    hashes: metrics.map((m) => m.confirmedHash.hash),
    logsEqual,
    renders,
  };
  await Promise.all(sessions.map((s) => s.close()));
  return result;
}

play().then(
  (result) => {
    window.netrollResult = result;
    out.textContent = JSON.stringify(result);
  },
  (err: unknown) => {
    window.netrollResult = { frames: [], hashes: [], logsEqual: false, renders: 0, error: String(err) };
    out.textContent = String(err);
  },
);
