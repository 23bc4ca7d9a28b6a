/**
 * The seam between the mesh and a peer connection: what MeshTransport needs
 * of a link to one remote peer. {@link PeerLink} implements it over WebRTC;
 * tests implement it with fake links, so the mesh's route, liveness and
 * failover logic runs in Node.
 */
import type { ErrorInfo } from '../src/contracts/errors.ts';
import type { IceServer, SignalKind } from '../src/signaling/events.ts';
import type { ConnectionInfo } from './connection-type.ts';
import type { LinkHealth } from './link-health.ts';

/** ICE connection states (as `RTCPeerConnection.iceConnectionState` reports them). */
export type IceState = 'new' | 'checking' | 'connected' | 'completed' | 'failed' | 'disconnected' | 'closed';

/** Events of a {@link Link}. */
export interface LinkEvents {
  /** An engine packet arrived on the inputs channel. */
  packet: ArrayBuffer;
  /** An application message arrived on the reliable control channel. */
  control: ArrayBuffer;
  /** Both channels are open (again). */
  open: undefined;
  /** The inputs channel closed. */
  close: undefined;
  /** A new health reading (after each ping and pong). */
  health: LinkHealth;
  /** The connection type changed. */
  connection: ConnectionInfo;
  /** The ICE connection state changed. */
  ice: IceState;
  /** An ICE restart began (1-based attempt). */
  restart: { attempt: number };
  /**
   * The link stopped restarting ICE: `attempts` restarts did not bring it
   * back. The mesh reports the give-up from this event alone (link report and
   * research record alike), so a link need not expose it any other way.
   */
  'gave-up': { attempts: number; reason: string };
  /** Something went wrong that the link could not handle by itself. */
  error: ErrorInfo;
}

/** A connection to one remote peer, as the mesh uses it. */
export interface Link {
  /** True when the inputs channel is open. */
  readonly open: boolean;
  /**
   * The inputs channel was handed to the engine (see
   * {@link LinkSpec.engineChannels}): the engine sends on it itself, and
   * `send` here returns false. Absent or false: the link sends.
   */
  readonly inputsInEngine?: boolean;
  /** ICE restarts so far. */
  readonly iceRestarts: number;
  /**
   * The signaling connection is up or down: while down, a link defers ICE
   * restarts (their offers could not reach the peer) and makes them once it
   * is back. Required, so a wrapper around a link cannot drop it unseen.
   */
  signalingAvailable(up: boolean): void;
  /** Every connection type read, in order (changes only). */
  readonly connectionHistory: readonly ConnectionInfo[];
  /** Begin connecting. */
  start(): Promise<void>;
  /** Handle a signaling message from the remote peer. Never rejects. */
  handleSignal(kind: SignalKind, data: unknown): Promise<void>;
  /** Send an engine packet on the inputs channel; false when it is not open. */
  send(packet: ArrayBuffer): boolean;
  /** Send an application message on the reliable control channel; false when it is not open. */
  sendControl(payload: ArrayBuffer): boolean;
  /** The health now. */
  health(): LinkHealth;
  /** The last connection type read (null before the first). */
  connection(): ConnectionInfo | null;
  /** Subscribe to an event; returns the unsubscribe function. */
  on<K extends keyof LinkEvents>(type: K, handler: (payload: LinkEvents[K]) => void): () => void;
  /** Close the connection and stop every timer. */
  close(): void;
}

/** A channel handed to the engine: an `RTCDataChannel` on a page (opaque to this module, which runs in Node tests too). */
export type HandOffChannel = object;

/** Where a link hands its inputs channel so the engine's thread uses it itself (main/engine-channels.ts). */
export interface EngineChannelSink {
  /**
   * Transfer `channel` (just made, or just received in `ondatachannel`) to
   * the engine; returns its generation, or null when it could not be
   * transferred (the link then keeps it).
   */
  handOff(peer: number, channel: HandOffChannel): number | null;
  /** Close `peer`'s channel in the engine (fault injection). */
  closeChannel(peer: number): void;
  /** Subscribe to the engine's reports of its channels' states; returns the unsubscribe function. */
  onState(handler: (state: { peer: number; gen: number; open: boolean }) => void): () => void;
}

/** What a {@link LinkFactory} is told about the link to make. */
export interface LinkSpec {
  readonly localPlayer: number;
  readonly remotePlayer: number;
  /** ICE servers from the assignment. */
  readonly iceServers: readonly IceServer[];
  /** Send a signaling message to the remote peer (through the server). */
  readonly signal: (kind: SignalKind, data: unknown) => void;
  /**
   * Where to hand the inputs channel so the engine's thread sends and
   * receives engine packets itself (main/engine-channels.ts). Absent: the
   * link keeps the channel and emits `packet` events.
   */
  readonly engineChannels?: EngineChannelSink;
}

/** Makes the link to one remote peer. */
export type LinkFactory = (spec: LinkSpec) => Link;
