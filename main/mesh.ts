/**
 * MeshTransport: a PacketTransport over one link per remote player (a
 * PeerLink on a page, made by the LinkFactory it is given), with a per-link
 * route: P2P first; the server relay takes over when the inputs channel is
 * closed or failed or the link goes critical, and P2P takes back over once
 * it has been open and not critical for `recoverMs` (the hysteresis). Also tracks each peer's liveness:
 * `interrupted` after 750 ms of silence, `disconnected` after 5 s, or at
 * once when the server says the peer left (`leave`). A link that answers
 * pings is not silent, unless its engine has sent nothing for
 * `engineSilentMs` (30 s). When the server only
 * lost the peer's connection (`peer-left` reason `disconnected`) after it
 * had connected, nothing more goes through the relay, but silence decides: a
 * P2P link that still works keeps the game going, and a peer that is really
 * gone is seen `interrupted`, then `disconnected`.
 *
 * By default (`channelsInEngine`) each link hands its inputs channel to the
 * engine's thread (main/engine-channels.ts): P2P engine packets then skip
 * this page's main thread, and the mesh hears of them from the engine's
 * counts and tells the engine each peer's route.
 */
import { ErrorCode, type ErrorInfo, NetrollError } from '../src/contracts/errors.ts';
import type { PeerStatus, Route } from '../src/contracts/vocabulary.ts';
import { Emitter } from '../src/engine/events.ts';
import type { Assignment, PeerLeft, SignalKind, SignalMessage } from '../src/signaling/events.ts';
import type { LinkConditions } from '../src/sim/impairment.ts';
import type { ConnectionInfo } from './connection-type.ts';
import type { EngineChannelSink, Link, LinkFactory } from './link.ts';
import { followSignaling } from './mesh-signaling.ts';
import type { SignalingStateChange } from './signaling.ts';
import type { LinkHealth } from './link-health.ts';
import type { PacketTransport } from './transport.ts';

/** What the mesh needs of the signaling connection ({@link SignalingClient} is one): its state too (see mesh-signaling.ts). */
export interface MeshSignaling {
  signal(to: number, kind: SignalKind, data: unknown): void;
  relay(to: number, packet: ArrayBuffer): void;
  on(type: 'signal', handler: (message: SignalMessage) => void): () => void;
  on(type: 'relay', handler: (message: { from: number; packet: ArrayBuffer }) => void): () => void;
  on(type: 'peer-left', handler: (message: PeerLeft) => void): () => void;
  on(type: 'state', handler: (change: SignalingStateChange) => void): () => void;
  on(type: 'peer-resumed', handler: (event: { playerIndex: number }) => void): () => void;
}

/**
 * The page's side of the channels handed to the engine, as the mesh uses it
 * ({@link EngineChannels} on a page): links hand their inputs channels to it,
 * the mesh posts each peer's route and hears the engine's packet counts.
 */
export interface MeshEngineChannels extends EngineChannelSink {
  /** Tell the engine whether `peer`'s route is P2P (it sends on its channel only then). */
  route(peer: number, direct: boolean): void;
  /** Subscribe to the engine's sent/received counts per player index; returns the unsubscribe function. */
  onCounts(handler: (counts: { sent: readonly number[]; received: readonly number[] }) => void): () => void;
  /** The engine's end of the port, once (null afterwards): a `MessagePort` on a page. */
  port(): unknown;
  /** Impair what the engine sends on its channels (see `EngineChannels.impair`). */
  impair?(conditions: LinkConditions, seed: number): void;
  /** Stop listening. */
  close(): void;
}

/** The mesh layer's own settings. */
export interface MeshConfig {
  /** Allow the server relay fallback. Default true. */
  relay?: boolean;
  /** Silence before `interrupted`, ms. Default 750. */
  interruptedMs?: number;
  /** Silence before `disconnected`, ms. Default 5,000. */
  disconnectedMs?: number;
  /** Healthy time on P2P before taking the route back from the relay, ms. Default 1,000. */
  recoverMs?: number;
  /**
   * A `disconnected` peer the server did not say left, heard from again, is
   * `connected` again (players who may rejoin: `joinGame`'s
   * `rejoinWindowMs`). Default false: `disconnected` is final.
   */
  reconnect?: boolean;
  /**
   * How long a peer whose link still answers pings may send no engine
   * packet before it is `disconnected` anyway, ms. A live engine sends every
   * tick, even while stalled or paused; a page that answers pings but whose
   * engine is gone or frozen would otherwise stall everyone for good. Before
   * the peer's first packet, 10 s more (its worker may still be loading).
   * Must be above `disconnectedMs`. Default 30,000, or twice
   * `disconnectedMs` when that is more.
   */
  engineSilentMs?: number;
  /**
   * Hand each link's inputs DataChannel to the engine's thread, so P2P engine
   * packets never wait for this page's main thread (a long task there then
   * delays neither what peers receive nor what this engine receives).
   * Needs the `engineChannels` the mesh is made with (`joinGame` gives it).
   * Default true. `joinGame` turns it off when `wrapTransport` is given (a
   * wrapper sees only the packets that pass the page).
   */
  channelsInEngine?: boolean;
}

/**
 * Check a {@link MeshConfig} and fill in the defaults.
 *
 * @throws NetrollError `invalid-option` for a time that is not a positive
 *   number of ms, or `interruptedMs` not below `disconnectedMs`.
 */
export function meshConfig(config: MeshConfig = {}): Required<MeshConfig> {
  const base = { relay: true, interruptedMs: 750, disconnectedMs: 5000, recoverMs: 1000, reconnect: false, channelsInEngine: true, ...config };
  const c = { ...base, engineSilentMs: config.engineSilentMs ?? Math.max(30_000, 2 * base.disconnectedMs) };
  if (typeof c.relay !== 'boolean') throw new NetrollError(ErrorCode.InvalidOption, `mesh.relay must be a boolean, got ${String(c.relay)}`);
  if (typeof c.channelsInEngine !== 'boolean') throw new NetrollError(ErrorCode.InvalidOption, `mesh.channelsInEngine must be a boolean, got ${String(c.channelsInEngine)}`);
  if (typeof c.reconnect !== 'boolean') throw new NetrollError(ErrorCode.InvalidOption, `mesh.reconnect must be a boolean, got ${String(c.reconnect)}`);
  for (const k of ['interruptedMs', 'disconnectedMs', 'recoverMs', 'engineSilentMs'] as const) {
    if (!(Number.isFinite(c[k]) && c[k] >= 0)) throw new NetrollError(ErrorCode.InvalidOption, `mesh.${k} must be a number of ms >= 0, got ${c[k]}`);
  }
  if (c.interruptedMs >= c.disconnectedMs) {
    throw new NetrollError(ErrorCode.InvalidOption, `mesh.interruptedMs (${c.interruptedMs}) must be below mesh.disconnectedMs (${c.disconnectedMs})`);
  }
  if (c.engineSilentMs <= c.disconnectedMs) {
    throw new NetrollError(ErrorCode.InvalidOption, `mesh.engineSilentMs (${c.engineSilentMs}) must be above mesh.disconnectedMs (${c.disconnectedMs})`);
  }
  return c;
}

/** Engine packets per route, each way. */
export interface RouteCounters {
  /** Engine packets sent to this peer on the P2P data channel. */
  packetsViaP2P: number;
  /** Engine packets sent to this peer through the server relay. */
  packetsViaRelay: number;
  /** Engine packets received from this peer on the P2P data channel. */
  receivedViaP2P: number;
  /** Engine packets received from this peer through the server relay. */
  receivedViaRelay: number;
}

/** Reliable engine messages per route, each way, and relay frames dropped as malformed. */
export interface ReliableCounters {
  /** Reliable messages sent to this peer on the P2P reliable control channel. */
  sentViaP2P: number;
  /** Reliable messages sent to this peer through the server relay. */
  sentViaRelay: number;
  /** Reliable messages that found neither an open control channel nor the relay (dropped). */
  unsent: number;
  /** Reliable messages received from this peer (either route). */
  received: number;
  /** Relay frames whose kind byte is unknown, or that are empty: counted and dropped. */
  badRelayFrames: number;
}

/**
 * Relay framing: every packet the mesh sends through the server relay is
 * `[kind][bytes]`, kind {@link RELAY_ENGINE} for an engine packet,
 * {@link RELAY_RELIABLE} for a reliable engine message (the relay is
 * ordered and reliable). The engine bytes themselves are never looked at.
 */
export const RELAY_ENGINE = 0;
/** Relay frame kind of a reliable engine message (see {@link RELAY_ENGINE}). */
export const RELAY_RELIABLE = 1;

function relayFrame(kind: number, packet: ArrayBuffer): ArrayBuffer {
  const out = new Uint8Array(packet.byteLength + 1);
  out[0] = kind;
  out.set(new Uint8Array(packet), 1);
  return out.buffer;
}

/** Everything known about one remote peer's link. */
export interface LinkReport {
  /** The remote peer's player index. */
  readonly peer: number;
  /** The remote peer's status. */
  readonly status: PeerStatus;
  /** The route engine packets take now: P2P or the server relay. */
  readonly route: Route;
  /** True when the link's inputs channel is open. */
  readonly open: boolean;
  /** The last connection type read (null before the first). */
  readonly connection: ConnectionInfo | null;
  /** Every connection type read, in order (changes only). */
  readonly connectionHistory: readonly ConnectionInfo[];
  /** The link's health. */
  readonly health: LinkHealth;
  /** ICE restarts on this link so far (at most the link's `maxIceRestarts`). */
  readonly iceRestarts: number;
  /** Why the link stopped restarting ICE (it stays on the relay), or null. */
  readonly iceGaveUp: string | null;
  /** Whether the server relay can reach this peer now (signaling up, the peer's seat bound, relay allowed). */
  readonly relayAvailable: boolean;
  /** Switches of the route to the relay. */
  readonly failovers: number;
  /** Switches back from the relay to P2P once P2P was healthy again. */
  readonly recoveries: number;
  /** Engine packets per route, each way. */
  readonly counters: Readonly<RouteCounters>;
  /** Reliable engine messages (resync chunks) this link carried. */
  readonly reliable: Readonly<ReliableCounters>;
  /** Route changes: time (page ms) and new route. */
  readonly routeHistory: readonly { at: number; route: Route; reason: string }[];
  /** Time the first packet went over the relay after the last switch to it, ms after the switch. */
  readonly lastFailoverMs: number | null;
}

/** Events of a {@link MeshTransport}. */
export interface MeshEvents {
  /** A peer's status changed. */
  status: { peer: number; status: PeerStatus };
  /** A link's route changed. */
  route: { peer: number; route: Route; reason: string };
  /** A link's connection type changed. */
  connection: { peer: number; info: ConnectionInfo };
  /** A link's new health reading. */
  health: { peer: number; health: LinkHealth };
  /** A link reported an error it could not handle by itself. */
  error: ErrorInfo & { peer: number };
  /** A link stopped restarting ICE after its last attempt failed: it stays on the relay. */
  'ice-gave-up': { peer: number; attempts: number; reason: string };
  /** The signaling connection was lost (`up: false`) or this client's seat resumed (`up: true`). */
  signaling: { up: boolean; reason?: string };
  /** `peer`'s page reloaded: its old link was closed and a new one is connecting. */
  relink: { peer: number };
}

/**
 * Extra silence allowed before a peer's first packet, ms: its channel may
 * open seconds before its engine starts sending (its worker still loading).
 * A peer never heard from is `disconnected` after `disconnectedMs` + this.
 */
const FIRST_PACKET_GRACE_MS = 10_000;

/**
 * A status timer tick this much later than the last one means this page
 * stalled: peer statuses are judged one tick later (after the packets that
 * queued up meanwhile), so a page that froze does not take its own freeze
 * for every peer's silence.
 */
const STALL_MS = 250;

/** Fewest ms between two link replacements for one peer (`relink` signals faster than this are ignored). */
export const RELINK_MIN_INTERVAL_MS = 1000;

interface PeerState {
  link: Link;
  status: PeerStatus;
  route: Route;
  lastHeard: number;
  /** Something (an engine packet or a reliable message) came from this peer since its link was made. */
  heard: boolean;
  healthySince: number;
  left: boolean;
  /** The server no longer has this peer: the relay cannot reach it. */
  relayGone: boolean;
  failovers: number;
  recoveries: number;
  /** Why the link stopped restarting ICE (from its `gave-up` event), or null. */
  iceGaveUp: string | null;
  switchedAt: number;
  lastFailoverMs: number | null;
  /** When this peer's link was last replaced after its page reloaded (see `relink`). */
  relinkedAt: number;
  counters: RouteCounters;
  reliable: ReliableCounters;
  routeHistory: { at: number; route: Route; reason: string }[];
}

const now = () => performance.now();

/**
 * A PacketTransport over one {@link Link} per remote player (made by a
 * {@link LinkFactory}), with the per-link route and liveness described above.
 */
export class MeshTransport implements PacketTransport {
  private readonly peers = new Map<number, PeerState>();
  private readonly events = new Emitter<MeshEvents>();
  private packetHandler: ((peer: number, packet: ArrayBuffer) => void) | null = null;
  private reliableHandler: ((peer: number, packet: ArrayBuffer) => void) | null = null;
  private statusHandler: ((peer: number, status: PeerStatus) => void) | null = null;
  private readonly timer: ReturnType<typeof setInterval>;
  private lastTimerAt = now();
  /** The last timer tick came late (this page stalled): peer statuses wait for the next tick. */
  private settling = false;
  private readonly config: Required<MeshConfig>;
  private readonly offs: (() => void)[] = [];
  /** The signaling connection holds this client's seat (the relay can carry packets). */
  private signalingUp = true;
  private readonly me: number;
  private closed = false;
  /** The inputs channels handed to the engine (null: `channelsInEngine` off). */
  private readonly channels: MeshEngineChannels | null;

  /**
   * @param links makes the link to each remote player
   * @param options `relink`: this page took its seat back after a reload; every other peer is told to replace its link to it.
   *   `engineChannels`: where links hand their inputs channels to the engine (used when `channelsInEngine` is on)
   * @throws NetrollError `invalid-option` for a bad `config` (no link is made then)
   */
  constructor(
    private readonly signaling: MeshSignaling,
    readonly assignment: Assignment,
    private readonly links: LinkFactory,
    config: MeshConfig = {},
    options: { relink?: boolean; engineChannels?: MeshEngineChannels } = {},
  ) {
    this.config = meshConfig(config);
    this.me = assignment.playerIndex;
    this.channels = this.config.channelsInEngine ? (options.engineChannels ?? null) : null;
    if (this.channels) this.offs.push(this.channels.onCounts((c) => this.engineCounts(c.sent, c.received)), () => this.channels?.close());
    for (const player of assignment.players) {
      if (player.index !== this.me) this.peers.set(player.index, this.newPeer(player.index));
    }
    this.offs.push(
      signaling.on('signal', (m) => {
        if (m.kind === 'relink') this.relink(m.from);
        else void this.peers.get(m.from)?.link.handleSignal(m.kind, m.data);
      }),
      signaling.on('relay', ({ from, packet }) => this.receiveRelayFrame(from, packet)),
      signaling.on('peer-left', ({ playerIndex, reason }) => {
        const s = this.peers.get(playerIndex);
        if (!s) return;
        s.relayGone = true;
        // Only its server connection dropped: once connected, P2P may still carry the game, so silence decides.
        if (reason === 'disconnected' && s.status !== 'connecting') return this.update(playerIndex, 'peer lost its server connection');
        s.left = true;
        this.setStatus(playerIndex, s, 'disconnected');
      }),
    );
    this.offs.push(
      ...followSignaling(signaling, {
        signalingLost: (reason) => this.setSignaling(false, reason),
        signalingResumed: (present) => {
          for (const [peer, s] of this.peers) if (!s.left) s.relayGone = !present.includes(peer);
          this.setSignaling(true);
        },
        peerResumed: (peer) => {
          const s = this.peers.get(peer);
          if (s && !s.left) s.relayGone = false;
        },
      }),
    );
    this.timer = setInterval(() => {
      // This page stalled (a long task, a busy machine): packets that arrived meanwhile are still queued behind
      // this timer, so silence is judged one tick later, once they were taken (see `settling`).
      const t = now();
      const late = t - this.lastTimerAt > STALL_MS;
      this.lastTimerAt = t;
      this.settling = late && !this.settling;
      for (const peer of this.peers.keys()) this.update(peer, 'timer');
    }, 50);
    // A page that took its seat back after a reload: the others drop their link to its old page first (signals arrive in order).
    if (options.relink) for (const peer of this.peers.keys()) signaling.signal(peer, 'relink', null);
    for (const s of this.peers.values()) void s.link.start();
  }

  /** A new peer's state, its link made (not started yet). */
  private newPeer(peer: number): PeerState {
    return {
      link: this.makeLink(peer),
      status: 'connecting',
      route: 'p2p',
      lastHeard: now(),
      heard: false,
      healthySince: 0,
      left: false,
      relayGone: false,
      failovers: 0,
      recoveries: 0,
      iceGaveUp: null,
      switchedAt: 0,
      lastFailoverMs: null,
      relinkedAt: Number.NEGATIVE_INFINITY,
      counters: { packetsViaP2P: 0, packetsViaRelay: 0, receivedViaP2P: 0, receivedViaRelay: 0 },
      reliable: { sentViaP2P: 0, sentViaRelay: 0, unsent: 0, received: 0, badRelayFrames: 0 },
      routeHistory: [],
    };
  }

  /**
   * A late joiner took free seat `peer` (server `seat-taken`): make its link
   * and start it (the lower index offers, as at the start). No-op for this
   * peer's own seat, a seat outside the session or one that has a link.
   */
  addPeer(peer: number): void {
    if (this.closed || peer === this.me || this.peers.has(peer) || !(Number.isInteger(peer) && peer >= 0 && peer < (this.assignment.seats ?? this.assignment.players.length))) return;
    const s = this.newPeer(peer);
    this.peers.set(peer, s);
    s.link.signalingAvailable(this.signalingUp);
    void s.link.start();
  }

  /**
   * A late joiner's provisional seat is free again (server `seat-freed`):
   * close and forget its link, without a status event (it never played).
   * Its old link's events are ignored from now on (it is no longer the seat's link).
   */
  removePeer(peer: number): void {
    const s = this.peers.get(peer);
    if (!s) return;
    this.peers.delete(peer);
    s.link.close();
  }

  /** Make the link to `peer`; its events count only while it is that peer's link (a replaced one is ignored). */
  private makeLink(peer: number): Link {
    const link = this.links({
      localPlayer: this.me,
      remotePlayer: peer,
      iceServers: this.assignment.iceServers,
      signal: (kind, data) => this.signaling.signal(peer, kind, data),
      ...(this.channels ? { engineChannels: this.channels } : {}),
    });
    const current = () => this.peers.get(peer)?.link === link;
    link.on('packet', (buf) => current() && this.receive(peer, buf, 'p2p'));
    link.on('control', (buf) => current() && this.receiveReliable(peer, buf));
    link.on('open', () => current() && this.update(peer, 'channel open'));
    link.on('close', () => current() && this.update(peer, 'channel closed'));
    link.on('ice', () => current() && this.update(peer, 'ice state'));
    link.on('connection', (info) => current() && this.events.emit('connection', { peer, info }));
    link.on('health', (health) => {
      if (!current()) return;
      this.events.emit('health', { peer, health });
      this.update(peer, 'health');
    });
    link.on('error', (e) => current() && this.events.emit('error', { ...e, peer }));
    link.on('gave-up', ({ attempts, reason }) => {
      const s = this.peers.get(peer);
      if (!s || !current()) return;
      // Kept here, from the event: the link report and the research record (which follows `ice-gave-up`) agree by construction.
      s.iceGaveUp = reason.slice(0, 200);
      this.events.emit('ice-gave-up', { peer, attempts, reason });
      this.update(peer, 'ICE restarts gave up');
    });
    return link;
  }

  /**
   * `peer`'s page reloaded and took its seat back (its `relink` signal): its
   * old link is dead, so close it and connect a new one; the engine's Hellos
   * then hand it the state. Bounded: at most one relink per peer per
   * {@link RELINK_MIN_INTERVAL_MS} (a peer sending more only loses its own link).
   */
  private relink(peer: number): void {
    const s = this.peers.get(peer);
    if (!s || s.left) return;
    const t = now();
    if (t - s.relinkedAt < RELINK_MIN_INTERVAL_MS) return;
    s.relinkedAt = t;
    s.link.close();
    s.link = this.makeLink(peer);
    s.healthySince = 0;
    s.iceGaveUp = null; // a new link: it may restart ICE again
    s.link.signalingAvailable(this.signalingUp);
    this.events.emit('relink', { peer });
    this.update(peer, 'peer reloaded');
    void s.link.start();
  }

  /** Subscribe to an event; returns the unsubscribe function. */
  on<K extends keyof MeshEvents>(type: K, handler: (payload: MeshEvents[K]) => void): () => void {
    return this.events.on(type, handler);
  }

  /** Send an engine packet to `peer` on its route (the bytes are not looked at). */
  send(peer: number, packet: ArrayBuffer): void {
    const s = this.peers.get(peer);
    if (!s || s.left) return;
    if ((s.route === 'p2p' || s.relayGone || !this.signalingUp) && s.link.send(packet)) {
      s.counters.packetsViaP2P++;
      return;
    }
    if (!this.config.relay || s.relayGone || !this.signalingUp) return;
    // The engine holds the inputs channel and passed this packet on: its channel is not open (yet); the channel's own report decides the route.
    if (s.route === 'p2p' && s.status !== 'connecting' && !s.link.inputsInEngine) this.setRoute(peer, s, 'relay', 'send failed on P2P');
    if (s.route === 'relay' && s.lastFailoverMs === null) s.lastFailoverMs = now() - s.switchedAt;
    this.signaling.relay(peer, relayFrame(RELAY_ENGINE, packet));
    s.counters.packetsViaRelay++;
  }

  /**
   * Send a reliable engine message (e.g. a resync chunk) to `peer`: on the
   * PeerLink's reliable control channel while the route is P2P and that
   * channel is open, else through the (ordered, reliable) server relay. The
   * bytes are not looked at.
   */
  sendReliable(peer: number, packet: ArrayBuffer): void {
    const s = this.peers.get(peer);
    if (!s || s.left) return;
    if ((s.route === 'p2p' || s.relayGone || !this.signalingUp) && s.link.sendControl(packet)) {
      s.reliable.sentViaP2P++;
      return;
    }
    if (!this.config.relay || s.relayGone || !this.signalingUp) {
      s.reliable.unsent++;
      return;
    }
    this.signaling.relay(peer, relayFrame(RELAY_RELIABLE, packet));
    s.reliable.sentViaRelay++;
  }

  /** Set the handler for incoming reliable engine messages. */
  onReliable(handler: (peer: number, packet: ArrayBuffer) => void): void {
    this.reliableHandler = handler;
  }

  /** Set the handler for incoming engine packets. */
  onPacket(handler: (peer: number, packet: ArrayBuffer) => void): void {
    this.packetHandler = handler;
  }

  /** Set the handler for peer status changes. */
  onStatus(handler: (peer: number, status: PeerStatus) => void): void {
    this.statusHandler = handler;
  }

  /**
   * The engine's end of the channels port (once; null afterwards, or when
   * `channelsInEngine` is off): the session hands it to the engine host.
   */
  engineChannels(): unknown {
    return this.channels?.port() ?? null;
  }

  /**
   * Impair the packets the engine sends on the channels it holds (latency,
   * jitter, loss, duplication, reordering; all zero: none). Packets that
   * pass this page are impaired by wrapping the mesh (`impairTransport`);
   * `joinGame`'s `impairment` does both. No effect with `channelsInEngine` off.
   */
  impairEngineChannels(conditions: LinkConditions, seed: number): void {
    this.channels?.impair?.(conditions, seed);
  }

  /** Resolves when every link's channels are open; rejects with a NetrollError `timeout` after `timeoutMs`. */
  waitOpen(timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const started = now();
      const check = setInterval(() => {
        if ([...this.peers.values()].every((s) => s.link.open)) {
          clearInterval(check);
          resolve();
        } else if (now() - started > timeoutMs) {
          clearInterval(check);
          const waiting = [...this.peers.entries()].filter(([, s]) => !s.link.open).map(([p]) => p);
          reject(new NetrollError(ErrorCode.Timeout, `peer-to-peer channels to players [${waiting.join(', ')}] did not open within ${timeoutMs} ms`));
        }
      }, 10);
    });
  }

  /** Per-peer link reports. */
  report(): LinkReport[] {
    return [...this.peers.entries()].map(([peer, s]) => ({
      peer,
      status: s.status,
      route: s.route,
      open: s.link.open,
      connection: s.link.connection(),
      connectionHistory: s.link.connectionHistory.slice(),
      health: s.link.health(),
      iceRestarts: s.link.iceRestarts,
      iceGaveUp: s.iceGaveUp,
      relayAvailable: this.config.relay && this.signalingUp && !s.relayGone,
      failovers: s.failovers,
      recoveries: s.recoveries,
      counters: { ...s.counters },
      reliable: { ...s.reliable },
      routeHistory: s.routeHistory.slice(),
      lastFailoverMs: s.lastFailoverMs,
    }));
  }

  /** Stop every timer, unsubscribe from signaling and close every link. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const off of this.offs) off();
    for (const s of this.peers.values()) s.link.close();
  }

  /** One relay frame: `[kind][bytes]` (see {@link RELAY_ENGINE}); an unknown kind is counted and dropped. */
  private receiveRelayFrame(peer: number, frame: ArrayBuffer): void {
    const s = this.peers.get(peer);
    if (!s) return;
    const kind = frame.byteLength > 1 ? new Uint8Array(frame, 0, 1)[0] : -1;
    if (kind === RELAY_ENGINE) this.receive(peer, frame.slice(1), 'relay');
    else if (kind === RELAY_RELIABLE) this.receiveReliable(peer, frame.slice(1));
    else s.reliable.badRelayFrames++;
  }

  private receiveReliable(peer: number, packet: ArrayBuffer): void {
    const s = this.peers.get(peer);
    if (!s || s.left) return;
    s.lastHeard = now();
    s.heard = true;
    s.reliable.received++;
    this.reliableHandler?.(peer, packet);
  }

  /** Packets the engine sent and received on the channels it holds since its last report (per player index). */
  private engineCounts(sent: readonly number[], received: readonly number[]): void {
    for (const [peer, s] of this.peers) {
      const out = sent[peer];
      const got = received[peer];
      if (typeof out === 'number' && out > 0) s.counters.packetsViaP2P += out;
      if (typeof got === 'number' && got > 0) {
        s.lastHeard = now();
        s.heard = true;
        s.counters.receivedViaP2P += got;
        this.update(peer, 'packet');
      }
    }
  }

  /** Tell the engine whether it may send to `peer` on the channel it holds (as `send` would use P2P). */
  private syncDirect(peer: number, s: PeerState): void {
    this.channels?.route(peer, !s.left && (s.route === 'p2p' || s.relayGone || !this.signalingUp));
  }

  private receive(peer: number, packet: ArrayBuffer, via: Route): void {
    const s = this.peers.get(peer);
    if (!s) return;
    s.lastHeard = now();
    s.heard = true;
    if (via === 'p2p') s.counters.receivedViaP2P++;
    else s.counters.receivedViaRelay++;
    this.update(peer, 'packet');
    this.packetHandler?.(peer, packet);
  }

  private update(peer: number, reason: string): void {
    const s = this.peers.get(peer);
    if (!s) return;
    this.syncDirect(peer, s);
    const t = now();
    const p2pUsable = s.link.open && s.link.health().level !== 'critical';
    if (!p2pUsable) s.healthySince = 0;
    else if (s.healthySince === 0) s.healthySince = t;
    if (this.config.relay && s.status !== 'connecting') {
      if (s.route === 'p2p' && !p2pUsable) {
        this.setRoute(peer, s, 'relay', `${reason}: ${s.link.open ? 'link critical' : 'channel not open'}`);
      } else if (s.route === 'relay' && p2pUsable && t - s.healthySince >= this.config.recoverMs) {
        s.recoveries++;
        this.setRoute(peer, s, 'p2p', 'P2P recovered');
      }
    }
    // Silence counts from the connection on; before the peer's first packet, its engine may still be starting
    // (a worker loading on a busy machine), so the thresholds get FIRST_PACKET_GRACE_MS more.
    // A link that still answers pings is a peer that is there: its engine may be busy (a Python game's first
    // steps on a loaded machine), which is a stall, not a disconnection; but only for engineSilentMs, so a page
    // that answers pings while its engine is gone cannot hold everyone in a stall for good.
    const sincePong = s.link.open ? s.link.health().sincePongMs : Infinity;
    const engineSilent = t - s.lastHeard - (s.heard ? 0 : FIRST_PACKET_GRACE_MS);
    const silent = engineSilent >= this.config.engineSilentMs ? engineSilent : Math.min(engineSilent, Number.isFinite(sincePong) ? sincePong : Infinity);
    if (s.left || (s.status === 'disconnected' && !(this.config.reconnect && silent < this.config.interruptedMs))) return; // final
    if (this.settling && s.status !== 'connecting') return; // our own stall is not the peer's silence
    let status: PeerStatus;
    if (s.status === 'connecting') {
      status = s.link.open || s.counters.receivedViaRelay > 0 ? 'connected' : 'connecting';
      if (status === 'connected') s.lastHeard = t;
    } else if (silent >= this.config.disconnectedMs) status = 'disconnected';
    else if (silent >= this.config.interruptedMs) status = 'interrupted';
    else status = 'connected';
    this.setStatus(peer, s, status);
  }

  /** Signaling lost or back: the relay's availability, and whether links may send ICE restart offers. */
  private setSignaling(up: boolean, reason?: string): void {
    if (this.signalingUp === up) return;
    this.signalingUp = up;
    for (const [peer, s] of this.peers) {
      s.link.signalingAvailable(up);
      this.syncDirect(peer, s);
    }
    this.events.emit('signaling', { up, ...(reason !== undefined ? { reason } : {}) });
  }

  /** Use the relay for every peer whose channel is not open (P2P could not connect). */
  relayUnopened(): void {
    for (const [peer, s] of this.peers) {
      if (s.link.open) continue;
      this.setRoute(peer, s, 'relay', 'P2P did not connect');
      if (s.status === 'connecting') this.setStatus(peer, s, 'connected');
      s.lastHeard = now();
    }
  }

  private setStatus(peer: number, s: PeerState, status: PeerStatus): void {
    if (s.status === status) return;
    s.status = status;
    this.events.emit('status', { peer, status });
    this.statusHandler?.(peer, status);
  }

  private setRoute(peer: number, s: PeerState, route: Route, reason: string): void {
    if (s.route === route) return;
    s.route = route;
    const at = now();
    s.routeHistory.push({ at, route, reason });
    if (route === 'relay') {
      s.failovers++;
      s.switchedAt = at;
      s.lastFailoverMs = null;
    }
    this.syncDirect(peer, s);
    this.events.emit('route', { peer, route, reason });
  }
}
