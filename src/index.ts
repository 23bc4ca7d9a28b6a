/**
 * `netroll/core`: the pure rollback core, with no DOM, worker or Node
 * globals. Write a {@link Game}, drive an {@link Engine} over any datagram
 * transport, check a game for determinism with {@link runSyncTest}, and
 * replay a confirmed input log with {@link replay}.
 *
 * @packageDocumentation
 */
export { Engine, type AbsentPolicy, type DesyncPolicy, type EngineOptions, type ProfileLevel, type TickResult, type TraceSpan } from './engine/engine.ts';
export { MAX_INPUT_SIZE, MAX_PLAYERS, type Game } from './engine/game.ts';
export type { EngineEvents, EngineStats, MalformedReason, PeerStats } from './engine/types.ts';
export type { DecodeErrorCode } from './protocol/messages.ts';
export {
  decodeInputLog,
  encodeInputLog,
  replay,
  type InputLog,
  type InputLogResult,
  type LoggedAbsence,
  type LoggedDeparture,
  type ReplayResult,
} from './engine/input-log.ts';
export { runSyncTest, type SyncTestOptions, type SyncTestReport, type SyncTestMismatch } from './engine/sync-test.ts';
export type { TimeSyncOptions } from './engine/time-sync.ts';
export type { PauseRecord } from './engine/pause.ts';
export type { PresenceChange } from './engine/presence.ts';
export type { Countdown } from './engine/rounds.ts';
export { PAUSE_REASONS, type PauseReason } from './contracts/vocabulary.ts';
export {
  createArena,
  createSwarm,
  gameFromSpec,
  gameNames,
  type ArenaOptions,
  type ArenaRender,
  type ArenaState,
  type GameName,
  type SwarmOptions,
  type SwarmRender,
  type SwarmState,
} from './games/index.ts';
export { Prng, mixSeed } from './util/prng.ts';
export { NetrollError, ErrorCode, type ErrorInfo } from './contracts/errors.ts';
