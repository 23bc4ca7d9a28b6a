/**
 * A spectator's server connection: asks the server to `watch` a session,
 * and when the connection drops and comes back (a network blip, a server
 * restart), asks again, since the server forgot the spectator with its old
 * connection. Each new `watch` gets a new spectator id, feeder and path, and
 * the feeder starts the stream again with a fresh snapshot.
 *
 * Re-watching: on every reconnection, `watch` is sent again. A refusal that
 * can pass (`not-found`: after a server restart the session exists again only
 * once a player resumed its seat; `rate-limited`; no answer) is retried with
 * backoff ({@link REWATCH_RETRY_MS} doubling up to {@link REWATCH_RETRY_MAX_MS});
 * any other refusal ends watching. A server that closed the connection itself
 * (shutting down) is reconnected to by hand, as socket.io does not.
 *
 * Bounds: one `watch` in flight at a time; re-watching stops `rewatchWindowMs`
 * (default {@link DEFAULT_REWATCH_WINDOW_MS}) after the connection was lost,
 * and the connection is then closed (`gave-up`).
 *
 * No DOM here: it runs in a page and in Node (tests use it against a real server).
 */
import { io, type Socket } from 'socket.io-client';
import { ErrorCode, type ErrorInfo, NetrollError } from '../src/contracts/errors.ts';
import { Emitter } from '../src/engine/events.ts';
import { type ClientToServerEvents, type ServerToClientEvents, type WatchEnded, watchEndedSchema, type WatchReply, watchReplySchema, type WatchRequest } from '../src/signaling/events.ts';

/** A socket of the spectator protocol. */
export type WatchSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long a viewer keeps trying to watch again after its connection was lost, ms (as a player's rejoin window). */
export const DEFAULT_REWATCH_WINDOW_MS = 60_000;
/** First delay before a refused re-watch is tried again, ms. */
export const REWATCH_RETRY_MS = 250;
/** Longest delay between re-watch attempts, ms. */
export const REWATCH_RETRY_MAX_MS = 4000;

/** Refusals a re-watch tries again (the others end watching). */
const RETRYABLE: ReadonlySet<string> = new Set([ErrorCode.NotFound, ErrorCode.RateLimited, ErrorCode.Unreachable, ErrorCode.BadServerMessage]);

/** An accepted `watch`. */
export type WatchAccepted = Extract<WatchReply, { ok: true }>;

/** Events of a {@link WatchConnection}. */
export type WatchConnectionEvents = {
  /** The connection dropped: the stream stops; re-watching starts when it is back. */
  lost: { reason: string };
  /** Watching again after a loss, from a fresh snapshot (`attempts` `watch` requests, `lostMs` since the loss). */
  rewatched: { reply: WatchAccepted; attempts: number; lostMs: number };
  /** The server ended watching (`watch-ended`). */
  ended: WatchEnded;
  /** Re-watching failed for good (a refusal that cannot pass, or the window ran out); the connection is closed. */
  'gave-up': { error: ErrorInfo };
};

/** {@link WatchConnection} options. */
export interface WatchConnectionOptions {
  /** netroll server URL. */
  server: string;
  /** What to ask the server (sent again on every re-watch). */
  request: WatchRequest;
  /** Longest wait for one `watch` answer, ms (also socket.io's connect timeout). Default 10,000. */
  timeoutMs?: number;
  /** Re-watching stops this long after the connection was lost, ms. Default {@link DEFAULT_REWATCH_WINDOW_MS}. */
  rewatchWindowMs?: number;
  /** Clock, ms (for `lostMs`). Default `Date.now`. */
  now?: () => number;
}

/** A spectator's connection to the server, watching one session and re-watching after a loss. */
export class WatchConnection {
  /** The socket (stream messages and spectator signals arrive on it; its handlers survive reconnections). */
  readonly socket: WatchSocket;
  private readonly events = new Emitter<WatchConnectionEvents>();
  private readonly timeoutMs: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private current: WatchAccepted | null = null;
  /** When the connection was lost, while not watching again yet. */
  private lostAt: number | null = null;
  private attempts = 0;
  /** Bumped on every loss and attempt: answers to an older attempt are ignored. */
  private generation = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private windowTimer: ReturnType<typeof setTimeout> | null = null;
  private lastError: ErrorInfo | null = null;
  private done = false;

  constructor(private readonly options: WatchConnectionOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.windowMs = options.rewatchWindowMs ?? DEFAULT_REWATCH_WINDOW_MS;
    if (!(Number.isFinite(this.windowMs) && this.windowMs >= 0 && this.windowMs <= 3_600_000)) {
      throw new NetrollError(ErrorCode.InvalidOption, `rewatchWindowMs must be 0..3,600,000 ms, got ${this.windowMs}`);
    }
    this.now = options.now ?? Date.now;
    // Reconnection: socket.io's, without a cap, 250 ms doubling to 2 s (±30 %, so many viewers do not come back at once).
    this.socket = io(options.server, { transports: ['websocket'], timeout: this.timeoutMs, reconnectionDelay: 250, reconnectionDelayMax: 2000, randomizationFactor: 0.3 });
    this.socket.on('disconnect', (reason) => this.onLost(reason));
    this.socket.on('connect', () => {
      if (this.lostAt !== null) this.rewatch();
    });
    this.socket.on('watch-ended', (raw: unknown) => {
      const m = watchEndedSchema.safeParse(raw);
      if (!m.success || this.done) return;
      this.finish();
      this.events.emit('ended', m.data);
    });
  }

  /** The accepted `watch` now (a new one after each re-watch), or null before the first and while lost. */
  get watching(): WatchAccepted | null {
    return this.current;
  }

  /** Subscribe to an event; returns unsubscribe. */
  on<K extends keyof WatchConnectionEvents>(type: K, handler: (event: WatchConnectionEvents[K]) => void): () => void {
    return this.events.on(type, handler);
  }

  /**
   * The first `watch`. Rejects with the server's refusal as a NetrollError,
   * `unreachable` without an answer, `bad-server-message` for a malformed one
   * (the connection is then closed).
   */
  async start(): Promise<WatchAccepted> {
    try {
      const reply = await this.ask();
      this.current = reply;
      return reply;
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Stop: leave the server, no more re-watching. */
  close(): void {
    if (!this.done) this.socket.emit('leave');
    this.finish();
  }

  private finish(): void {
    this.done = true;
    this.clearTimers();
    this.socket.close();
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.windowTimer !== null) clearTimeout(this.windowTimer);
    this.retryTimer = this.windowTimer = null;
  }

  /** One `watch` request and its checked answer. */
  private async ask(): Promise<WatchAccepted> {
    const raw: unknown = await this.socket
      .timeout(this.timeoutMs)
      .emitWithAck('watch', this.options.request)
      .catch(() => {
        throw new NetrollError(ErrorCode.Unreachable, `the server did not answer watch within ${this.timeoutMs} ms`, { event: 'watch' });
      });
    const parsed = watchReplySchema.safeParse(raw);
    if (!parsed.success) throw new NetrollError(ErrorCode.BadServerMessage, 'malformed watch acknowledgement', { event: 'watch' });
    if (!parsed.data.ok) throw NetrollError.fromInfo(parsed.data.error);
    return parsed.data;
  }

  private onLost(reason: string): void {
    if (this.done || this.current === null && this.lostAt === null) return; // closed, or the first watch is still under way
    this.generation++;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.lostAt === null) {
      this.lostAt = this.now();
      this.current = null;
      this.attempts = 0;
      this.lastError = null;
      this.windowTimer = setTimeout(() => this.giveUp(this.lastError ?? { code: ErrorCode.Unreachable, message: `could not watch again within ${this.windowMs} ms of losing the server`, event: 'watch' }), this.windowMs);
      this.events.emit('lost', { reason });
    }
    // A server that closed the connection itself (shutting down for a restart) is not retried by socket.io.
    if (reason === 'io server disconnect') this.retryLater(() => this.socket.connect());
  }

  private rewatch(): void {
    if (this.done || this.lostAt === null || !this.socket.connected) return;
    const generation = ++this.generation;
    this.attempts++;
    this.ask().then(
      (reply) => {
        if (generation !== this.generation || this.done || this.lostAt === null) return;
        const lostMs = this.now() - this.lostAt;
        this.lostAt = null;
        this.clearTimers();
        this.current = reply;
        this.events.emit('rewatched', { reply, attempts: this.attempts, lostMs });
      },
      (e: unknown) => {
        if (generation !== this.generation || this.done) return;
        const error: ErrorInfo = e instanceof NetrollError ? e.toInfo() : { code: ErrorCode.Unreachable, message: String(e), event: 'watch' };
        this.lastError = error;
        if (!RETRYABLE.has(error.code)) return this.giveUp(error);
        this.retryLater(() => this.rewatch());
      },
    );
  }

  private retryLater(fn: () => void): void {
    if (this.retryTimer !== null || this.done) return;
    const delay = Math.min(REWATCH_RETRY_MAX_MS, REWATCH_RETRY_MS * 2 ** Math.min(this.attempts, 8));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.done) fn();
    }, delay);
  }

  private giveUp(error: ErrorInfo): void {
    if (this.done) return;
    this.finish();
    this.events.emit('gave-up', { error });
  }
}
