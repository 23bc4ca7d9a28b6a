// Two sessions on a plain page: the prebuilt drop-in worker loads game.js by URL.
import { createSession } from 'netroll';
import { createMemoryNetwork } from 'netroll/testing';

const FRAMES = 240;
const out = document.getElementById('out');

async function play() {
  const gameUrl = new URL('./game.js', location.href).href;
  const transports = createMemoryNetwork(2, { latencyMs: 30, jitterMs: 10, seed: 9 });
  const sessions = await Promise.all(
    transports.map((transport, p) =>
      createSession({
        game: 'counters',
        gameUrl,
        players: 2,
        localPlayer: p,
        seed: 99,
        endFrame: FRAMES,
        engine: new Worker('/node_modules/netroll/dist/netroll-worker.js', { type: 'module' }),
        transport,
      }),
    ),
  );
  let tick = 0;
  const driver = setInterval(() => {
    tick++;
    sessions[0].setInput(Uint8Array.of(tick % 3));
    sessions[1].setInput(Uint8Array.of(tick % 4 === 0 ? 2 : 1));
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
  const logsEqual = a.length > 0 && a.length === b.length && a.every((v, i) => v === b[i]);
  const result = {
    frames: metrics.map((m) => m.confirmedHash.frame),
    hashes: metrics.map((m) => m.confirmedHash.hash),
    logsEqual,
    renders: 0,
  };
  await Promise.all(sessions.map((s) => s.close()));
  return result;
}

play().then(
  (result) => {
    window.netrollResult = result;
    out.textContent = JSON.stringify(result);
  },
  (err) => {
    window.netrollResult = { frames: [], hashes: [], logsEqual: false, renders: 0, error: String(err) };
    out.textContent = String(err);
  },
);
