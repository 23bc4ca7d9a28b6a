/**
 * netroll's pure core: the rollback engine, the wire protocol, the demo
 * games and the simulated network. No DOM, worker or Node globals.
 */
export { Engine, type EngineOptions, type TickResult, type TraceSpan } from './engine/engine.ts';
export type { Game } from './engine/game.ts';
export { MAX_INPUT_SIZE, MAX_PLAYERS } from './engine/game.ts';
export type { EngineEvents, EngineStats, MalformedReason, PeerStats } from './engine/types.ts';
export { xxh32 } from './engine/hash.ts';
export { decodeInputLog, encodeInputLog, replay, type InputLog, type ReplayResult } from './engine/input-log.ts';
export { runSyncTest, type SyncTestOptions, type SyncTestReport, type SyncTestMismatch } from './engine/sync-test.ts';
export type { TimeSyncOptions } from './engine/time-sync.ts';
export * as protocol from './protocol/index.ts';
export { createArena, createSwarm, gameFromSpec, gameNames } from './games/index.ts';
export { Prng, mixSeed } from './util/prng.ts';
export { SimNetwork, type LinkConditions, type Outage } from './sim/network.ts';
export { runSoak, type SoakOptions, type SoakResult } from './sim/soak.ts';
