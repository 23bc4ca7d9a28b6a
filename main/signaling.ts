/**
 * The page's connection to the netroll server: lobby join, assignment,
 * signaling messages and the input-relay fallback, over socket.io with the
 * typed event maps shared with the server. Every server message is checked
 * before use; a malformed one is reported as an error event, never thrown.
 */
import { io, type Socket } from 'socket.io-client';
import type {
  Assignment,
  ClientToServerEvents,
  ErrorInfo,
  JoinReply,
  JoinRequest,
  PeerLeft,
  ServerToClientEvents,
  SignalKind,
  SignalMessage,
} from '../src/signaling/events.ts';
import { SIGNAL_KINDS } from '../src/signaling/events.ts';
import { Emitter } from '../src/engine/events.ts';

export type NetrollSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Events of a {@link SignalingClient}. */
export interface SignalingEvents {
  assigned: Assignment;
  signal: SignalMessage;
  relay: { from: number; packet: ArrayBuffer };
  'peer-left': PeerLeft;
  /** An error the server reported, or a malformed server message. */
  error: ErrorInfo | { code: 'bad-server-message' | 'unreachable'; message: string; event?: string };
  /** The socket connection state changed. */
  connection: { connected: boolean; reason?: string };
}

export interface SignalingOptions {
  /** Server URL, e.g. `http://localhost:8080` (default: this page's origin). */
  url?: string;
  /** Give up connecting after this long, ms. Default 10,000. */
  connectTimeoutMs?: number;
  /** Wait this long for the join acknowledgement, ms. Default 5,000. */
  ackTimeoutMs?: number;
}

/** A typed error for lobby and signaling failures. */
export class SignalingError extends Error {
  override name = 'SignalingError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 8;

/** Validate an `assigned` payload from the server (it could be anything). */
export function parseAssignment(v: unknown): Assignment | null {
  if (!isObject(v)) return null;
  const { sessionId, playerIndex, players, seed, iceServers, turn } = v;
  if (typeof sessionId !== 'string' || sessionId.length === 0 || !isIndex(playerIndex)) return null;
  if (!Array.isArray(players) || players.length < 2 || players.length > 8 || playerIndex >= players.length) return null;
  if (!players.every((p, i) => isObject(p) && p.index === i && typeof p.clientId === 'string' && typeof p.name === 'string')) return null;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) return null;
  if (!Array.isArray(iceServers) || !iceServers.every((s) => isObject(s) && (typeof s.urls === 'string' || Array.isArray(s.urls)))) return null;
  if (typeof turn !== 'boolean') return null;
  return v as unknown as Assignment;
}

export class SignalingClient {
  readonly socket: NetrollSocket;
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
    s.on('connect_error', (err) => this.events.emit('error', { code: 'unreachable', message: `server unreachable: ${err.message}` }));
    s.on('assigned', (raw: unknown) => {
      const a = parseAssignment(raw);
      if (!a) return this.bad('assigned', 'malformed assignment');
      this.assignment = a;
      this.events.emit('assigned', a);
    });
    s.on('signal', (raw: unknown) => {
      if (!isObject(raw) || !isIndex(raw.from) || !SIGNAL_KINDS.includes(raw.kind as SignalKind)) return this.bad('signal', 'malformed signal');
      this.events.emit('signal', raw as unknown as SignalMessage);
    });
    s.on('relay', (from: unknown, packet: unknown) => {
      if (!isIndex(from) || !(packet instanceof ArrayBuffer)) return this.bad('relay', 'malformed relay packet');
      this.events.emit('relay', { from, packet });
    });
    s.on('peer-left', (raw: unknown) => {
      if (!isObject(raw) || !isIndex(raw.playerIndex)) return this.bad('peer-left', 'malformed peer-left');
      this.events.emit('peer-left', raw as unknown as PeerLeft);
    });
    s.on('error', (raw: unknown) => {
      if (!isObject(raw) || typeof raw.code !== 'string' || typeof raw.message !== 'string') return this.bad('error', 'malformed error');
      this.events.emit('error', raw as unknown as ErrorInfo);
    });
  }

  on<K extends keyof SignalingEvents>(type: K, handler: (payload: SignalingEvents[K]) => void): () => void {
    return this.events.on(type, handler);
  }

  /** The assignment, once the session formed. */
  get current(): Assignment | null {
    return this.assignment;
  }

  /**
   * Join a room or queue and wait until the session forms.
   * Rejects with a SignalingError on a refusal, a missing or malformed
   * acknowledgement, or when `timeoutMs` passes without an assignment.
   */
  join(request: JoinRequest, timeoutMs = 120_000): Promise<Assignment> {
    return new Promise<Assignment>((resolve, reject) => {
      let done = false;
      const finish = (err: SignalingError | null, a?: Assignment) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearTimeout(ackTimer);
        off();
        offError();
        if (err) reject(err);
        else resolve(a!);
      };
      const off = this.on('assigned', (a) => finish(null, a));
      const offError = this.on('error', (e) => {
        if (e.code === 'unreachable' && !this.socket.active) finish(new SignalingError(e.code, e.message));
      });
      const timer = setTimeout(() => finish(new SignalingError('timeout', `no session formed within ${timeoutMs} ms`)), timeoutMs);
      const ackTimer = setTimeout(
        () => finish(new SignalingError('no-ack', `the server did not acknowledge join within ${this.ackTimeoutMs} ms`)),
        this.ackTimeoutMs,
      );
      this.socket.emit('join', request, (reply: JoinReply) => {
        clearTimeout(ackTimer);
        if (!isObject(reply) || typeof reply.ok !== 'boolean') {
          finish(new SignalingError('bad-server-message', 'malformed join acknowledgement'));
        } else if (!reply.ok) {
          const e = isObject(reply.error) ? reply.error : { code: 'refused', message: 'join refused' };
          finish(new SignalingError(String(e.code), String(e.message)));
        }
      });
      if (this.assignment) finish(null, this.assignment);
    });
  }

  signal(to: number, kind: SignalKind, data: unknown): void {
    this.socket.emit('signal', { to, kind, data });
  }

  relay(to: number, packet: ArrayBuffer): void {
    this.socket.emit('relay', to, packet);
  }

  leave(): void {
    this.socket.emit('leave');
  }

  close(): void {
    this.socket.close();
  }

  private bad(event: string, message: string): void {
    this.events.emit('error', { code: 'bad-server-message', message, event });
  }
}
