/**
 * netroll's one error model. Every failure, whether thrown, returned in a
 * server reply or carried by an `error` event, has a {@link ErrorCode}:
 * thrown errors are {@link NetrollError}s, and what crosses a boundary is its
 * plain {@link ErrorInfo} form. The README lists every code.
 *
 * Pure TypeScript: no DOM, worker or Node globals.
 */

/** Every error code netroll uses, by layer. */
export const ErrorCode = {
  // ── options and API misuse (thrown synchronously) ──
  /** An option or argument is out of range or of the wrong type. */
  InvalidOption: 'invalid-option',
  /** The call is not allowed in the current state (e.g. a disposed session). */
  InvalidState: 'invalid-state',
  // ── signaling messages (server replies and client-side validation) ──
  /** The message had the wrong shape, types or arguments. */
  InvalidMessage: 'invalid-message',
  /** An event the server does not know. */
  UnknownEvent: 'unknown-event',
  /** `signal`/`relay` from a client that is not in a session. */
  NotInSession: 'not-in-session',
  /** `signal`/`relay` to an index that is not another current member of the sender's session. */
  UnknownPeer: 'unknown-peer',
  /** A payload is over its size (or nesting) limit. */
  TooLarge: 'too-large',
  /** `join` from a client already waiting or in a session (`leave` first). */
  AlreadyJoined: 'already-joined',
  /** `join` to a room whose waiting group was opened with another player count. */
  PlayersMismatch: 'players-mismatch',
  /** `join` with a client id already waiting in the same room or queue. */
  DuplicateClient: 'duplicate-client',
  /** `join` with a participant id that is already waiting or playing (e.g. a second tab). */
  DuplicateParticipant: 'duplicate-participant',
  /** `join` with a participant id that already completed a session (re-entry is refused). */
  ParticipantCompleted: 'participant-completed',
  /** The RTT probe of a latency-gated queue found no partner within `maxRttMs` often enough (or it timed out). */
  RttTooHigh: 'rtt-too-high',
  /** Too many messages or bytes too fast; the message was dropped. */
  RateLimited: 'rate-limited',
  /** `watch` of a session that has its 32 spectators already. */
  SpectatorsFull: 'spectators-full',
  /** `watch` of a session whose players (or the server) turned spectating off. */
  SpectatingDisabled: 'spectating-disabled',
  /** `join` of a running session (late join) that has no free seat left. */
  SessionFull: 'session-full',
  /** The request lacks valid credentials (token, room secret, origin). */
  Unauthorized: 'unauthorized',
  /** The server failed; the message may not have been handled. */
  Internal: 'internal',
  /**
   * The server could not reach the state it shares with other nodes (Redis) in
   * time, and made sure the request changed nothing: retry it after a short,
   * growing delay.
   */
  Unavailable: 'unavailable',
  // ── client side of the connection ──
  /** The server sent something that does not match the contract. */
  BadServerMessage: 'bad-server-message',
  /** The server could not be reached in time. */
  Unreachable: 'unreachable',
  /** An acknowledgement or reply did not arrive in time. */
  Timeout: 'timeout',
  // ── engine and worker ──
  /** A game module could not be loaded or does not implement `Game`. */
  BadGame: 'bad-game',
  /** The game threw while stepping, saving, loading or rendering. */
  GameError: 'game-error',
  /** A stored input log could not be decoded or does not fit the game. */
  BadInputLog: 'bad-input-log',
  /** Replay was given a log recorded with another game or game version. */
  GameVersionMismatch: 'game-version-mismatch',
  // ── research store ──
  /** A research report failed validation. */
  BadReport: 'bad-report',
  /** A research report conflicts with what is already stored. */
  Conflict: 'conflict',
  /** The session or resource does not exist. */
  NotFound: 'not-found',
  /** The research store's disk is at its free-space floor: the upload was not read; retry later. */
  StorageFull: 'storage-full',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** Is `v` one of the {@link ErrorCode} values? */
export function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && CODES.has(v);
}

/** The plain, serialisable form of an error: what server replies and `error` events carry. */
export interface ErrorInfo {
  /** What went wrong, as one of the `ErrorCode` values. */
  readonly code: ErrorCode;
  /** Human-readable explanation, e.g. `players: must be at most 8`. */
  readonly message: string;
  /** The client event that was rejected, when there is one. */
  readonly event?: string;
}

/** The error netroll throws. `code` says what went wrong; `message` says it for people. */
export class NetrollError extends Error {
  /** Always `'NetrollError'`. */
  override name = 'NetrollError';
  /** What went wrong, as one of {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** The event or operation that failed, when there is one. */
  readonly event: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { event?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.event = options?.event;
  }

  /** The plain form, for a reply or an event. */
  toInfo(): ErrorInfo {
    return this.event === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, event: this.event };
  }

  /** Rebuild an error from its plain form (e.g. a server reply). */
  static fromInfo(info: ErrorInfo): NetrollError {
    return new NetrollError(info.code, info.message, info.event === undefined ? undefined : { event: info.event });
  }
}

/** Build the plain form directly (server side, where nothing is thrown). */
export function errorInfo(code: ErrorCode, message: string, event?: string): ErrorInfo {
  return event === undefined ? { code, message } : { code, message, event };
}
