/**
 * The page's connection to the netroll server: lobby join, assignment,
 * signaling messages, live stats and the input-relay fallback, over
 * socket.io with the typed event maps shared with the server. Every server
 * message is validated with the same zod schemas the contract defines
 * (src/signaling/events.ts); a malformed one is reported as a
 * `bad-server-message` error event, never thrown and never passed on.
 *
 * Resume: once seated, the client keeps the seat's resume secret (in
 * `sessionStorage`, see resume-store.ts, so a reload finds it), reconnects
 * without an attempt cap while the session lives (backoff from
 * `reconnectDelayMs` up to `reconnectDelayMaxMs`), and sends `resume` on
 * every reconnect, so a dropped connection or a restarted server rebinds it
 * to its seat. The `state` event says when signaling is `lost`, `regained`
 * (connected, not rebound yet) and `resumed`. While the seat is not bound,
 * relay packets are dropped (counted in {@link SignalingClient.relayDropped}:
 * never queued, so no stale burst follows an outage) and signals are held
 * (at most {@link MAX_PENDING_SIGNALS}) and sent once it is rebound.
 */
import { io, type Socket } from 'socket.io-client';
import type { z } from 'zod';
import { ErrorCode, type ErrorInfo, errorInfo, NetrollError } from '../src/contracts/errors.ts';
import { Emitter } from '../src/engine/events.ts';
import {
  type Assignment,
  assignmentSchema,
  type ClientToServerEvents,
  errorInfoSchema,
  type IceServer,
  type JoinRequest,
  joinReplySchema,
  type LiveStats,
  type PeerLeft,
  peerLeftSchema,
  type PeerResumed,
  peerResumedSchema,
  relayArgsSchema,
  resumeReplySchema,
  seatLostSchema,
  type SeatFreed,
  seatFreedSchema,
  type SeatTaken,
  seatTakenSchema,
  type ServerToClientEvents,
  type SignalKind,
  type SignalMessage,
  signalMessageSchema,
  turnReplySchema,
  type WaitingUpdate,
  waitingSchema,
  type WaitTimeout,
  waitTimeoutSchema,
  type ProbeOutcome,
  probeOutcomeSchema,
  type ProbeResult,
} from '../src/signaling/events.ts';
import { clearResumeRecord, RESUME_STORAGE_KEY, saveResumeRecord } from './resume-store.ts';

/** Signals held while the seat is not bound (the oldest are dropped beyond it, and counted). */
export const MAX_PENDING_SIGNALS = 256;

/**
 * The signaling connection's state: `connecting` (first connection),
 * `connected`, `lost` (the connection dropped), `regained` (connected again,
 * the seat not rebound yet), `resumed` (the seat is bound again; relay and
 * signals work), `resume-failed` (the server refused the resume secret, or
 * another connection took the seat: nothing more is tried), `closed`.
 */
export type SignalingState = 'connecting' | 'connected' | 'lost' | 'regained' | 'resumed' | 'resume-failed' | 'closed';

/** A change of {@link SignalingState}. */
export interface SignalingStateChange {
  /** The new state. */
  state: SignalingState;
  /** Why (the socket's disconnect reason, or the refusal). */
  reason?: string;
  /** With `resume-failed`: the server's refusal. */
  error?: ErrorInfo;
  /** With `resumed`: the assignment again (fresh TURN credentials and resume secret). */
  assignment?: Assignment;
  /** With `resumed`: the seats bound to a connection now (this one included). */
  present?: readonly number[];
}

/** A join answered `unavailable` is sent again at most this often, after 250 ms, 500 ms, 1 s, 2 s. */
const JOIN_RETRIES = 4;
const JOIN_RETRY_MS = 250;

/** Codes of a `resume` refusal that retrying cannot change. */
const FINAL_RESUME_CODES: ReadonlySet<string> = new Set([ErrorCode.Unauthorized, ErrorCode.InvalidMessage, ErrorCode.AlreadyJoined, ErrorCode.BadServerMessage]);

/** A socket.io client socket speaking netroll's signaling contract. */
export type NetrollSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Events of a {@link SignalingClient}. */
export interface SignalingEvents {
  /** The session formed: this client's assignment. */
  assigned: Assignment;
  /** A WebRTC signaling message from another member. */
  signal: SignalMessage;
  /** A packet another member sent through the server relay. */
  relay: { from: number; packet: ArrayBuffer };
  /** A member left the session or lost its server connection. */
  'peer-left': PeerLeft;
  /** An error the server reported, a malformed server message (`bad-server-message`) or an unreachable server (`unreachable`). */
  error: ErrorInfo;
  /** The socket connection state changed. */
  connection: { connected: boolean; reason?: string };
  /** The signaling state changed (lost, regained, resumed...). */
  state: SignalingStateChange;
  /** Another member took its seat back on a new connection. */
  'peer-resumed': PeerResumed;
  /** The waiting room changed: `count` of `needed` players are waiting (pushed on every join and departure). */
  waiting: WaitingUpdate;
  /** The server gave up on this client's join after its wait limit. */
  timeout: WaitTimeout;
  /** The RTT probe of this client's tentative group (latency-gated queue) is decided. */
  'probe-outcome': ProbeOutcome;
  /** A late joiner took a free seat of this session. */
  'seat-taken': SeatTaken;
  /** A late joiner's provisional seat is free again (it vanished or timed out). */
  'seat-freed': SeatFreed;
}

/** What a {@link SignalingClient} needs. */
export interface SignalingOptions {
  /** Server URL, e.g. `http://localhost:8080` (default: this page's origin). */
  url?: string;
  /**
   * Other nodes of the same netroll cluster (servers sharing one Redis), tried
   * in turn after `url` on each reconnection attempt: when the node this page
   * is connected to goes away, the page reconnects to another and resumes its
   * seat there. Default none (only `url`).
   */
  fallbackUrls?: readonly string[];
  /** Give up connecting after this long, ms. Default 10,000. */
  connectTimeoutMs?: number;
  /** Wait this long for the join acknowledgement, ms. Default 5,000. */
  ackTimeoutMs?: number;
  /** First reconnection delay, ms (doubles per attempt, with jitter). Default 250. */
  reconnectDelayMs?: number;
  /** Longest reconnection delay, ms. Default 1,000. */
  reconnectDelayMaxMs?: number;
  /** `sessionStorage` key of the resume record, or `false` to keep none. Default {@link RESUME_STORAGE_KEY}. */
  resumeStorageKey?: string | false;
}

/** The first issue of a failed parse, for the error message. */
function describe(issues: readonly z.core.$ZodIssue[]): string {
  const i = issues[0];
  if (!i) return 'invalid';
  return i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message;
}

/** A relayed packet as its own ArrayBuffer (socket.io-client in Node delivers a Buffer view). */
function ownBuffer(packet: ArrayBuffer | Uint8Array): ArrayBuffer {
  if (packet instanceof ArrayBuffer) return packet;
  const copy = new Uint8Array(packet.byteLength);
  copy.set(packet);
  return copy.buffer;
}

/**
 * The page's signaling connection. Server messages are validated before
 * any handler sees them; outgoing messages are typed by the shared contract.
 */
export class SignalingClient {
  private readonly socket: NetrollSocket;
  private readonly events = new Emitter<SignalingEvents>();
  private readonly ackTimeoutMs: number;
  /** The server URL this client connects to first (its resume record is kept for it). */
  readonly url: string;
  /** `url`, then the fallback urls: tried in turn on reconnection. */
  private readonly urls: readonly string[];
  private urlIndex = 0;
  private readonly storageKey: string | false;
  private readonly reconnectDelayMs: number;
  private readonly reconnectDelayMaxMs: number;
  private assignment: Assignment | null = null;
  /** The seat's resume secret while the session lives (null before it formed, after leave, after a final refusal). */
  private secret: string | null = null;
  /** The server has this connection in the seat now. */
  private bound = false;
  private resuming = false;
  private everConnected = false;
  private closed = false;
  private stateNow: SignalingState = 'connecting';
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly pendingSignals: { to: number; kind: SignalKind; data: unknown }[] = [];
  /** Seats the server has a connection for (as last told: assignment, resume reply, peer-left, peer-resumed). */
  private readonly present = new Set<number>();
  private relayDroppedCount = 0;
  private signalsDroppedCount = 0;
  /** The server's last `timeout` since the last join (it may come in the same batch as the event before it). */
  private waitTimedOut: WaitTimeout | null = null;

  constructor(options: SignalingOptions = {}) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
    this.url = options.url ?? (globalThis as { location?: { origin?: string } }).location?.origin ?? '';
    this.storageKey = options.resumeStorageKey === undefined ? RESUME_STORAGE_KEY : options.resumeStorageKey;
    this.reconnectDelayMs = options.reconnectDelayMs ?? 250;
    this.reconnectDelayMaxMs = options.reconnectDelayMaxMs ?? 1000;
    if (!(this.reconnectDelayMs > 0 && this.reconnectDelayMaxMs >= this.reconnectDelayMs)) {
      throw new NetrollError(ErrorCode.InvalidOption, 'signaling: reconnectDelayMs must be > 0 and reconnectDelayMaxMs >= reconnectDelayMs');
    }
    const fallbacks: readonly string[] = options.fallbackUrls ?? [];
    const given: unknown = fallbacks;
    if (!Array.isArray(given) || given.length > 16 || given.some((u: unknown) => typeof u !== 'string' || u === '')) {
      throw new NetrollError(ErrorCode.InvalidOption, 'signaling: fallbackUrls must be a list of at most 16 server URLs');
    }
    this.urls = [this.url, ...fallbacks];
    this.socket = io(this.url, {
      transports: ['websocket'],
      timeout: options.connectTimeoutMs ?? 10_000,
      // Before a session forms: a few attempts (join reports an unreachable server). Once seated: no cap.
      reconnectionAttempts: 5,
      reconnectionDelay: this.reconnectDelayMs,
      reconnectionDelayMax: this.reconnectDelayMaxMs,
      randomizationFactor: 0.3,
    });
    const s = this.socket;
    if (this.urls.length > 1) {
      // The next node on each attempt: socket.io's manager opens its next transport on `uri`.
      s.io.on('reconnect_attempt', () => {
        this.urlIndex = (this.urlIndex + 1) % this.urls.length;
        Reflect.set(s.io, 'uri', this.urls[this.urlIndex]);
      });
    }
    s.on('connect', () => {
      this.events.emit('connection', { connected: true });
      const first = !this.everConnected;
      this.everConnected = true;
      if (this.secret === null) return this.setState(first ? 'connected' : 'regained');
      this.setState('regained');
      void this.autoResume();
    });
    s.on('disconnect', (reason) => {
      this.bound = false;
      this.events.emit('connection', { connected: false, reason });
      if (this.closed) return;
      this.setState('lost', { reason });
      // A server that closed the connection itself (e.g. shutting down for a restart) is not retried by socket.io.
      if (reason === 'io server disconnect' && this.secret !== null) this.scheduleReconnect();
    });
    s.on('connect_error', (err) => this.events.emit('error', errorInfo(ErrorCode.Unreachable, `server unreachable: ${err.message}`)));
    s.on('assigned', (raw: unknown) => {
      const a = assignmentSchema.safeParse(raw);
      if (!a.success) return this.bad('assigned', `malformed assignment (${describe(a.error.issues)})`);
      this.takeSeat(a.data);
      this.events.emit('assigned', a.data);
    });
    s.on('peer-resumed', (raw: unknown) => {
      const m = peerResumedSchema.safeParse(raw);
      if (!m.success) return this.bad('peer-resumed', `malformed peer-resumed (${describe(m.error.issues)})`);
      this.present.add(m.data.playerIndex);
      this.flushSignals();
      this.events.emit('peer-resumed', m.data);
    });
    s.on('seat-lost', (raw: unknown) => {
      const m = seatLostSchema.safeParse(raw);
      if (!m.success) return this.bad('seat-lost', `malformed seat-lost (${describe(m.error.issues)})`);
      this.bound = false;
      this.giveUp(errorInfo(ErrorCode.Unauthorized, `seat lost: ${m.data.reason}`, 'resume'));
    });
    s.on('signal', (raw: unknown) => {
      const m = signalMessageSchema.safeParse(raw);
      if (!m.success) return this.bad('signal', `malformed signal (${describe(m.error.issues)})`);
      this.events.emit('signal', m.data);
    });
    s.on('relay', (...args: unknown[]) => {
      const m = relayArgsSchema.safeParse(args);
      if (!m.success) return this.bad('relay', `malformed relay packet (${describe(m.error.issues)})`);
      const [from, packet] = m.data;
      this.events.emit('relay', { from, packet: ownBuffer(packet) });
    });
    s.on('seat-taken', (raw: unknown) => {
      const m = seatTakenSchema.safeParse(raw);
      if (!m.success) return this.bad('seat-taken', `malformed seat-taken (${describe(m.error.issues)})`);
      this.present.add(m.data.player.index);
      this.flushSignals();
      this.events.emit('seat-taken', m.data);
    });
    s.on('seat-freed', (raw: unknown) => {
      const m = seatFreedSchema.safeParse(raw);
      if (!m.success) return this.bad('seat-freed', `malformed seat-freed (${describe(m.error.issues)})`);
      this.present.delete(m.data.playerIndex);
      this.events.emit('seat-freed', m.data);
    });
    s.on('peer-left', (raw: unknown) => {
      const m = peerLeftSchema.safeParse(raw);
      if (!m.success) return this.bad('peer-left', `malformed peer-left (${describe(m.error.issues)})`);
      this.present.delete(m.data.playerIndex);
      this.events.emit('peer-left', m.data);
    });
    s.on('waiting', (raw: unknown) => {
      const m = waitingSchema.safeParse(raw);
      if (!m.success) return this.bad('waiting', `malformed waiting (${describe(m.error.issues)})`);
      this.events.emit('waiting', m.data);
    });
    s.on('timeout', (raw: unknown) => {
      const m = waitTimeoutSchema.safeParse(raw);
      if (!m.success) return this.bad('timeout', `malformed timeout (${describe(m.error.issues)})`);
      this.waitTimedOut = m.data;
      this.events.emit('timeout', m.data);
    });
    s.on('probe-outcome', (raw: unknown) => {
      const m = probeOutcomeSchema.safeParse(raw);
      if (!m.success) return this.bad('probe-outcome', `malformed probe-outcome (${describe(m.error.issues)})`);
      // a dissolved group's assignment is over at once: the next `assigned` may follow in the same batch
      if (!m.data.passed) this.assignment = null;
      this.events.emit('probe-outcome', m.data);
    });
    s.on('error', (raw: unknown) => {
      const m = errorInfoSchema.safeParse(raw);
      if (!m.success) return this.bad('error', `malformed error (${describe(m.error.issues)})`);
      this.events.emit('error', m.data);
    });
  }

  /** Subscribe to an event; returns the unsubscribe function. */
  on<K extends keyof SignalingEvents>(type: K, handler: (payload: SignalingEvents[K]) => void): () => void {
    return this.events.on(type, handler);
  }

  /** The socket.io socket itself (the spectator feed speaks its own events on it). */
  get rawSocket(): NetrollSocket {
    return this.socket;
  }

  /** The assignment, once the session formed. */
  get current(): Assignment | null {
    return this.assignment;
  }

  /** The server URL this client connects (or last tried to connect) to: `url` or one of `fallbackUrls`. */
  get serverUrl(): string {
    return this.urls[this.urlIndex]!;
  }

  /** Whether the socket is connected to the server now. */
  get connected(): boolean {
    return this.socket.connected;
  }

  /** The signaling state now (see {@link SignalingState}). */
  get state(): SignalingState {
    return this.stateNow;
  }

  /** Whether the server has this connection in its seat now (relay and signals reach the others). */
  get seated(): boolean {
    return this.bound && this.socket.connected;
  }

  /** Relay packets dropped because the seat was not bound (disconnected or resuming), never queued. */
  get relayDropped(): number {
    return this.relayDroppedCount;
  }

  /** Held signals dropped because more than {@link MAX_PENDING_SIGNALS} waited for the seat. */
  get signalsDropped(): number {
    return this.signalsDroppedCount;
  }

  /**
   * Take a seat back with its resume secret (from an assignment, or the
   * record a reload finds in sessionStorage): the server rebinds this
   * connection to it, even after a restart. Afterwards the client keeps it
   * like a joined seat (automatic resume on every reconnect).
   *
   * @throws NetrollError (as the rejection) with the server's code
   *   (`unauthorized` for a forged, expired or revoked secret, `already-joined`,
   *   `rate-limited`), `bad-server-message` for a malformed reply,
   *   `unreachable` when no reply comes within the ack timeout.
   */
  resume(secret: string): Promise<{ assignment: Assignment; present: readonly number[] }> {
    return new Promise((resolve, reject) => {
      this.socket.timeout(this.ackTimeoutMs).emit('resume', { secret }, (err: Error | null, raw: unknown) => {
        if (err) return reject(new NetrollError(ErrorCode.Unreachable, `the server did not answer resume within ${this.ackTimeoutMs} ms`, { event: 'resume' }));
        const reply = resumeReplySchema.safeParse(raw);
        if (!reply.success) return reject(new NetrollError(ErrorCode.BadServerMessage, `malformed resume reply (${describe(reply.error.issues)})`, { event: 'resume' }));
        if (!reply.data.ok) return reject(NetrollError.fromInfo(reply.data.error));
        const { assignment, present } = reply.data;
        if (this.closed) return reject(new NetrollError(ErrorCode.InvalidState, 'signaling closed', { event: 'resume' }));
        this.takeSeat(assignment, secret);
        this.present.clear();
        for (const p of present) this.present.add(p);
        this.setState('resumed', { assignment, present });
        this.flushSignals();
        resolve({ assignment, present });
      });
    });
  }
  /**
   * Join a room or queue and wait until the session forms.
   *
   * @throws NetrollError (as the rejection) with the server's code on a
   *   refusal, `bad-server-message` for a malformed acknowledgement,
   *   `unreachable` when the server cannot be reached or does not
   *   acknowledge the join in time, and `timeout` when no session formed
   *   within `timeoutMs` or the server gave up on the join (its `timeout`).
   */
  join(request: JoinRequest, timeoutMs = 120_000): Promise<Assignment> {
    this.waitTimedOut = null;
    return new Promise<Assignment>((resolve, reject) => {
      let done = false;
      const finish = (err: NetrollError | null, a?: Assignment) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearTimeout(ackTimer);
        off();
        offError();
        offTimeout();
        if (err) reject(err);
        else if (a) resolve(a);
      };
      const off = this.on('assigned', (a) => finish(null, a));
      const offError = this.on('error', (e) => {
        if (e.code === ErrorCode.Unreachable && !this.socket.active) finish(NetrollError.fromInfo({ ...e, event: 'join' }));
      });
      const offTimeout = this.on('timeout', ({ waitedMs }) =>
        finish(new NetrollError(ErrorCode.Timeout, `no session formed: the server gave up after ${waitedMs} ms of waiting`, { event: 'join' })),
      );
      const timer = setTimeout(() => finish(new NetrollError(ErrorCode.Timeout, `no session formed within ${timeoutMs} ms`, { event: 'join' })), timeoutMs);
      let ackTimer: ReturnType<typeof setTimeout> | undefined;
      let retries = 0;
      const send = (): void => {
        ackTimer = setTimeout(
          () => finish(new NetrollError(ErrorCode.Unreachable, `the server did not acknowledge join within ${this.ackTimeoutMs} ms`, { event: 'join' })),
          this.ackTimeoutMs,
        );
        this.socket.emit('join', request, (raw: unknown) => {
          clearTimeout(ackTimer);
          const reply = joinReplySchema.safeParse(raw);
          if (!reply.success) {
            finish(new NetrollError(ErrorCode.BadServerMessage, `malformed join acknowledgement (${describe(reply.error.issues)})`, { event: 'join' }));
          } else if (!reply.data.ok && reply.data.error.code === ErrorCode.Unavailable && retries < JOIN_RETRIES && !done) {
            // The server could not reach its shared state in time and holds nothing for this join: try again, later each time.
            ackTimer = setTimeout(send, JOIN_RETRY_MS * 2 ** retries++);
          } else if (!reply.data.ok) {
            finish(NetrollError.fromInfo(reply.data.error));
          }
        });
      };
      send();
      if (this.assignment) finish(null, this.assignment);
    });
  }

  /**
   * After a failed RTT probe: forget the dissolved group's assignment and
   * wait for the next one (this client is back in the queue).
   *
   * @throws NetrollError (as the rejection) `timeout` when the server gives
   *   up waiting or nothing comes within `timeoutMs`, or the server's code
   *   (e.g. `rtt-too-high`) when it refuses this client.
   */
  nextAssignment(timeoutMs: number): Promise<Assignment> {
    return new Promise<Assignment>((resolve, reject) => {
      const offs: (() => void)[] = [];
      const finish = (err: NetrollError | null, a?: Assignment) => {
        clearTimeout(timer);
        for (const off of offs) off();
        if (err) reject(err);
        else resolve(a!);
      };
      const timer = setTimeout(() => finish(new NetrollError(ErrorCode.Timeout, `no session formed within ${timeoutMs} ms`, { event: 'join' })), timeoutMs);
      offs.push(
        this.on('assigned', (a) => finish(null, a)),
        this.on('timeout', ({ waitedMs }) => finish(new NetrollError(ErrorCode.Timeout, `no session formed: the server gave up after ${waitedMs} ms of waiting`, { event: 'join' }))),
        this.on('error', (e) => {
          if (e.event === 'join' || (e.code === ErrorCode.Unreachable && !this.socket.active)) finish(NetrollError.fromInfo(e));
        }),
      );
      // what already came (in the batch that decided the probe)
      if (this.assignment) finish(null, this.assignment);
      else if (this.waitTimedOut) finish(new NetrollError(ErrorCode.Timeout, `no session formed: the server gave up after ${this.waitTimedOut.waitedMs} ms of waiting`, { event: 'join' }));
    });
  }

  /** Report this member's measured RTTs to the server (tentative, latency-gated group). */
  probeResult(result: ProbeResult): void {
    this.socket.emit('probe-result', result);
  }

  /**
   * Send a WebRTC signaling message to member `to` (through the server).
   * While a seated client's seat is not bound (signaling lost), or `to` has
   * no connection to the server (it lost it, or has not resumed after a
   * server restart yet), it is held and sent once both are back.
   */
  signal(to: number, kind: SignalKind, data: unknown): void {
    if (this.secret !== null && (!this.seated || !this.present.has(to))) {
      if (this.pendingSignals.length >= MAX_PENDING_SIGNALS) {
        this.pendingSignals.shift();
        this.signalsDroppedCount++;
      }
      this.pendingSignals.push({ to, kind, data });
      return;
    }
    this.socket.emit('signal', { to, kind, data });
  }

  /**
   * Send a packet to member `to` through the server relay. Volatile: when
   * the seat is not bound (connection lost, or not resumed yet) the packet is
   * dropped and counted ({@link relayDropped}), never queued for later.
   */
  relay(to: number, packet: ArrayBuffer): void {
    if (!this.socket.connected || (this.secret !== null && !this.bound)) {
      this.relayDroppedCount++;
      return;
    }
    this.socket.emit('relay', to, packet);
  }

  /** Report this member's live figures to the server (for the dashboard); dropped while not connected. */
  liveStats(stats: LiveStats): void {
    if (!this.socket.connected) return;
    this.socket.emit('live-stats', stats);
  }

  /** A late joiner loaded its state transfer: its provisional seat becomes its own (`late-joined`). */
  lateJoined(): void {
    if (this.socket.connected) this.socket.emit('late-joined');
  }

  /** Leave the waiting group or session: the seat's resume secret is forgotten (and refused by the server). */
  leave(): void {
    this.socket.emit('leave');
    this.forgetSeat();
  }

  /**
   * Fresh TURN credentials for this client's seat (they expire at
   * `turnExpiresAt`); pass the servers to `RTCPeerConnection.setConfiguration`
   * before an ICE restart.
   *
   * @throws NetrollError (as the rejection) with the server's code on a
   *   refusal (e.g. `not-in-session`), `bad-server-message` for a malformed
   *   reply, `unreachable` when no reply comes in time.
   */
  refreshIceServers(): Promise<{ iceServers: IceServer[]; turn: boolean; expiresAt?: number }> {
    return new Promise((resolve, reject) => {
      this.socket.timeout(this.ackTimeoutMs).emit('turn-credentials', (err: Error | null, raw: unknown) => {
        if (err) return reject(new NetrollError(ErrorCode.Unreachable, `the server did not answer turn-credentials within ${this.ackTimeoutMs} ms`, { event: 'turn-credentials' }));
        const reply = turnReplySchema.safeParse(raw);
        if (!reply.success) return reject(new NetrollError(ErrorCode.BadServerMessage, `malformed turn-credentials reply (${describe(reply.error.issues)})`, { event: 'turn-credentials' }));
        if (!reply.data.ok) return reject(NetrollError.fromInfo(reply.data.error));
        const { iceServers, turn, expiresAt } = reply.data;
        resolve({ iceServers: [...iceServers], turn, ...(expiresAt !== undefined ? { expiresAt } : {}) });
      });
    });
  }

  /** Close the connection (no more reconnection or resume). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.bound = false;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.pendingSignals.length = 0;
    this.socket.close();
    this.setState('closed');
  }

  // ---------------------------------------------------------------- internals

  /** This connection holds the seat of `a`: keep its secret, reconnect without a cap while the session lives. */
  private takeSeat(a: Assignment, secret?: string): void {
    if (this.assignment?.sessionId !== a.sessionId) {
      this.present.clear();
      for (const p of a.players) this.present.add(p.index);
    }
    this.assignment = a;
    this.bound = true;
    const s = a.resume ?? secret ?? null;
    this.secret = s;
    if (s === null) return;
    this.socket.io.reconnectionAttempts(Infinity);
    if (this.storageKey !== false) saveResumeRecord({ server: this.url, secret: s, session: a.sessionId, playerIndex: a.playerIndex }, this.storageKey);
  }

  private forgetSeat(): void {
    this.secret = null;
    this.pendingSignals.length = 0;
    this.socket.io.reconnectionAttempts(5);
    if (this.storageKey !== false) clearResumeRecord(this.storageKey);
  }

  private giveUp(error: ErrorInfo): void {
    this.forgetSeat();
    this.setState('resume-failed', { reason: error.message, error });
  }

  /** Sends `resume` until the seat is bound, the server refuses for good, or the connection drops (the next connect tries again). */
  private async autoResume(): Promise<void> {
    if (this.resuming) return;
    this.resuming = true;
    try {
      for (let attempt = 0; this.socket.connected && !this.closed && !this.bound && this.secret !== null; attempt++) {
        try {
          await this.resume(this.secret);
          return;
        } catch (e) {
          const info = e instanceof NetrollError ? e.toInfo() : errorInfo(ErrorCode.Internal, String(e), 'resume');
          if (FINAL_RESUME_CODES.has(info.code)) return this.giveUp(info);
          await new Promise((r) => setTimeout(r, this.backoff(attempt)));
        }
      }
    } finally {
      this.resuming = false;
    }
  }

  private backoff(attempt: number): number {
    return Math.min(this.reconnectDelayMaxMs, this.reconnectDelayMs * 2 ** Math.min(attempt, 16));
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer !== null || this.closed) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closed && !this.socket.connected) this.socket.connect();
    }, this.reconnectDelayMs);
  }

  /** Sends the held signals whose target is present (in order), keeps the others. */
  private flushSignals(): void {
    if (!this.seated) return;
    const held = this.pendingSignals.splice(0);
    for (const m of held) {
      if (this.present.has(m.to)) this.socket.emit('signal', m);
      else this.pendingSignals.push(m);
    }
  }

  private setState(state: SignalingState, extra: Omit<SignalingStateChange, 'state'> = {}): void {
    this.stateNow = state;
    this.events.emit('state', { state, ...extra });
  }

  private bad(event: string, message: string): void {
    this.events.emit('error', errorInfo(ErrorCode.BadServerMessage, message, event));
  }
}
