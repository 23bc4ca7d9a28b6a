/**
 * `netroll`: what a page needs to play. Start a session over your own
 * transport ({@link createSession}) or through a netroll server
 * ({@link joinGame}), capture input ({@link captureInput}) and smooth
 * corrections ({@link createSmoother}).
 *
 * The engine itself runs in a worker (`netroll/worker`); the pure core is
 * `netroll/core`, test transports and the soak runner are `netroll/testing`.
 *
 * @packageDocumentation
 */
export { createSession, type Session, type SessionOptions, type SessionEvents, type EngineThread } from './session.ts';
export {
  joinGame,
  type EngineSettings,
  type JoinGameOptions,
  type NetSession,
  type ResearchConfig,
  type SessionEnded,
} from './connect.ts';
export type { SignalingOptions, SignalingState, SignalingStateChange } from './signaling.ts';
export { RESUME_STORAGE_KEY, clearResumeRecord, loadResumeRecord, type ResumeRecord } from './resume-store.ts';
export { watchGame, type Viewer, type ViewerEnded, type ViewerEvents, type ViewerReport, type WatchGameOptions } from './watch.ts';
export type { SpectatorFeedCounters } from './spectator-feed.ts';
export type { ViewerEvent, ViewerStats } from '../worker/spectator-host.ts';
export type { LinkReport, MeshConfig, ReliableCounters, RouteCounters } from './mesh.ts';
export type { ConnectionConfig, LinkConfig } from './peer-link.ts';
export type { HealthConfig, LinkHealth } from './link-health.ts';
export type { ConnectionInfo, ConnectionTypeConfig } from './connection-type.ts';
export {
  captureInput,
  DEFAULT_KEYS,
  DEFAULT_GAMEPAD_BUTTONS,
  DEFAULT_STICK,
  type GamepadButtonMap,
  type InputCapture,
  type InputCaptureOptions,
  type KeyMap,
  type StickBits,
} from './input-capture.ts';
export { createSmoother, type Smoother, type SmootherOptions } from './smoothing.ts';
export type { PacketTransport } from './transport.ts';
export type { Impairment } from './impair.ts';
export type { SessionMetrics } from './research.ts';
export type { UploadStatus } from './uploader.ts';
export type { Assignment, ParticipantMetadata, SpectatorMode, SpectatorPath, WaitingUpdate, WaitTimeout, WatchEnded } from '../src/signaling/events.ts';
export type { SpectateInfo } from '../src/spectate/wire.ts';
export type { ConfirmedInputs, HostConfig, HostEvent, HostMetrics, HostStats, RenderFrame, SpectatorStart, TickSample } from '../worker/api.ts';
export type { EngineStats, MalformedReason, PeerStats } from '../src/engine/types.ts';
export type { DecodeErrorCode } from '../src/protocol/messages.ts';
export type { LinkReportData, ReportAck, SessionReport } from '../src/research/report.ts';
export type { GameResolver } from '../worker/engine-host.ts';
export type { Game } from '../src/engine/game.ts';
export { NetrollError, ErrorCode, type ErrorInfo } from '../src/contracts/errors.ts';
export type { CandidateType, ConnectionType, EndReason, HealthLevel, PauseReason, PeerStatus, Route } from '../src/contracts/vocabulary.ts';
export type { PauseRecord } from '../src/engine/pause.ts';
export type { Countdown } from '../src/engine/rounds.ts';
