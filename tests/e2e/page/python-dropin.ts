/**
 * Test page for the drop-in worker bundle with a `.py` gameUrl: the bundle's
 * text comes from the test (as built), runs as a blob worker, and loads
 * Pyodide from this origin. Two sessions in this page over an in-memory
 * network play a few seconds.
 */
import { NetrollError } from '../../../src/contracts/errors.ts';
import { createSession, type Session } from '../../../main/session.ts';
import { createMemoryNetwork } from '../../../main/transport.ts';
import type { HostEvent } from '../../../worker/api.ts';
import type { DropinFailure, DropinOptions, DropinResult } from '../python-types.ts';

function worker(bundle: string): Worker {
  return new Worker(URL.createObjectURL(new Blob([bundle], { type: 'text/javascript' })), { type: 'module' });
}

const pyodideUrl = new URL('/pyodide/', location.href).href;

async function play(o: DropinOptions): Promise<DropinResult> {
  const transports = createMemoryNetwork(2, { latencyMs: 20, seed: 5 });
  const errors: DropinResult['errors'] = [];
  const readyMs: number[] = [];
  const sessions: Session[] = await Promise.all(
    transports.map(async (transport, p) => {
      const t0 = performance.now();
      const s = await createSession({ game: o.game, gameUrl: new URL(o.gameUrl, location.href).href, pyodideUrl, players: 2, localPlayer: p, seed: 31, endFrame: o.frames, engine: worker(o.bundle), transport });
      readyMs[p] = performance.now() - t0;
      s.on('error', (e: Extract<HostEvent, { type: 'error' }>) => errors.push({ code: e.code, message: e.message }));
      return s;
    }),
  );
  let lastRender: unknown = null;
  sessions[0]!.onRender((f) => (lastRender = f.state));
  let x = 7;
  const timer = setInterval(() => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    sessions[0]!.setInput(Uint8Array.of([0, 4, 8, 1, 5, 9][(x >>> 24) % 6]!));
    sessions[1]!.setInput(Uint8Array.of([0, 4, 8, 1][(x >>> 16) % 4]!));
  }, 80);
  const end = performance.now() + (o.frames / 60) * 1000 * 4 + 20_000;
  try {
    for (;;) {
      const stats = await Promise.all(sessions.map((s) => s.stats()));
      if (stats.every((s) => s.confirmedFrame >= o.frames - 1) || errors.length > 0 || performance.now() > end) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    clearInterval(timer);
  }
  const metrics = await Promise.all(sessions.map((s) => s.exportSessionMetrics()));
  await Promise.all(sessions.map((s) => s.close()));
  const [a, b] = metrics;
  return {
    readyMs,
    confirmedFrames: metrics.map((m) => m.stats.confirmedFrame),
    desyncs: metrics.map((m) => m.stats.desyncs),
    logsIdentical: a!.inputLog.length > 0 && a!.inputLog.length === b!.inputLog.length && a!.inputLog.every((v, i) => v === b!.inputLog[i]),
    hashes: metrics.map((m) => m.confirmedHash.hash),
    errors,
    lastRender,
  };
}

/** Configure one drop-in worker with `gameUrl` and report how it failed (null when it did not). */
async function configureFails(o: DropinOptions): Promise<DropinFailure | null> {
  const [transport] = createMemoryNetwork(2);
  try {
    const s = await createSession({ game: o.game, gameUrl: new URL(o.gameUrl, location.href).href, pyodideUrl, players: 2, localPlayer: 0, seed: 1, engine: worker(o.bundle), transport: transport!, autoStart: false });
    await s.close();
    return null;
  } catch (e) {
    const err = e as Error;
    return { name: err.name, code: e instanceof NetrollError ? e.code : null, message: err.message };
  }
}

/** Time from `new Worker` to a configured session (Pyodide loaded from this origin, the .py module run, the class ready), ms. */
async function readyMs(o: DropinOptions): Promise<number> {
  const [transport] = createMemoryNetwork(2);
  const t0 = performance.now();
  const s = await createSession({ game: o.game, gameUrl: new URL(o.gameUrl, location.href).href, pyodideUrl, players: 2, localPlayer: 0, seed: 1, engine: worker(o.bundle), transport: transport!, autoStart: false });
  const ms = performance.now() - t0;
  await s.close();
  return ms;
}

Object.assign(globalThis, { pyDropin: { play, configureFails, readyMs } });
document.title = 'netroll e2e python ready';
