/**
 * Fake links and signaling for the mesh's Node tests. A FakeLink runs the
 * real HealthMonitor: it pings every `pingIntervalMs`, and the "network"
 * answers each ping after the RTT the test sets (or never, while pongs are
 * cut), so health levels come from the real classifier, on fake timers.
 */
import type { ErrorInfo } from '../../src/contracts/errors.ts';
import { Emitter } from '../../src/engine/events.ts';
import type { Assignment, PeerLeft, SignalKind, SignalMessage } from '../../src/signaling/events.ts';
import type { ConnectionInfo } from '../../main/connection-type.ts';
import type { Link, LinkEvents, LinkFactory, LinkSpec } from '../../main/link.ts';
import { type HealthConfig, HealthMonitor, type LinkHealth } from '../../main/link-health.ts';
import type { MeshSignaling } from '../../main/mesh.ts';
import type { SignalingStateChange } from '../../main/signaling.ts';

export class FakeLink implements Link {
  readonly events = new Emitter<LinkEvents>();
  readonly monitor: HealthMonitor;
  readonly sent: ArrayBuffer[] = [];
  /** Messages sent on the reliable control channel. */
  readonly controlSent: ArrayBuffer[] = [];
  readonly signals: { kind: SignalKind; data: unknown }[] = [];
  readonly connectionHistory: ConnectionInfo[] = [];
  started = false;
  closed = false;
  iceRestarts = 0;
  /** What the mesh told the link about signaling, in order. */
  readonly signalingStates: boolean[] = [];
  /** Current simulated RTT, ms; null: pongs never come back. */
  rttMs: number | null = 20;
  /** The inputs channel was handed to the engine: `send` returns false (the engine sends itself). */
  inputsInEngine = false;
  private isOpen = false;
  private readonly pinger: ReturnType<typeof setInterval>;
  private readonly inFlight = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    readonly spec: LinkSpec,
    health: HealthConfig = {},
  ) {
    this.monitor = new HealthMonitor(health);
    this.pinger = setInterval(() => this.ping(), this.monitor.config.pingIntervalMs);
  }

  get open(): boolean {
    return this.isOpen;
  }

  async start(): Promise<void> {
    this.started = true;
  }

  async handleSignal(kind: SignalKind, data: unknown): Promise<void> {
    this.signals.push({ kind, data });
  }

  send(packet: ArrayBuffer): boolean {
    if (!this.isOpen || this.inputsInEngine) return false;
    this.sent.push(packet);
    return true;
  }

  sendControl(payload: ArrayBuffer): boolean {
    if (!this.isOpen) return false;
    this.controlSent.push(payload);
    return true;
  }

  health(): LinkHealth {
    return this.monitor.health(this.isOpen);
  }

  connection(): ConnectionInfo | null {
    return this.connectionHistory.at(-1) ?? null;
  }

  on<K extends keyof LinkEvents>(type: K, handler: (payload: LinkEvents[K]) => void): () => void {
    return this.events.on(type, handler);
  }

  signalingAvailable(up: boolean): void {
    this.signalingStates.push(up);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.pinger);
    for (const t of this.inFlight) clearTimeout(t);
  }

  // ------------------------------------------------------------ test controls

  /** Both channels open (`open` event), or the inputs channel closed (`close` event). */
  setOpen(open: boolean): void {
    if (this.isOpen === open) return;
    this.isOpen = open;
    this.events.emit(open ? 'open' : 'close', undefined);
  }

  /** An engine packet from the remote peer. */
  deliver(bytes: number[]): void {
    this.events.emit('packet', new Uint8Array(bytes).buffer);
  }

  /** A new connection-type reading. */
  read(info: Omit<ConnectionInfo, 'at'>): void {
    const full = { ...info, at: performance.now() };
    this.connectionHistory.push(full);
    this.events.emit('connection', full);
  }

  fail(error: ErrorInfo): void {
    this.events.emit('error', error);
  }

  private ping(): void {
    if (!this.isOpen) {
      this.monitor.expire();
      return;
    }
    const seq = this.monitor.nextPing();
    this.events.emit('health', this.health());
    const rtt = this.rttMs;
    if (rtt === null) return;
    const t = setTimeout(() => {
      this.inFlight.delete(t);
      if (this.monitor.pong(seq) !== null) this.events.emit('health', this.health());
    }, rtt);
    this.inFlight.add(t);
  }
}

/** A LinkFactory that keeps the links it made, by remote player. */
export function fakeLinks(health: HealthConfig = {}): { factory: LinkFactory; links: Map<number, FakeLink> } {
  const links = new Map<number, FakeLink>();
  return {
    links,
    factory: (spec) => {
      const l = new FakeLink(spec, health);
      links.set(spec.remotePlayer, l);
      return l;
    },
  };
}

interface SignalingEventMap {
  signal: SignalMessage;
  relay: { from: number; packet: ArrayBuffer };
  'peer-left': PeerLeft;
  state: SignalingStateChange;
  'peer-resumed': { playerIndex: number };
}

/** A MeshSignaling that records what the mesh sends and lets a test play the server. */
export class FakeSignaling implements MeshSignaling {
  readonly events = new Emitter<SignalingEventMap>();
  readonly signals: { to: number; kind: SignalKind; data: unknown }[] = [];
  readonly relayed: { to: number; packet: ArrayBuffer }[] = [];

  signal(to: number, kind: SignalKind, data: unknown): void {
    this.signals.push({ to, kind, data });
  }

  relay(to: number, packet: ArrayBuffer): void {
    this.relayed.push({ to, packet });
  }

  on(type: 'signal', handler: (message: SignalMessage) => void): () => void;
  on(type: 'relay', handler: (message: { from: number; packet: ArrayBuffer }) => void): () => void;
  on(type: 'peer-left', handler: (message: PeerLeft) => void): () => void;
  on(type: 'state', handler: (change: SignalingStateChange) => void): () => void;
  on(type: 'peer-resumed', handler: (event: { playerIndex: number }) => void): () => void;
  on<K extends keyof SignalingEventMap>(type: K, handler: (payload: SignalingEventMap[K]) => void): () => void {
    return this.events.on(type, handler);
  }
}

/** The assignment of seat `me` in a `players`-player session (no ICE servers, no TURN). */
export const assignment = (players: number, me: number): Assignment => ({
  sessionId: 's',
  playerIndex: me,
  players: Array.from({ length: players }, (_, index) => ({ index, clientId: `c${index}`, name: `P${index + 1}` })),
  seed: 1,
  iceServers: [],
  turn: false,
});
