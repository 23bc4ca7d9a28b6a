/**
 * Expose an EngineHost over Comlink on a worker scope (or any endpoint).
 */
import { expose, proxy, type Endpoint } from 'comlink';
import { EngineHost, type GameResolver } from './engine-host.ts';
import { SpectatorHost } from './spectator-host.ts';
import { installErrorTransfer } from './errors.ts';
import type { Game } from '../src/engine/game.ts';

/**
 * Host `game` in this worker: call it at the top level of your own worker
 * file. `game` may be a Game, or a resolver from the configured spec.
 *
 * ```ts
 * // my-worker.ts
 * import { hostEngine } from 'netroll/worker';
 * import { myGame } from './my-game';
 * hostEngine(myGame);
 * ```
 */
export function hostEngine(game: Game<unknown> | GameResolver, endpoint?: Endpoint): void {
  const resolve: GameResolver = typeof game === "function" ? game : () => game;
  // One worker serves a player (the host itself) or a spectator (`viewer`, same game resolver).
  const host = Object.assign(new EngineHost(resolve), { viewer: proxy(new SpectatorHost(resolve)) });
  installErrorTransfer();
  expose(host, endpoint); // comlink's default endpoint is this worker's global scope
}
