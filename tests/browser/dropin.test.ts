/** The prebuilt drop-in worker bundle (dist/netroll-worker.js) loads a game module by URL and plays. */
import { afterEach, describe, expect, it } from 'vitest';
import { createSession, type Session } from '../../main/session.ts';
import { createMemoryNetwork } from '../../main/transport.ts';
import type { RenderFrame } from '../../worker/api.ts';
import { NetrollError } from '../../src/contracts/errors.ts';
import { sameBytes, until } from './helpers.ts';
// The bundle's bytes exactly as built (served raw: the test server would otherwise instrument its dynamic import).
import bundleText from '../../dist/netroll-worker.js?raw';

function dropinWorker(): Worker {
  const url = URL.createObjectURL(new Blob([bundleText], { type: 'text/javascript' }));
  return new Worker(url, { type: 'module' });
}

let sessions: Session[] = [];
afterEach(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  sessions = [];
});

describe('drop-in worker bundle', () => {
  it('loads the game from a URL and plays a session', async () => {
    expect(bundleText).toContain('does not export a netroll game'); // built by `npm test` before the browser tests
    expect(bundleText).not.toMatch(/^import /m); // self-contained: no imports to resolve
    const gameUrl = new URL('./fixtures/counter-game.js', import.meta.url).href;
    const transports = createMemoryNetwork(2, { latencyMs: 25, seed: 2 });
    sessions = await Promise.all(
      transports.map((transport, p) =>
        createSession({
          game: 'counter',
          gameUrl,
          players: 2,
          localPlayer: p,
          seed: 77,
          endFrame: 240,
          engine: dropinWorker(),
          transport,
        }),
      ),
    );
    const renders: RenderFrame[] = [];
    sessions[0]!.onRender((f) => renders.push(f));
    sessions[1]!.setInput(Uint8Array.of(3));
    await until(async () => (await Promise.all(sessions.map((s) => s.stats()))).every((s) => s.confirmedFrame >= 239), 20_000, '240 confirmed frames');
    const [a, b] = await Promise.all(sessions.map((s) => s.exportSessionMetrics()));
    expect(a!.game).toBe('counter');
    expect(sameBytes(a!.inputLog, b!.inputLog)).toBe(true);
    expect(a!.confirmedHash).toEqual(b!.confirmedHash);
    const last = renders.at(-1)!.state as { frames: number };
    expect(last.frames).toBe(renders.at(-1)!.frame);
  });

  it('reports a clear error for a URL that is not a game module', async () => {
    const transports = createMemoryNetwork(2);
    const bad = new URL('./helpers.ts', import.meta.url).href;
    const err = await createSession({ game: 'x', gameUrl: bad, players: 2, localPlayer: 0, seed: 1, engine: dropinWorker(), transport: transports[0]! }).then(
      () => null,
      (e: unknown) => e,
    );
    // the worker's NetrollError crosses Comlink with its code
    expect(err).toBeInstanceOf(NetrollError);
    expect((err as NetrollError).code).toBe('bad-game');
    expect((err as NetrollError).message).toMatch(/does not export a netroll game/);
  });
});
