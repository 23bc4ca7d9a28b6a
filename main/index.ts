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
export { joinGame, type EngineSettings, type JoinGameOptions, type NetSession, type ResearchConfig, type SessionEnded } from './connect.ts';
export { MeshTransport, type LinkReport, type MeshConfig, type MeshEvents, type MeshSignaling, type RouteCounters } from './mesh.ts';
export type { IceState, Link, LinkEvents, LinkFactory, LinkSpec } from './link.ts';
export { PeerLink, peerLinkFactory, type ConnectionConfig, type LinkConfig, type PeerLinkOptions } from './peer-link.ts';
export type { HealthConfig, LinkHealth } from './link-health.ts';
export type { ConnectionInfo, ConnectionTypeConfig } from './connection-type.ts';
export { SignalingClient, type SignalingOptions } from './signaling.ts';
export * from '../src/contracts/index.ts';
export { impairTransport, type Impairment, type ImpairedTransport } from './impair.ts';
export { ResearchRecorder, type SessionMetrics } from './research.ts';
export { ReportUploader, type UploadStatus, type UploaderOptions } from './uploader.ts';
