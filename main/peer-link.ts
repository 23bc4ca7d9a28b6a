/**
 * PeerLink: the WebRTC connection to one remote peer.
 *
 * - Deterministic initiator: the lower player index creates the channels and
 *   offers; the other answers. No glare, no election.
 * - Trickle ICE; candidates that arrive before the remote description are
 *   buffered and applied after it.
 * - Two DataChannels: `inputs` (unordered, `maxRetransmits: 0`) for inputs,
 *   pings and hashes, and `control` (reliable, ordered).
 * - ICE restart on `failed` (or `disconnected` for 2 s), at most 3 times.
 * - Link health: RTT over a sliding window of link-level pings, loss, and a
 *   level (`ok` / `warning` ≥ 150 ms / `critical` ≥ 300 ms, configurable).
 * - Connection type from `getStats()`: the selected candidate pair's types
 *   and the relay protocol, re-read periodically (changes are events). A
 *   remote `prflx` reading is held back until the remote side's trickled
 *   candidates are in (end-of-candidates) or `prflxSettleMs` passed: with
 *   trickle ICE the first connectivity check often arrives before the
 *   candidate that names it, and Chromium calls that candidate
 *   peer-reflexive until the signaled one lands, so an early reading would
 *   record a host link as `prflx`.
 */
import { Emitter } from '../src/engine/events.ts';
import type { IceServer, SignalKind } from '../src/signaling/events.ts';

/** First byte of link-level messages on the inputs channel (engine packets start with version 1). */
export const LINK_PING = 0xf0;
export const LINK_PONG = 0xf1;

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** What `getStats()` says about the selected candidate pair. */
export interface ConnectionInfo {
  /** The link's type: `relay` if either side relays, else the "most indirect" of the two. */
  readonly type: CandidateType;
  readonly localType: CandidateType;
  readonly remoteType: CandidateType;
  /** Transport protocol of the local candidate (`udp` / `tcp`). */
  readonly protocol: string;
  /** For a local relay candidate: the protocol to the TURN server (`udp`, `tcp`, `tls`). */
  readonly relayProtocol?: string;
  /** When it was read (page clock, ms). */
  readonly at: number;
}

export type HealthLevel = 'ok' | 'warning' | 'critical';

export interface LinkHealth {
  /** Mean RTT over the window, ms (0 before the first pong). */
  readonly rttMs: number;
  /** The window's samples, oldest first. */
  readonly samples: readonly number[];
  /** Fraction of recent pings that got no pong within a second. */
  readonly loss: number;
  readonly level: HealthLevel;
  /** Time since the last pong, ms (Infinity before the first). */
  readonly sincePongMs: number;
}

export interface PeerLinkOptions {
  localPlayer: number;
  remotePlayer: number;
  iceServers: readonly IceServer[];
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Send a signaling message to the remote peer (through the server). */
  signal: (kind: SignalKind, data: unknown) => void;
  warnRttMs?: number;
  criticalRttMs?: number;
  pingIntervalMs?: number;
  rttWindow?: number;
  maxIceRestarts?: number;
  /** How often to re-read the connection type, ms. Default 2,000. */
  statsIntervalMs?: number;
  /**
   * How long a remote `prflx` reading may wait for the remote side's
   * trickled candidates before it is recorded as the connection type, ms.
   * Default 1,500.
   */
  prflxSettleMs?: number;
  /** Delay before the initiator re-opens a channel that closed, ms. Default 2,000. */
  reopenDelayMs?: number;
}

export interface PeerLinkEvents {
  /** A packet on the inputs channel (engine bytes). */
  packet: ArrayBuffer;
  /** A message on the reliable control channel. */
  control: ArrayBuffer;
  /** Both channels are open (again). */
  open: undefined;
  /** The inputs channel closed. */
  close: undefined;
  health: LinkHealth;
  connection: ConnectionInfo;
  /** The ICE connection state changed. */
  ice: RTCIceConnectionState;
  /** An ICE restart began (1-based attempt). */
  restart: { attempt: number };
  /** Something went wrong that the link could not handle by itself. */
  error: { message: string };
}

const now = () => performance.now();

function candidateType(v: unknown): CandidateType {
  return v === 'srflx' || v === 'prflx' || v === 'relay' ? v : 'host';
}

function linkType(a: CandidateType, b: CandidateType): CandidateType {
  for (const t of ['relay', 'srflx', 'prflx'] as const) if (a === t || b === t) return t;
  return 'host';
}

/** Read the selected candidate pair from an RTCStatsReport. */
export function selectedPair(report: RTCStatsReport, at: number): ConnectionInfo | null {
  let pair: Record<string, unknown> | undefined;
  report.forEach((r: Record<string, unknown>) => {
    if (r.type === 'transport' && typeof r.selectedCandidatePairId === 'string') {
      pair = report.get(r.selectedCandidatePairId) as Record<string, unknown> | undefined;
    }
  });
  if (!pair) {
    report.forEach((r: Record<string, unknown>) => {
      if (!pair && r.type === 'candidate-pair' && r.state === 'succeeded' && (r.nominated || r.selected)) pair = r;
    });
  }
  if (!pair) return null;
  const local = report.get(String(pair.localCandidateId)) as Record<string, unknown> | undefined;
  const remote = report.get(String(pair.remoteCandidateId)) as Record<string, unknown> | undefined;
  if (!local || !remote) return null;
  const localType = candidateType(local.candidateType);
  const remoteType = candidateType(remote.candidateType);
  return {
    type: linkType(localType, remoteType),
    localType,
    remoteType,
    protocol: String(local.protocol ?? 'udp'),
    ...(typeof local.relayProtocol === 'string' ? { relayProtocol: local.relayProtocol } : {}),
    at,
  };
}

export class PeerLink {
  readonly initiator: boolean;
  readonly pc: RTCPeerConnection;
  private readonly events = new Emitter<PeerLinkEvents>();
  private readonly opts: Required<Omit<PeerLinkOptions, 'iceTransportPolicy'>> & { iceTransportPolicy: RTCIceTransportPolicy };
  private inputs: RTCDataChannel | null = null;
  private control: RTCDataChannel | null = null;
  private pendingCandidates: RTCIceCandidateInit[] = [];
  private haveRemoteDescription = false;
  private restarts = 0;
  private disconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private reopenTimer: ReturnType<typeof setTimeout> | null = null;
  private pingSeq = 0;
  private readonly pingsOut = new Map<number, number>();
  private readonly rtts: number[] = [];
  private readonly pingOutcomes: boolean[] = [];
  private lastPongAt = -Infinity;
  private info: ConnectionInfo | null = null;
  /** The remote side signaled end-of-candidates for the current ICE generation (and all were applied). */
  private remoteCandidatesDone = false;
  private endOfCandidatesPending = false;
  /** When the current run of remote-`prflx` readings began (null: not in one). */
  private prflxSince: number | null = null;
  private prflxTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  /** Every connection type read, in order (changes only). */
  readonly connectionHistory: ConnectionInfo[] = [];

  constructor(options: PeerLinkOptions) {
    this.opts = {
      warnRttMs: 150,
      criticalRttMs: 300,
      pingIntervalMs: 200,
      rttWindow: 10,
      maxIceRestarts: 3,
      statsIntervalMs: 2000,
      prflxSettleMs: 1500,
      reopenDelayMs: 2000,
      iceTransportPolicy: 'all',
      ...options,
    } as PeerLink['opts'];
    this.initiator = options.localPlayer < options.remotePlayer;
    this.pc = new RTCPeerConnection({
      iceServers: options.iceServers.map((s) => ({ ...s, urls: s.urls })) as RTCIceServer[],
      iceTransportPolicy: this.opts.iceTransportPolicy,
    });
    this.pc.onicecandidate = (e) => this.opts.signal('candidate', e.candidate ? e.candidate.toJSON() : null);
    this.pc.oniceconnectionstatechange = () => this.onIceState();
    // getStats has a selected pair once DTLS is up too: read it then (the ICE and channel events can come first)
    this.pc.onconnectionstatechange = () => {
      if (this.pc.connectionState === 'connected') void this.readConnection();
    };
    this.pc.ondatachannel = (e) => this.adoptChannel(e.channel);
    this.pingTimer = setInterval(() => this.ping(), this.opts.pingIntervalMs);
    this.statsTimer = setInterval(() => void this.readConnection(), this.opts.statsIntervalMs);
  }

  on<K extends keyof PeerLinkEvents>(type: K, handler: (payload: PeerLinkEvents[K]) => void): () => void {
    return this.events.on(type, handler);
  }

  /** Begin connecting (the initiator opens channels and offers; the other side waits). */
  async start(): Promise<void> {
    if (!this.initiator) return;
    this.openChannels();
    await this.offer(false);
  }

  /** Handle a signaling message from the remote peer. Never throws. */
  async handleSignal(kind: SignalKind, data: unknown): Promise<void> {
    try {
      if (kind === 'offer' || kind === 'answer') {
        const desc = data as RTCSessionDescriptionInit;
        if (typeof desc !== 'object' || desc === null || desc.type !== kind || typeof desc.sdp !== 'string') {
          throw new Error(`malformed ${kind}`);
        }
        if (kind === 'offer' && this.initiator) throw new Error('the initiator does not take offers');
        if (desc.sdp !== this.pc.remoteDescription?.sdp) this.remoteCandidatesDone = false; // a new ICE generation trickles anew
        await this.pc.setRemoteDescription(desc);
        this.haveRemoteDescription = true;
        for (const c of this.pendingCandidates.splice(0)) await this.pc.addIceCandidate(c);
        if (this.endOfCandidatesPending) this.remoteCandidatesArrived();
        if (kind === 'offer') {
          await this.pc.setLocalDescription(await this.pc.createAnswer());
          this.opts.signal('answer', this.pc.localDescription!.toJSON());
        }
      } else if (kind === 'candidate') {
        if (data === null) {
          // end of candidates: once applied, a remote prflx reading is what it is
          if (this.haveRemoteDescription) this.remoteCandidatesArrived();
          else this.endOfCandidatesPending = true;
          return;
        }
        const c = data as RTCIceCandidateInit;
        if (typeof c !== 'object' || typeof c.candidate !== 'string') throw new Error('malformed candidate');
        if (this.haveRemoteDescription) {
          await this.pc.addIceCandidate(c);
          if (this.info?.remoteType === 'prflx' || this.prflxSince !== null) void this.readConnection(); // it may name the prflx one
        } else this.pendingCandidates.push(c);
      } else if (kind === 'restart') {
        if (this.initiator) await this.restartIce();
      }
    } catch (e) {
      this.events.emit('error', { message: `signal ${kind}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /** True when the inputs channel is open. */
  get open(): boolean {
    return this.inputs?.readyState === 'open';
  }

  /** Send on the unreliable inputs channel; false when it is not open. */
  send(packet: ArrayBuffer): boolean {
    const ch = this.inputs;
    if (!ch || ch.readyState !== 'open') return false;
    try {
      ch.send(packet);
      return true;
    } catch {
      return false;
    }
  }

  /** Send on the reliable control channel; false when it is not open. */
  sendControl(packet: ArrayBuffer): boolean {
    const ch = this.control;
    if (!ch || ch.readyState !== 'open') return false;
    ch.send(packet);
    return true;
  }

  health(): LinkHealth {
    const rttMs = this.rtts.length ? this.rtts.reduce((a, b) => a + b, 0) / this.rtts.length : 0;
    const losses = this.pingOutcomes.filter((ok) => !ok).length;
    const loss = this.pingOutcomes.length ? losses / this.pingOutcomes.length : 0;
    const sincePongMs = now() - this.lastPongAt;
    let level: HealthLevel = 'ok';
    if (rttMs >= this.opts.criticalRttMs || (this.open && this.lastPongAt > 0 && sincePongMs > 1000)) level = 'critical';
    else if (rttMs >= this.opts.warnRttMs) level = 'warning';
    return { rttMs, samples: this.rtts.slice(), loss, level, sincePongMs };
  }

  connection(): ConnectionInfo | null {
    return this.info;
  }

  get iceRestarts(): number {
    return this.restarts;
  }

  /** Close the inputs channel (tests use it to force the relay fallback). */
  closeInputsChannel(): void {
    this.inputs?.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of [this.pingTimer, this.statsTimer]) if (t !== null) clearInterval(t);
    for (const t of [this.disconnectTimer, this.reopenTimer, this.prflxTimer]) if (t !== null) clearTimeout(t);
    this.inputs?.close();
    this.control?.close();
    this.pc.close();
  }

  // ---------------------------------------------------------------- internals

  private openChannels(): void {
    if (!this.inputs || this.inputs.readyState === 'closed' || this.inputs.readyState === 'closing') {
      this.adoptChannel(this.pc.createDataChannel('netroll-inputs', { ordered: false, maxRetransmits: 0 }));
    }
    if (!this.control || this.control.readyState === 'closed' || this.control.readyState === 'closing') {
      this.adoptChannel(this.pc.createDataChannel('netroll-control', { ordered: true }));
    }
  }

  private adoptChannel(ch: RTCDataChannel): void {
    ch.binaryType = 'arraybuffer';
    if (ch.label === 'netroll-inputs') {
      this.inputs = ch;
      ch.onmessage = (e: MessageEvent<unknown>) => {
        if (e.data instanceof ArrayBuffer) this.onInputsMessage(e.data);
      };
      ch.onclose = () => {
        if (this.inputs !== ch) return;
        this.events.emit('close', undefined);
        this.scheduleReopen();
      };
    } else if (ch.label === 'netroll-control') {
      this.control = ch;
      ch.onmessage = (e: MessageEvent<unknown>) => {
        if (e.data instanceof ArrayBuffer) this.events.emit('control', e.data);
      };
    } else {
      ch.close();
      return;
    }
    ch.onopen = () => this.checkOpen();
    if (ch.readyState === 'open') this.checkOpen();
  }

  private checkOpen(): void {
    if (this.inputs?.readyState === 'open' && this.control?.readyState === 'open') {
      this.events.emit('open', undefined);
      void this.readConnection();
    }
  }

  private scheduleReopen(): void {
    if (this.closed || !this.initiator || this.reopenTimer !== null) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = null;
      if (this.closed || this.pc.connectionState === 'closed') return;
      this.openChannels();
    }, this.opts.reopenDelayMs);
  }

  private onInputsMessage(buf: ArrayBuffer): void {
    const bytes = new Uint8Array(buf);
    if (bytes.length === 5 && bytes[0] === LINK_PING) {
      bytes[0] = LINK_PONG;
      this.send(buf);
      return;
    }
    if (bytes.length === 5 && bytes[0] === LINK_PONG) {
      const seq = new DataView(buf).getUint32(1);
      const sent = this.pingsOut.get(seq);
      if (sent === undefined) return;
      this.pingsOut.delete(seq);
      const rtt = now() - sent;
      this.lastPongAt = now();
      this.rtts.push(rtt);
      if (this.rtts.length > this.opts.rttWindow) this.rtts.shift();
      this.record(true);
      this.events.emit('health', this.health());
      return;
    }
    this.events.emit('packet', buf);
  }

  private record(ok: boolean): void {
    this.pingOutcomes.push(ok);
    if (this.pingOutcomes.length > this.opts.rttWindow * 3) this.pingOutcomes.shift();
  }

  private ping(): void {
    // pings older than a second are counted lost
    const t = now();
    for (const [seq, sent] of this.pingsOut) {
      if (t - sent > 1000) {
        this.pingsOut.delete(seq);
        this.record(false);
      }
    }
    if (!this.open) return;
    const buf = new ArrayBuffer(5);
    const view = new DataView(buf);
    view.setUint8(0, LINK_PING);
    view.setUint32(1, this.pingSeq);
    this.pingsOut.set(this.pingSeq, t);
    this.pingSeq = (this.pingSeq + 1) >>> 0;
    this.send(buf);
    this.events.emit('health', this.health());
  }

  private async readConnection(): Promise<void> {
    if (this.closed || this.pc.connectionState !== 'connected') return;
    try {
      const info = selectedPair(await this.pc.getStats(), now());
      if (!info || this.closed) return;
      if (info.remoteType === 'prflx' && !this.remoteCandidatesDone) {
        this.prflxSince ??= now();
        if (now() - this.prflxSince < this.opts.prflxSettleMs) {
          // maybe the signaled candidate is still on its way: look again shortly
          this.prflxTimer ??= setTimeout(() => {
            this.prflxTimer = null;
            void this.readConnection();
          }, 100);
          return;
        }
      } else if (info.remoteType !== 'prflx') this.prflxSince = null;
      const prev = this.info;
      this.info = info;
      if (!prev || prev.type !== info.type || prev.localType !== info.localType || prev.remoteType !== info.remoteType || prev.relayProtocol !== info.relayProtocol) {
        this.connectionHistory.push(info);
        this.events.emit('connection', info);
      }
    } catch {
      // the connection went away while reading: the next read will tell
    }
  }

  private remoteCandidatesArrived(): void {
    this.endOfCandidatesPending = false;
    this.remoteCandidatesDone = true;
    if (this.prflxSince !== null) void this.readConnection();
  }

  private onIceState(): void {
    const state = this.pc.iceConnectionState;
    this.events.emit('ice', state);
    if (state === 'connected' || state === 'completed') {
      if (this.disconnectTimer !== null) clearTimeout(this.disconnectTimer);
      this.disconnectTimer = null;
      void this.readConnection();
    } else if (state === 'failed') {
      void this.requestRestart();
    } else if (state === 'disconnected' && this.disconnectTimer === null) {
      this.disconnectTimer = setTimeout(() => {
        this.disconnectTimer = null;
        if (this.pc.iceConnectionState === 'disconnected') void this.requestRestart();
      }, 2000);
    }
  }

  private async requestRestart(): Promise<void> {
    if (this.closed) return;
    if (this.initiator) await this.restartIce();
    else this.opts.signal('restart', null);
  }

  private async restartIce(): Promise<void> {
    if (this.closed || this.restarts >= this.opts.maxIceRestarts) return;
    this.restarts++;
    this.events.emit('restart', { attempt: this.restarts });
    await this.offer(true);
  }

  private async offer(iceRestart: boolean): Promise<void> {
    try {
      const offer = await this.pc.createOffer({ iceRestart });
      await this.pc.setLocalDescription(offer);
      this.opts.signal('offer', this.pc.localDescription!.toJSON());
    } catch (e) {
      this.events.emit('error', { message: `offer: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
}
