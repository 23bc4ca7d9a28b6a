/**
 * `netroll/worker`: host the engine in your own module worker.
 *
 * ```ts
 * // netroll.worker.ts
 * import { hostEngine } from 'netroll/worker';
 * import { myGame } from './my-game';
 * hostEngine(myGame);
 * ```
 *
 * @packageDocumentation
 */
export { hostEngine } from './expose.ts';
export type { GameResolver } from './engine-host.ts';
export type { HostConfig } from './api.ts';
export type { Game } from '../src/engine/game.ts';
