/**
 * `netroll`: the page-side API (Session, transports, input capture,
 * correction smoothing) and the pure core (engine, protocol, games).
 */
export { createSession, type Session, type SessionOptions, type SessionEvents, type EngineThread } from './session.ts';
export { createMemoryNetwork, type PacketTransport, type PeerStatus, type MemoryLinkOptions } from './transport.ts';
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
export type { HostConfig, HostEvent, HostMetrics, HostStats, RenderFrame, TickSample } from '../worker/api.ts';
export * from '../src/index.ts';
export { joinGame, type JoinGameOptions, type NetSession, type SessionEnded } from './connect.ts';
export { MeshTransport, type LinkReport, type MeshOptions, type Route, type RouteCounters } from './mesh.ts';
export { PeerLink, type ConnectionInfo, type CandidateType, type LinkHealth, type HealthLevel, type PeerLinkOptions } from './peer-link.ts';
export { SignalingClient, SignalingError, type SignalingOptions } from './signaling.ts';
export { impairTransport, type Impairment, type ImpairedTransport } from './impair.ts';
export { ResearchRecorder, type SessionMetrics } from './research.ts';
export { ReportUploader, type UploadStatus, type UploaderOptions } from './uploader.ts';
