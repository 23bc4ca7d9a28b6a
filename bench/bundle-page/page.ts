/**
 * A page as a netroll user writes it: joins a game through the server, runs
 * the engine in its own worker, captures input and smooths corrections.
 * bench/bundle-size.ts builds it with Vite to weigh what such a page ships.
 */
import { captureInput, createSmoother, joinGame } from 'netroll';

const net = await joinGame({
  server: location.origin,
  queue: 'arena-2',
  players: 2,
  game: 'arena',
  engine: new Worker(new URL('./netroll.worker.ts', import.meta.url), { type: 'module' }),
});
const smooth = createSmoother<unknown>({ interpolate: (_a, b) => b, durationMs: 100 });
net.onRender((f) => smooth.push(f.state, f.corrected, performance.now()));
captureInput({ onChange: (bytes) => net.setInput(bytes) });
