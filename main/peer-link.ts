/**
 * PeerLink: the WebRTC connection to one remote peer (the connection layer;
 * health is link-health.ts, the connection type connection-type.ts).
 *
 * - Deterministic initiator: the lower player index creates the channels and
 *   offers; the other answers. No glare, no election.
 * - Trickle ICE; candidates that arrive before the remote description are
 *   buffered and applied after it.
 * - Two DataChannels: `inputs` (unordered, `maxRetransmits: 0`) carries
 *   engine packets and nothing else; `control` (reliable, ordered) carries
 *   the link's health pings and application control messages.
 * - With `engineChannels` (the default of a mesh), the `inputs` channel is
 *   handed to the engine's thread as soon as it exists: the link then knows
 *   it only from the engine's reports (open, closed) and sends nothing on it.
 *   Until the first report, it counts as open once `control` is (both ride
 *   one SCTP association).
 * - ICE restart on `failed` (or `disconnected` for `disconnectedRestartMs`, 2 s), at most
 *   `maxIceRestarts` (3) times. An attempt that has not reconnected within
 *   `iceRestartTimeoutMs` counts as failed and the next one starts; after the
 *   last, the link gives up (`gave-up`, with the reason; it stays on the
 *   server relay). Both sides count the attempts: the initiator the restarts
 *   it makes, the other side the restart offers it receives. While the
 *   signaling connection is down, restarts are deferred until it is back.
 */
import { ErrorCode, errorInfo, NetrollError } from '../src/contracts/errors.ts';
import { Emitter } from '../src/engine/events.ts';
import type { SignalKind } from '../src/signaling/events.ts';
import { type ConnectionInfo, type ConnectionTypeConfig, ConnectionTypeReader, connectionTypeConfig } from './connection-type.ts';
import type { IceState, Link, LinkEvents, LinkFactory, LinkSpec } from './link.ts';
import { decodeLinkMessage, encodeData, encodePing, type HealthConfig, HealthMonitor, healthConfig, type LinkHealth } from './link-health.ts';

/** The connection layer's own settings. */
export interface ConnectionConfig {
  /** `relay` to use TURN only. Default `all`. */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** ICE restarts before giving up. Default 3. */
  maxIceRestarts?: number;
  /** How long one ICE restart attempt may take to reconnect before the next one starts, ms. Default 10,000. */
  iceRestartTimeoutMs?: number;
  /** How long ICE may stay `disconnected` before a restart, ms (`failed` restarts at once). Default 2,000. */
  disconnectedRestartMs?: number;
  /**
   * Also restart ICE when no pong came back on the control channel for this
   * long, ms, although ICE still says `connected` (Chromium takes about 5 s of
   * silence on a TURN path to call it disconnected). 0 = off (default).
   */
  stallRestartMs?: number;
  /** Delay before the initiator re-opens a channel that closed, ms. Default 2,000. */
  reopenDelayMs?: number;
}

/** Settings of every link, one small config per layer. */
export interface LinkConfig {
  /** ICE transport policy, ICE restarts and channel re-opening. */
  connection?: ConnectionConfig;
  /** Link-health monitoring settings. */
  health?: HealthConfig;
  /** How the connection type is read from `getStats()`. */
  connectionType?: ConnectionTypeConfig;
}

/** A PeerLink: whom it connects, how it signals, and the link settings. */
export interface PeerLinkOptions extends LinkSpec, LinkConfig {}

const now = () => performance.now();

function checkConnection(c: ConnectionConfig): Required<ConnectionConfig> {
  const out = { iceTransportPolicy: 'all' as RTCIceTransportPolicy, maxIceRestarts: 3, iceRestartTimeoutMs: 10_000, disconnectedRestartMs: 2000, stallRestartMs: 0, reopenDelayMs: 2000, ...c };
  if (out.iceTransportPolicy !== 'all' && out.iceTransportPolicy !== 'relay') {
    throw new NetrollError(ErrorCode.InvalidOption, `connection.iceTransportPolicy must be 'all' or 'relay', got ${String(out.iceTransportPolicy)}`);
  }
  if (!(Number.isInteger(out.maxIceRestarts) && out.maxIceRestarts >= 0)) {
    throw new NetrollError(ErrorCode.InvalidOption, `connection.maxIceRestarts must be an integer >= 0, got ${out.maxIceRestarts}`);
  }
  if (!(Number.isFinite(out.iceRestartTimeoutMs) && out.iceRestartTimeoutMs >= 100)) {
    throw new NetrollError(ErrorCode.InvalidOption, `connection.iceRestartTimeoutMs must be a number of ms >= 100, got ${out.iceRestartTimeoutMs}`);
  }
  if (!(Number.isFinite(out.stallRestartMs) && out.stallRestartMs >= 0)) {
    throw new NetrollError(ErrorCode.InvalidOption, `connection.stallRestartMs must be a number of ms >= 0 (0 = off), got ${out.stallRestartMs}`);
  }
  if (!(Number.isFinite(out.disconnectedRestartMs) && out.disconnectedRestartMs >= 0)) {
    throw new NetrollError(ErrorCode.InvalidOption, `connection.disconnectedRestartMs must be a number of ms >= 0, got ${out.disconnectedRestartMs}`);
  }
  if (!(Number.isFinite(out.reopenDelayMs) && out.reopenDelayMs >= 0)) {
    throw new NetrollError(ErrorCode.InvalidOption, `connection.reopenDelayMs must be a number of ms >= 0, got ${out.reopenDelayMs}`);
  }
  return out;
}

/**
 * Check every layer of a {@link LinkConfig}.
 * @throws NetrollError `invalid-option` naming the first bad setting.
 */
export function checkLinkConfig(config: LinkConfig = {}): void {
  checkConnection(config.connection ?? {});
  healthConfig(config.health);
  connectionTypeConfig(config.connectionType);
}

/**
 * A {@link LinkFactory} making {@link PeerLink}s with `config`.
 * @throws NetrollError `invalid-option` for a bad `config` (checked here, before any link is made).
 */
export function peerLinkFactory(config: LinkConfig = {}): LinkFactory {
  checkLinkConfig(config);
  return (spec) => new PeerLink({ ...config, ...spec });
}

/** Validate an offer or answer from the remote peer (signaling data is untrusted). */
function sessionDescription(kind: 'offer' | 'answer', data: unknown): RTCSessionDescriptionInit {
  if (typeof data !== 'object' || data === null) throw new Error(`malformed ${kind}`);
  const { type, sdp } = data as Record<string, unknown>;
  if (type !== kind || typeof sdp !== 'string') throw new Error(`malformed ${kind}`);
  return { type: kind, sdp };
}

/** Validate a trickled candidate from the remote peer. */
function iceCandidate(data: unknown): RTCIceCandidateInit {
  if (typeof data !== 'object' || data === null) throw new Error('malformed candidate');
  const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = data as Record<string, unknown>;
  if (typeof candidate !== 'string') throw new Error('malformed candidate');
  return {
    candidate,
    ...(typeof sdpMid === 'string' || sdpMid === null ? { sdpMid } : {}),
    ...(typeof sdpMLineIndex === 'number' || sdpMLineIndex === null ? { sdpMLineIndex } : {}),
    ...(typeof usernameFragment === 'string' || usernameFragment === null ? { usernameFragment } : {}),
  };
}

/** The WebRTC link to one remote peer; composes its {@link HealthMonitor} and {@link ConnectionTypeReader}. */
export class PeerLink implements Link {
  /** This side creates the channels and offers (the lower player index). */
  readonly initiator: boolean;
  private readonly pc: RTCPeerConnection;
  private readonly events = new Emitter<LinkEvents>();
  private readonly config: Required<ConnectionConfig>;
  private readonly signal: LinkSpec['signal'];
  private readonly monitor: HealthMonitor;
  private readonly reader: ConnectionTypeReader;
  private inputs: RTCDataChannel | null = null;
  /** The inputs channel the engine holds (null: none handed): its generation and last reported state. */
  private handed: { gen: number; state: 'pending' | 'open' | 'closed' } | null = null;
  private readonly sink: LinkSpec['engineChannels'];
  private readonly remotePlayer: number;
  private readonly offSink: (() => void) | null;
  private control: RTCDataChannel | null = null;
  private pendingCandidates: RTCIceCandidateInit[] = [];
  private haveRemoteDescription = false;
  private endOfCandidatesPending = false;
  private restarts = 0;
  /** Why the link stopped restarting ICE (null while it still may). */
  private gaveUp: string | null = null;
  /** Runs while an ICE restart attempt is in flight: when it fires unconnected, the attempt failed. */
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  /** A restart was needed while signaling was down: made once it is back. */
  private restartPending = false;
  private signalingUp = true;
  private disconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly pingTimer: ReturnType<typeof setInterval>;
  private reopenTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  /** @throws NetrollError `invalid-option` for a setting out of range (nothing is opened then). */
  constructor(options: PeerLinkOptions) {
    this.config = checkConnection(options.connection ?? {});
    this.monitor = new HealthMonitor(options.health);
    this.reader = new ConnectionTypeReader(() => (this.pc.connectionState === 'connected' ? this.pc.getStats() : null), options.connectionType);
    this.signal = options.signal;
    this.initiator = options.localPlayer < options.remotePlayer;
    this.remotePlayer = options.remotePlayer;
    this.sink = options.engineChannels;
    this.offSink = this.sink ? this.sink.onState((s) => this.onHandedState(s.peer, s.gen, s.open)) : null;
    this.pc = new RTCPeerConnection({
      iceServers: options.iceServers.map((s) => ({ ...s, urls: typeof s.urls === 'string' ? s.urls : [...s.urls] })),
      iceTransportPolicy: this.config.iceTransportPolicy,
    });
    this.pc.onicecandidate = (e) => this.signal('candidate', e.candidate ? e.candidate.toJSON() : null);
    this.pc.oniceconnectionstatechange = () => this.onIceState();
    // getStats has a selected pair once DTLS is up too: read it then (the ICE and channel events can come first)
    this.pc.onconnectionstatechange = () => {
      if (this.pc.connectionState === 'connected') void this.reader.read();
    };
    this.pc.ondatachannel = (e) => this.adoptChannel(e.channel);
    this.reader.on('connection', (info) => this.events.emit('connection', info));
    this.reader.start();
    this.pingTimer = setInterval(() => this.ping(), this.monitor.config.pingIntervalMs);
  }

  /** Subscribe to an event; returns the unsubscribe function. */
  on<K extends keyof LinkEvents>(type: K, handler: (payload: LinkEvents[K]) => void): () => void {
    return this.events.on(type, handler);
  }

  /** Begin connecting (the initiator opens channels and offers; the other side waits). */
  async start(): Promise<void> {
    if (!this.initiator) return;
    this.openChannels();
    await this.offer(false);
  }

  /** Handle a signaling message from the remote peer. Never rejects: a bad one is an `error` event. */
  async handleSignal(kind: SignalKind, data: unknown): Promise<void> {
    try {
      if (kind === 'offer' || kind === 'answer') {
        const desc = sessionDescription(kind, data);
        if (kind === 'offer' && this.initiator) throw new Error('the initiator does not take offers');
        if (desc.sdp !== this.pc.remoteDescription?.sdp) this.reader.newGeneration(); // a new ICE generation trickles anew
        // Offers after the first are ICE restarts (nothing else renegotiates): the answering side counts them too.
        if (kind === 'offer' && this.haveRemoteDescription) this.restartSeen();
        await this.pc.setRemoteDescription(desc);
        this.haveRemoteDescription = true;
        for (const c of this.pendingCandidates.splice(0)) await this.pc.addIceCandidate(c);
        if (this.endOfCandidatesPending) {
          this.endOfCandidatesPending = false;
          this.reader.remoteCandidatesDone();
        }
        if (kind === 'offer') {
          await this.pc.setLocalDescription(await this.pc.createAnswer());
          const answer = this.pc.localDescription;
          if (answer) this.signal('answer', answer.toJSON());
        }
      } else if (kind === 'candidate') {
        if (data === null) {
          // end of candidates: once applied, a remote prflx reading is what it is
          if (this.haveRemoteDescription) this.reader.remoteCandidatesDone();
          else this.endOfCandidatesPending = true;
          return;
        }
        const c = iceCandidate(data);
        if (this.haveRemoteDescription) {
          await this.pc.addIceCandidate(c);
          this.reader.remoteCandidateAdded();
        } else this.pendingCandidates.push(c);
      } else if (kind === 'restart') {
        if (this.initiator) await this.restartIce();
      }
    } catch (e) {
      this.events.emit('error', errorInfo(ErrorCode.InvalidMessage, `signal ${kind}: ${e instanceof Error ? e.message : String(e)}`, 'signal'));
    }
  }

  /** True when the inputs channel is open (as the engine last reported it, when the engine holds it). */
  get open(): boolean {
    return this.inputsOpen() && (this.handed === null || this.control?.readyState === 'open');
  }

  /** The engine holds the inputs channel: it sends on it itself. */
  get inputsInEngine(): boolean {
    return this.handed !== null;
  }

  /** Send an engine packet on the unreliable inputs channel; false when it is not open (or the engine holds it). */
  send(packet: ArrayBuffer): boolean {
    if (this.handed) return false;
    const ch = this.inputs;
    if (!ch || ch.readyState !== 'open') return false;
    try {
      ch.send(packet);
      return true;
    } catch {
      return false;
    }
  }

  /** Send an application message on the reliable control channel; false when it is not open. */
  sendControl(payload: ArrayBuffer): boolean {
    return this.sendOnControl(encodeData(payload));
  }

  /** The health now (RTT from pings on the control channel). */
  health(): LinkHealth {
    return this.monitor.health(this.open);
  }

  /** The last connection type read (null before the first). */
  connection(): ConnectionInfo | null {
    return this.reader.current();
  }

  /** Every connection type read, in order (changes only). */
  get connectionHistory(): readonly ConnectionInfo[] {
    return this.reader.history;
  }

  /** ICE restarts so far (made by the initiator, received by the other side). */
  get iceRestarts(): number {
    return this.restarts;
  }

  /** Why the link stopped restarting ICE (it stays on the relay), or null. */
  get iceGaveUp(): string | null {
    return this.gaveUp;
  }

  /** The signaling connection is up or down: restarts needed while it is down are made once it is back. */
  signalingAvailable(up: boolean): void {
    this.signalingUp = up;
    if (!up || !this.restartPending) return;
    this.restartPending = false;
    if (!this.iceConnected()) void this.requestRestart();
  }

  /**
   * Close the inputs channel (the initiator re-opens it after
   * `reopenDelayMs`). For fault-injection tests of the relay fallback.
   * @internal
   */
  closeInputsChannel(): void {
    if (this.handed) this.sink?.closeChannel(this.remotePlayer);
    else this.inputs?.close();
  }

  /** Close the connection and stop every timer. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.offSink?.();
    clearInterval(this.pingTimer);
    for (const t of [this.disconnectTimer, this.reopenTimer, this.restartTimer]) if (t !== null) clearTimeout(t);
    this.reader.close();
    this.inputs?.close();
    this.control?.close();
    this.pc.close();
  }

  // ---------------------------------------------------------------- internals

  private inputsOpen(): boolean {
    return this.handed ? this.handed.state !== 'closed' : this.inputs?.readyState === 'open';
  }

  private inputsGone(): boolean {
    if (this.handed) return this.handed.state === 'closed';
    return !this.inputs || this.inputs.readyState === 'closed' || this.inputs.readyState === 'closing';
  }

  /** The engine reported a state of the inputs channel it holds (reports about a replaced one are ignored). */
  private onHandedState(peer: number, gen: number, open: boolean): void {
    if (this.closed || peer !== this.remotePlayer || this.handed?.gen !== gen) return;
    const was = this.handed.state;
    this.handed.state = open ? 'open' : 'closed';
    if (open) this.checkOpen();
    else if (was !== 'closed') {
      this.events.emit('close', undefined);
      this.scheduleReopen();
    }
  }

  private openChannels(): void {
    if (this.inputsGone()) {
      this.adoptChannel(this.pc.createDataChannel('netroll-inputs', { ordered: false, maxRetransmits: 0 }));
    }
    if (!this.control || this.control.readyState === 'closed' || this.control.readyState === 'closing') {
      this.adoptChannel(this.pc.createDataChannel('netroll-control', { ordered: true }));
    }
  }

  private adoptChannel(ch: RTCDataChannel): void {
    ch.binaryType = 'arraybuffer';
    if (ch.label === 'netroll-inputs') {
      const gen = this.sink ? this.sink.handOff(this.remotePlayer, ch) : null;
      if (gen !== null) {
        // the engine's now: this object is inert, the engine reports the channel's state
        this.inputs = null;
        this.handed = { gen, state: 'pending' };
        this.checkOpen();
        return;
      }
      this.handed = null;
      this.inputs = ch;
      ch.onmessage = (e: MessageEvent<unknown>) => {
        if (e.data instanceof ArrayBuffer) this.events.emit('packet', e.data);
      };
      ch.onclose = () => {
        if (this.inputs !== ch) return;
        this.events.emit('close', undefined);
        this.scheduleReopen();
      };
    } else if (ch.label === 'netroll-control') {
      this.control = ch;
      ch.onmessage = (e: MessageEvent<unknown>) => {
        if (e.data instanceof ArrayBuffer) this.onControlMessage(e.data);
      };
      ch.onclose = () => {
        if (this.control !== ch) return;
        this.scheduleReopen();
      };
    } else {
      ch.close();
      return;
    }
    ch.onopen = () => this.checkOpen();
    if (ch.readyState === 'open') this.checkOpen();
  }

  private checkOpen(): void {
    if (this.inputsOpen() && this.control?.readyState === 'open') {
      this.events.emit('open', undefined);
      void this.reader.read();
    }
  }

  private scheduleReopen(): void {
    if (this.closed || !this.initiator || this.reopenTimer !== null) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = null;
      if (this.closed || this.pc.connectionState === 'closed') return;
      this.openChannels();
    }, this.config.reopenDelayMs);
  }

  private sendOnControl(buf: ArrayBuffer): boolean {
    const ch = this.control;
    if (!ch || ch.readyState !== 'open') return false;
    try {
      ch.send(buf);
      return true;
    } catch {
      return false;
    }
  }

  private onControlMessage(buf: ArrayBuffer): void {
    const m = decodeLinkMessage(buf);
    if (m.kind === 'ping') this.sendOnControl(encodePing('pong', m.seq));
    else if (m.kind === 'pong') {
      if (this.monitor.pong(m.seq) !== null) this.events.emit('health', this.health());
    } else if (m.kind === 'data') this.events.emit('control', m.payload);
    // anything else is not ours: dropped
  }

  private ping(): void {
    if (this.control?.readyState !== 'open') {
      this.monitor.expire();
      return;
    }
    this.sendOnControl(encodePing('ping', this.monitor.nextPing()));
    const health = this.health();
    this.events.emit('health', health);
    // A path gone silent while ICE still says connected: restart early when configured.
    if (this.config.stallRestartMs > 0 && health.sincePongMs >= this.config.stallRestartMs && Number.isFinite(health.sincePongMs)) void this.requestRestart();
  }

  private onIceState(): void {
    const state: IceState = this.pc.iceConnectionState;
    this.events.emit('ice', state);
    if (state === 'connected' || state === 'completed') {
      if (this.disconnectTimer !== null) clearTimeout(this.disconnectTimer);
      this.disconnectTimer = null;
      if (this.restartTimer !== null) clearTimeout(this.restartTimer); // the attempt worked
      this.restartTimer = null;
      void this.reader.read();
    } else if (state === 'failed') {
      void this.requestRestart();
    } else if (state === 'disconnected' && this.disconnectTimer === null) {
      this.disconnectTimer = setTimeout(() => {
        this.disconnectTimer = null;
        if (this.pc.iceConnectionState === 'disconnected') void this.requestRestart();
      }, this.config.disconnectedRestartMs);
    }
  }

  private iceConnected(): boolean {
    const s = this.pc.iceConnectionState;
    return s === 'connected' || s === 'completed';
  }

  /** ICE needs a restart: make one (initiator) or ask for one, unless one is in flight, signaling is down, or none is left. */
  private async requestRestart(): Promise<void> {
    if (this.closed || this.gaveUp !== null || this.restartTimer !== null) return;
    if (!this.signalingUp) {
      this.restartPending = true; // the offer could not reach the peer now
      return;
    }
    if (this.restarts >= this.config.maxIceRestarts) return this.giveUp();
    if (this.initiator) await this.restartIce();
    else this.signal('restart', null);
  }

  private async restartIce(): Promise<void> {
    if (this.closed || this.gaveUp !== null || this.restartTimer !== null) return;
    if (this.restarts >= this.config.maxIceRestarts) return this.giveUp();
    this.restarts++;
    this.armRestartTimer();
    this.events.emit('restart', { attempt: this.restarts });
    await this.offer(true);
  }

  /** The answering side received a restart offer: count the attempt and time it like the initiator does. */
  private restartSeen(): void {
    if (this.gaveUp !== null || this.restarts >= this.config.maxIceRestarts) return;
    this.restarts++;
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.armRestartTimer();
    this.events.emit('restart', { attempt: this.restarts });
  }

  private armRestartTimer(): void {
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.closed && !this.iceConnected()) void this.requestRestart();
    }, this.config.iceRestartTimeoutMs);
  }

  private giveUp(): void {
    if (this.gaveUp !== null) return;
    this.gaveUp = `ICE did not reconnect after ${this.restarts} restart${this.restarts === 1 ? '' : 's'} (ICE state ${this.pc.iceConnectionState}): staying on the relay`;
    this.events.emit('gave-up', { attempts: this.restarts, reason: this.gaveUp });
  }

  private async offer(iceRestart: boolean): Promise<void> {
    try {
      const offer = await this.pc.createOffer({ iceRestart });
      await this.pc.setLocalDescription(offer);
      const local = this.pc.localDescription;
      if (local) this.signal('offer', local.toJSON());
    } catch (e) {
      this.events.emit('error', errorInfo(ErrorCode.Internal, `offer: ${e instanceof Error ? e.message : String(e)}`));
    }
  }
}
