import { createSession, type Session } from '../../main/session.ts';
import { createMemoryNetwork, type MemoryLinkOptions } from '../../main/transport.ts';
import type { HostConfig } from '../../worker/api.ts';

export function builtinWorker(): Worker {
  return new Worker(new URL('../../worker/builtin.ts', import.meta.url), { type: 'module' });
}

/** N sessions in this page, each engine in its own worker, linked by an in-page impaired network. */
export async function pageSessions(
  players: number,
  link: MemoryLinkOptions,
  config: Partial<HostConfig> & { game?: string } = {},
): Promise<Session[]> {
  const transports = createMemoryNetwork(players, link);
  return Promise.all(
    transports.map((transport, p) =>
      createSession({
        game: 'arena',
        players,
        localPlayer: p,
        seed: 1234,
        engine: builtinWorker(),
        transport,
        ...config,
      }),
    ),
  );
}

/** Poll `check` every 50 ms until it is true or `timeoutMs` passes. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
