/**
 * The page's connection to the netroll server: lobby join, assignment,
 * signaling messages, live stats and the input-relay fallback, over
 * socket.io with the typed event maps shared with the server. Every server
 * message is validated with the same zod schemas the contract defines
 * (src/signaling/events.ts); a malformed one is reported as a
 * `bad-server-message` error event, never thrown and never passed on.
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
  relayArgsSchema,
  type ServerToClientEvents,
  type SignalKind,
  type SignalMessage,
  signalMessageSchema,
  turnReplySchema,
  type WaitingUpdate,
  waitingSchema,
  type WaitTimeout,
  waitTimeoutSchema,
} from '../src/signaling/events.ts';

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
  /** The waiting room changed: `count` of `needed` players are waiting (pushed on every join and departure). */
  waiting: WaitingUpdate;
  /** The server gave up on this client's join after its wait limit. */
  timeout: WaitTimeout;
}

/** What a {@link SignalingClient} needs. */
export interface SignalingOptions {
  /** Server URL, e.g. `http://localhost:8080` (default: this page's origin). */
  url?: string;
  /** Give up connecting after this long, ms. Default 10,000. */
  connectTimeoutMs?: number;
  /** Wait this long for the join acknowledgement, ms. Default 5,000. */
  ackTimeoutMs?: number;
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
  private assignment: Assignment | null = null;

  constructor(options: SignalingOptions = {}) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
    this.socket = io(options.url ?? globalThis.location?.origin ?? '', {
      transports: ['websocket'],
      timeout: options.connectTimeoutMs ?? 10_000,
      reconnectionAttempts: 5,
    });
    const s = this.socket;
    s.on('connect', () => this.events.emit('connection', { connected: true }));
    s.on('disconnect', (reason) => this.events.emit('connection', { connected: false, reason }));
    s.on('connect_error', (err) => this.events.emit('error', errorInfo(ErrorCode.Unreachable, `server unreachable: ${err.message}`)));
    s.on('assigned', (raw: unknown) => {
      const a = assignmentSchema.safeParse(raw);
      if (!a.success) return this.bad('assigned', `malformed assignment (${describe(a.error.issues)})`);
      this.assignment = a.data;
      this.events.emit('assigned', a.data);
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
    s.on('peer-left', (raw: unknown) => {
      const m = peerLeftSchema.safeParse(raw);
      if (!m.success) return this.bad('peer-left', `malformed peer-left (${describe(m.error.issues)})`);
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
      this.events.emit('timeout', m.data);
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

  /** The assignment, once the session formed. */
  get current(): Assignment | null {
    return this.assignment;
  }

  /** Whether the socket is connected to the server now. */
  get connected(): boolean {
    return this.socket.connected;
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
      const ackTimer = setTimeout(
        () => finish(new NetrollError(ErrorCode.Unreachable, `the server did not acknowledge join within ${this.ackTimeoutMs} ms`, { event: 'join' })),
        this.ackTimeoutMs,
      );
      this.socket.emit('join', request, (raw: unknown) => {
        clearTimeout(ackTimer);
        const reply = joinReplySchema.safeParse(raw);
        if (!reply.success) {
          finish(new NetrollError(ErrorCode.BadServerMessage, `malformed join acknowledgement (${describe(reply.error.issues)})`, { event: 'join' }));
        } else if (!reply.data.ok) {
          finish(NetrollError.fromInfo(reply.data.error));
        }
      });
      if (this.assignment) finish(null, this.assignment);
    });
  }

  /** Send a WebRTC signaling message to member `to` (through the server). */
  signal(to: number, kind: SignalKind, data: unknown): void {
    this.socket.emit('signal', { to, kind, data });
  }

  /** Send a packet to member `to` through the server relay. */
  relay(to: number, packet: ArrayBuffer): void {
    this.socket.emit('relay', to, packet);
  }

  /** Report this member's live figures to the server (for the dashboard). */
  liveStats(stats: LiveStats): void {
    this.socket.emit('live-stats', stats);
  }

  /** Leave the waiting group or session. */
  leave(): void {
    this.socket.emit('leave');
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

  /** Close the connection. */
  close(): void {
    this.socket.close();
  }

  private bad(event: string, message: string): void {
    this.events.emit('error', errorInfo(ErrorCode.BadServerMessage, message, event));
  }
}
