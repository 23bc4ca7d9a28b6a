/**
 * Two worker-hosted sessions in one page over an in-page link with 60 ms
 * latency and no input delay, with inputs that keep changing: the engines
 * roll back many times a second. The trace test reads `traceRollbacks()`.
 */
import { createSession, type Session } from '../../../main/session.ts';
import { createMemoryNetwork } from '../../../main/transport.ts';

const transports = createMemoryNetwork(2, { latencyMs: 60, jitterMs: 20, seed: 11 });
const sessions: Session[] = await Promise.all(
  transports.map((transport, p) =>
    createSession({
      game: 'arena',
      players: 2,
      localPlayer: p,
      seed: 77,
      inputDelay: 0,
      engine: new Worker(new URL('../../../worker/builtin.ts', import.meta.url), { type: 'module' }),
      transport,
    }),
  ),
);
let flip = 0;
setInterval(() => {
  flip ^= 1;
  sessions.forEach((s, i) => s.setInput(Uint8Array.of(flip ^ (i & 1) ? 8 : 4)));
}, 30);

Object.assign(globalThis, {
  /** Rollbacks the first session has run so far. */
  traceRollbacks: async (): Promise<number> => (await sessions[0]!.stats()).rollbacks,
});
