/** `netroll/worker`: host the engine in your own worker file. */
export { hostEngine } from './expose.ts';
export { EngineHost, type GameResolver } from './engine-host.ts';
export type * from './api.ts';
