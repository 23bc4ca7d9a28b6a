/**
 * The socket.io contract between netroll's browser client and its server:
 * typed event maps for `Socket<…>` / `Server<…>`, the limits, and zod
 * schemas for every message a client sends (the server trusts nothing) and
 * for what the server sends (so the browser need not trust it either).
 *
 * Pure TypeScript: no DOM, worker or Node globals.
 *
 * Flow: a client `join`s a room or a queue; when the group is full every
 * member receives `assigned` (same session id, seed and player list; its own
 * `playerIndex`). Members then exchange WebRTC `signal`s, and may `relay`
 * binary packets through the server when no DataChannel can be opened.
 */
import { z } from 'zod';
import { ErrorCode, type ErrorInfo, isErrorCode } from '../contracts/errors.ts';
import { CONNECTION_TYPES, ROUTES } from '../contracts/vocabulary.ts';
import { measureJson } from './json-size.ts';

/** Fewest players a session can have. */
export const MIN_SESSION_PLAYERS = 2;
/** Most players a session can have (full mesh). */
export const MAX_SESSION_PLAYERS = 8;
/** Queue used when a `join` names neither a room nor a queue. */
export const DEFAULT_QUEUE = 'default';
/** Room, queue and client ids: 1 to 64 of `A-Z a-z 0-9 _ -`. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Longest display name, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 64;
/** Largest `signal` payload: `data` as UTF-8 JSON, in bytes. */
export const MAX_SIGNAL_DATA_BYTES = 16 * 1024;
/** Deepest nesting of a `signal`'s `data` (arrays and objects), so no deep value reaches a recursive encoder. */
export const MAX_SIGNAL_DATA_DEPTH = 32;
/**
 * Largest `relay` packet, in bytes: the engine's largest input packet
 * (13-byte header + 255 frames × 8 players × 16 bytes = 32,653 bytes) with
 * some room; a DataChannel message of the engine is never bigger.
 */
export const MAX_RELAY_PACKET_BYTES = 34 * 1024;
/** Most keys of a join's `metadata`. */
export const MAX_METADATA_KEYS = 32;
/** Largest `metadata`, as UTF-8 JSON, in bytes. */
export const MAX_METADATA_BYTES = 4096;
/** Longest string value in `metadata`, in characters. */
export const MAX_METADATA_STRING = 512;
/** Shortest and longest wait a `join` may ask for before the server gives up on it (`waitTimeoutMs`), ms. */
export const MIN_WAIT_TIMEOUT_MS = 1000;
/** See {@link MIN_WAIT_TIMEOUT_MS}; the server's own `waitTimeoutMs` caps it too. */
export const MAX_WAIT_TIMEOUT_MS = 3_600_000;
/** Largest `maxRttMs` a queue join may ask for, ms. */
export const MAX_RTT_LIMIT_MS = 10_000;
/** Pings per link whose median is the RTT an RTT probe reports. */
export const RTT_PROBE_PINGS = 5;
/** Most spectators one session can have. */
export const MAX_SPECTATORS = 32;
/**
 * A member's spectator setting (the `spectators` field of `join`): `p2p` feeds
 * spectators over DataChannels while it has peer slots, `server` only through
 * the server's fan-out, `off` refuses every spectator of the session.
 */
export type SpectatorMode = 'p2p' | 'server' | 'off';
/** Every {@link SpectatorMode}. */
export const SPECTATOR_MODES = ['p2p', 'server', 'off'] as const satisfies readonly SpectatorMode[];
/** How a spectator's stream travels: `p2p` from one player over a DataChannel, `server` fanned out by the server. */
export type SpectatorPath = 'p2p' | 'server';
/** Every {@link SpectatorPath}. */
export const SPECTATOR_PATHS = ['p2p', 'server'] as const satisfies readonly SpectatorPath[];
/** Largest spectator stream message through the server, bytes (as the stream's own limit). */
export const MAX_SPECTATOR_PACKET_BYTES = 34 * 1024;
/** Room secret length, in characters (printable ASCII). */
export const MIN_ROOM_SECRET_LENGTH = 8;
/** Longest room secret, in characters. */
export const MAX_ROOM_SECRET_LENGTH = 128;
/**
 * Longest resume secret, in characters: a signed token that carries the
 * session's player list (8 players with 64-character ids and names fit).
 */
export const MAX_RESUME_SECRET_LENGTH = 8192;

/** The error model is netroll's one (src/contracts): server replies and `error` events carry an {@link ErrorInfo}. */
export { ErrorCode, type ErrorInfo } from '../contracts/errors.ts';

// ---------------------------------------------------------------------------
// Client messages (the server validates them).

/** Marker put in a zod issue's `params` when the reason is size, so the server can answer `too-large`. */
export const TOO_LARGE_PARAM = { netroll: ErrorCode.TooLarge } as const;

const idSchema = z
  .string({ error: 'must be a string' })
  .regex(ID_PATTERN, { error: 'must be 1 to 64 characters of A-Z a-z 0-9 _ -' });

// Control characters (C0, DEL, C1) and lone surrogates are refused in names.
// eslint-disable-next-line no-control-regex
const NAME_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Participant metadata: flat key → string, number or boolean pairs (e.g.
 * `{ condition: 'B', age: 31 }`), at most {@link MAX_METADATA_KEYS} keys of
 * 1 to 64 `A-Z a-z 0-9 _ . -` characters, strings up to
 * {@link MAX_METADATA_STRING} characters, {@link MAX_METADATA_BYTES} in all.
 */
export const metadataSchema = z
  .record(
    z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'keys must be 1 to 64 characters of A-Z a-z 0-9 _ . -' }),
    z.union([
      z.string().max(MAX_METADATA_STRING, { error: `strings must be at most ${MAX_METADATA_STRING} characters` }),
      z.number().finite(),
      z.boolean(),
    ], { error: 'values must be strings, finite numbers or booleans' }),
    { error: 'must be an object of flat values' },
  )
  .superRefine((m, ctx) => {
    if (Object.keys(m).length > MAX_METADATA_KEYS) {
      ctx.addIssue({ code: 'custom', message: `must have at most ${MAX_METADATA_KEYS} keys`, params: TOO_LARGE_PARAM });
    } else if (new TextEncoder().encode(JSON.stringify(m)).length > MAX_METADATA_BYTES) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_METADATA_BYTES} bytes of JSON`, params: TOO_LARGE_PARAM });
    }
  });
/** Participant metadata (from {@link metadataSchema}). */
export type ParticipantMetadata = Readonly<z.infer<typeof metadataSchema>>;

/** Player index on the wire: an integer 0..7. */
export const playerIndexSchema = z
  .number({ error: 'must be a player index (a number)' })
  .int({ error: 'must be a player index (an integer)' })
  .min(0, { error: 'must be a player index (at least 0)' })
  .max(MAX_SESSION_PLAYERS - 1, { error: `must be a player index (at most ${MAX_SESSION_PLAYERS - 1})` });

/** `join` payload. Give at most one of `room` and `queue`; neither means queue {@link DEFAULT_QUEUE}. Rejects unknown keys. */
export const joinRequestSchema = z
  .strictObject(
    {
      /** A named group that starts once `players` members have joined it. */
      room: idSchema.optional(),
      /** Matchmaking: the first `players` clients asking for this queue and player count form a session. */
      queue: idSchema.optional(),
      /**
       * Late join: take a free seat of this running session (its id, as in
       * the members' assignment) instead of waiting in a room or queue.
       * `players` must be the session's seat count. Refused with `not-found`
       * when the session ended (or never existed) and `session-full` when no
       * seat is free. Not with `room`, `queue`, `secret`, `maxRttMs` or `startPlayers`.
       */
      session: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }).optional(),
      /**
       * Free seats: the session starts once this many (2..`players`) have
       * joined; seats `startPlayers..players − 1` stay free, and later joins
       * of the same room (same secret) or queue take them while the session
       * runs (late join: the assignment's `lateJoin`). Default `players`
       * (no free seats). Not with `maxRttMs`.
       */
      startPlayers: z
        .number({ error: 'must be a number' })
        .int({ error: 'must be an integer' })
        .min(MIN_SESSION_PLAYERS, { error: `must be at least ${MIN_SESSION_PLAYERS}` })
        .max(MAX_SESSION_PLAYERS, { error: `must be at most ${MAX_SESSION_PLAYERS}` })
        .optional(),
      /** Session size, 2..8. */
      players: z
        .number({ error: 'must be a number' })
        .int({ error: 'must be an integer' })
        .min(MIN_SESSION_PLAYERS, { error: `must be at least ${MIN_SESSION_PLAYERS}` })
        .max(MAX_SESSION_PLAYERS, { error: `must be at most ${MAX_SESSION_PLAYERS}` }),
      /** Display name (at most 64 characters, no control characters); defaults to `Player <index+1>`. */
      name: z
        .string({ error: 'must be a string' })
        .min(1, { error: 'must not be empty' })
        .max(MAX_NAME_LENGTH, { error: `must be at most ${MAX_NAME_LENGTH} characters` })
        .refine((s) => !NAME_FORBIDDEN.test(s), { error: 'must not contain control characters' })
        .optional(),
      /** Stable id of this client ({@link ID_PATTERN}); the server makes one up if absent. */
      clientId: idSchema.optional(),
      /**
       * The study participant's id ({@link ID_PATTERN}, e.g. from the page's
       * `?participant=`): stored with the session, never shown to the other
       * players. A second join of the same id while it waits or plays is
       * refused (`duplicate-participant`), and so is one after it completed a
       * session (`participant-completed`, unless the server allows re-entry).
       */
      participantId: idSchema.optional(),
      /** Participant metadata stored with the session (see {@link metadataSchema}). */
      metadata: metadataSchema.optional(),
      /**
       * Give up waiting after this long, ms ({@link MIN_WAIT_TIMEOUT_MS} to
       * {@link MAX_WAIT_TIMEOUT_MS}; the server's `waitTimeoutMs` when absent
       * or longer): the server then sends `timeout` and forgets the join.
       */
      waitTimeoutMs: z
        .number({ error: 'must be a number' })
        .int({ error: 'must be an integer' })
        .min(MIN_WAIT_TIMEOUT_MS, { error: `must be at least ${MIN_WAIT_TIMEOUT_MS}` })
        .max(MAX_WAIT_TIMEOUT_MS, { error: `must be at most ${MAX_WAIT_TIMEOUT_MS}` })
        .optional(),
      /**
       * Queues only: a latency gate. A full group first measures the
       * DataChannel RTT between its members (the median of
       * {@link RTT_PROBE_PINGS} pings per link); it is confirmed only when
       * every link is within this limit, ms. Otherwise its members go back
       * to the front of the queue (never grouped again with the member they
       * failed with). Joins with another limit wait in another queue.
       */
      maxRttMs: z
        .number({ error: 'must be a number' })
        .int({ error: 'must be an integer' })
        .min(1, { error: 'must be at least 1' })
        .max(MAX_RTT_LIMIT_MS, { error: `must be at most ${MAX_RTT_LIMIT_MS}` })
        .optional(),
      /**
       * Room secret (with `room` only): only clients giving the same secret share
       * the room, so nobody without it can take a seat or fix the player count.
       * 8 to 128 printable ASCII characters; share it with the invitation.
       */
      secret: z
        .string({ error: 'must be a string' })
        .min(MIN_ROOM_SECRET_LENGTH, { error: `must be at least ${MIN_ROOM_SECRET_LENGTH} characters` })
        .max(MAX_ROOM_SECRET_LENGTH, { error: `must be at most ${MAX_ROOM_SECRET_LENGTH} characters` })
        .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' })
        .optional(),
      /**
       * Spectators of the session this member is in: `p2p` (default) lets
       * spectators watch, served by this member over a DataChannel while it
       * has peer slots left; `server` lets them watch only through the
       * server's fan-out (this member uploads the stream once, e.g. on a
       * constrained upload); `off` refuses every spectator of the session.
       */
      spectators: z.enum(SPECTATOR_MODES, { error: `must be one of ${SPECTATOR_MODES.join(', ')}` }).optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'join payload must be an object') },
  )
  .refine((r) => r.room === undefined || r.queue === undefined, { error: 'give either room or queue, not both' })
  .refine((r) => r.secret === undefined || r.room !== undefined, { error: 'a secret needs a room' })
  .refine((r) => r.maxRttMs === undefined || r.room === undefined, { error: 'maxRttMs is for queues, not rooms' })
  .refine((r) => r.startPlayers === undefined || r.startPlayers <= r.players, { error: 'startPlayers must be at most players' })
  .refine((r) => r.startPlayers === undefined || r.maxRttMs === undefined, { error: 'startPlayers (free seats) cannot be combined with maxRttMs' })
  .refine(
    (r) => r.session === undefined || (r.room === undefined && r.queue === undefined && r.secret === undefined && r.maxRttMs === undefined && r.startPlayers === undefined),
    { error: 'session (late join) cannot be combined with room, queue, secret, maxRttMs or startPlayers' },
  );
/** `join` payload (from {@link joinRequestSchema}). */
export type JoinRequest = Readonly<z.infer<typeof joinRequestSchema>>;

/** A resume secret on the wire: 1 to {@link MAX_RESUME_SECRET_LENGTH} characters of `A-Z a-z 0-9 _ - .`. */
export const resumeSecretSchema = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(MAX_RESUME_SECRET_LENGTH, { error: `must be at most ${MAX_RESUME_SECRET_LENGTH} characters` })
  .regex(/^[A-Za-z0-9_.-]+$/, { error: 'must be a resume secret (A-Z a-z 0-9 _ - .)' });

/**
 * `resume` payload: rebind this connection to the session and seat a resume
 * secret (from an earlier {@link Assignment}) names, e.g. after a reconnect,
 * a page reload or a server restart. Rejects unknown keys.
 */
export const resumeRequestSchema = z.strictObject(
  { secret: resumeSecretSchema },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'resume payload must be an object') },
);
/** `resume` payload (from {@link resumeRequestSchema}). */
export type ResumeRequest = Readonly<z.infer<typeof resumeRequestSchema>>;

/** WebRTC signalling message kinds (`relink`: the sender's page reloaded and took its seat back, so drop the old link to it and connect anew). */
export const SIGNAL_KINDS = ['offer', 'answer', 'candidate', 'restart', 'relink'] as const;
/** One of {@link SIGNAL_KINDS}. */
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/** A signal's `data`: plain JSON of at most {@link MAX_SIGNAL_DATA_BYTES} bytes and {@link MAX_SIGNAL_DATA_DEPTH} levels. */
const signalDataSchema = z.unknown().superRefine((data, ctx) => {
  const m = measureJson(data, MAX_SIGNAL_DATA_BYTES, MAX_SIGNAL_DATA_DEPTH);
  if (m.ok) return;
  if (m.tooDeep) {
    ctx.addIssue({ code: 'custom', message: `must be nested at most ${MAX_SIGNAL_DATA_DEPTH} levels deep`, params: TOO_LARGE_PARAM });
  } else if (m.code === ErrorCode.TooLarge) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_SIGNAL_DATA_BYTES} bytes of JSON`, params: TOO_LARGE_PARAM });
  } else {
    ctx.addIssue({ code: 'custom', message: 'must be plain JSON (no binary, undefined or non-finite numbers)' });
  }
});

/** Client `signal`: deliver `data` (plain JSON, at most {@link MAX_SIGNAL_DATA_BYTES} serialized) to member `to` of the sender's session. */
export const signalRequestSchema = z.strictObject(
  {
    to: playerIndexSchema,
    kind: z.enum(SIGNAL_KINDS, { error: `must be one of ${SIGNAL_KINDS.join(', ')}` }),
    data: signalDataSchema,
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'signal payload must be an object') },
);
/** Client `signal` (from {@link signalRequestSchema}). */
export type SignalRequest = Readonly<z.infer<typeof signalRequestSchema>>;

/** A relayed packet: `ArrayBuffer` or `Uint8Array` (Node `Buffer` included) of 1..{@link MAX_RELAY_PACKET_BYTES} bytes. */
export const relayPacketSchema = z
  .custom<ArrayBuffer | Uint8Array>((v) => v instanceof ArrayBuffer || v instanceof Uint8Array, {
    error: 'must be binary (ArrayBuffer or Uint8Array)',
  })
  .superRefine((packet, ctx) => {
    if (packet.byteLength === 0) ctx.addIssue({ code: 'custom', message: 'must not be empty' });
    else if (packet.byteLength > MAX_RELAY_PACKET_BYTES) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_RELAY_PACKET_BYTES} bytes`, params: TOO_LARGE_PARAM });
    }
  });

/** `relay` arguments: exactly `(to, packet)` from a client, `(from, packet)` from the server. */
export const relayArgsSchema = z.tuple([playerIndexSchema, relayPacketSchema], {
  error: 'relay takes exactly (to, packet)',
});

/**
 * The cheap check of the server's relay hot path: true exactly when `args`
 * is `(to, packet)` with `to` an integer player index and `packet` binary of
 * 1..{@link MAX_RELAY_PACKET_BYTES} bytes, which {@link relayArgsSchema}
 * accepts too. Anything else goes through the schema, for its error message.
 */
export function isRelayArgs(args: readonly unknown[]): args is readonly [number, ArrayBuffer | Uint8Array] {
  if (args.length !== 2) return false;
  const to = args[0];
  const packet = args[1];
  if (typeof to !== 'number' || !Number.isInteger(to) || to < 0 || to > MAX_SESSION_PLAYERS - 1) return false;
  if (!(packet instanceof Uint8Array) && !(packet instanceof ArrayBuffer)) return false;
  return packet.byteLength > 0 && packet.byteLength <= MAX_RELAY_PACKET_BYTES;
}

/** `live-stats`: what a playing client reports every few seconds (for the live dashboard). */
export const liveStatsSchema = z.strictObject({
  frame: z.number().int().nonnegative(),
  confirmedFrame: z.number().int().min(-1),
  rollbacks: z.number().int().nonnegative(),
  maxRollback: z.number().int().nonnegative(),
  /** Rollback depth → count so far. */
  rollbackHistogram: z.record(z.string().regex(/^\d{1,4}$/), z.number().int().nonnegative()).refine((r) => Object.keys(r).length <= 256, 'too many buckets'),
  stalls: z.number().int().nonnegative(),
  desyncs: z.number().int().nonnegative(),
  links: z
    .array(
      z.strictObject({
        peer: playerIndexSchema,
        connectionType: z.enum(CONNECTION_TYPES),
        route: z.enum(ROUTES),
        rttMs: z.number().finite().nonnegative().max(600_000),
      }),
    )
    .max(MAX_SESSION_PLAYERS - 1),
});
/** `live-stats` (from {@link liveStatsSchema}). */
export type LiveStats = z.infer<typeof liveStatsSchema>;

// ---------------------------------------------------------------------------
// Server messages (the browser client validates them with these same schemas).

/**
 * {@link ErrorInfo}. A code this build does not know (from a newer server)
 * is read as `internal`, its text kept in the message.
 */
export const errorInfoSchema = z
  .object({ code: z.string().max(64), message: z.string().max(4096), event: z.string().max(64).optional() })
  .transform((e): ErrorInfo => {
    const code = isErrorCode(e.code) ? e.code : ErrorCode.Internal;
    const message = code === e.code ? e.message : `${e.code}: ${e.message}`;
    return e.event === undefined ? { code, message } : { code, message, event: e.event };
  });

/** `join` acknowledgement. `waiting` counts the group's members so far, the caller included. */
export const joinReplySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), waiting: z.number().int().min(1).max(MAX_SESSION_PLAYERS) }),
  z.object({ ok: z.literal(false), error: errorInfoSchema }),
]);
/** `join` acknowledgement (from {@link joinReplySchema}). */
export type JoinReply = { readonly ok: true; readonly waiting: number } | { readonly ok: false; readonly error: ErrorInfo };

/** One member of a session: player index (0-based, in join order), client id and display name. */
export const playerInfoSchema = z.object({ index: playerIndexSchema, clientId: z.string().min(1).max(64), name: z.string().max(MAX_NAME_LENGTH) });
/** One member of a session (from {@link playerInfoSchema}). */
export type PlayerInfo = Readonly<z.infer<typeof playerInfoSchema>>;

/** An `RTCIceServer`, as handed to `RTCPeerConnection`. */
export const iceServerSchema = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
/** An ICE server (from {@link iceServerSchema}). */
export type IceServer = Readonly<z.infer<typeof iceServerSchema>>;

/** `assigned`: the session this client is now a member of. */
export const assignmentSchema = z
  .object({
    sessionId: z.string().min(1).max(100),
    /** This client's index into `players`. */
    playerIndex: playerIndexSchema,
    /**
     * Every seated member, ordered by index (= join order). Identical for all
     * members when the session forms; a session with free seats (`seats`)
     * lists only the seats taken when this assignment was made.
     */
    players: z.array(playerInfoSchema.readonly()).min(MIN_SESSION_PLAYERS).max(MAX_SESSION_PLAYERS).readonly(),
    /**
     * The session's seat count when it has free seats (`join`'s `players`
     * with `startPlayers`): seats not in `players` are free, and the
     * engines count them absent (neutral input) until a late joiner takes
     * one (`seat-taken`). Absent: every seat is in `players`.
     */
    seats: z.number().int().min(MIN_SESSION_PLAYERS).max(MAX_SESSION_PLAYERS).optional(),
    /**
     * This member took a free seat of a running session: it starts without
     * state, loads a state transfer from a live member, and sends
     * `late-joined` once it did (the seat is provisional until then).
     */
    lateJoin: z.boolean().optional(),
    /** The game seed (uint32), identical for all members. */
    seed: z.number().int().min(0).max(0xffffffff),
    /**
     * ICE servers for this client. TURN credentials are made by the server for
     * this session and seat, and expire: ask `turn-credentials` for fresh ones.
     */
    iceServers: z.array(iceServerSchema.readonly()).max(16).readonly(),
    /** Whether `iceServers` includes a TURN server. */
    turn: z.boolean(),
    /** When the TURN credentials expire, Unix seconds (present with TURN). */
    turnExpiresAt: z.number().int().optional(),
    /** Token this participant signs its research reports with (absent when the server stores no data). */
    reportToken: z.string().min(1).max(200).optional(),
    /**
     * This seat's resume secret: send it in `resume` to take the seat back on a
     * new connection (after a reconnect, a reload or a server restart). Valid
     * until the session's lifetime ends or the seat `leave`s; keep it private.
     * Always set by this server (optional only for older servers and fixtures).
     */
    resume: resumeSecretSchema.optional(),
    /**
     * Present for a latency-gated queue: this group is tentative. Connect,
     * measure each link's RTT (median of `pings` pings), send `probe-result`
     * within `timeoutMs`, and wait for `probe-outcome` before playing.
     */
    probe: z
      .object({
        maxRttMs: z.number().int().min(1).max(MAX_RTT_LIMIT_MS),
        timeoutMs: z.number().int().min(1).max(600_000),
        pings: z.number().int().min(1).max(100),
      })
      .optional(),
  })
  .refine((a) => a.players.every((p, i) => (a.seats === undefined ? p.index === i : i === 0 || p.index > a.players[i - 1]!.index)), {
    error: 'players must be ordered by index, from 0',
  })
  .refine((a) => a.players.every((p) => p.index < (a.seats ?? a.players.length)), { error: 'players must be seats of the session' })
  .refine((a) => a.players.some((p) => p.index === a.playerIndex), { error: 'playerIndex must be one of players' });
/** `assigned` (from {@link assignmentSchema}). */
export type Assignment = Readonly<z.infer<typeof assignmentSchema>>;

/**
 * `resume` acknowledgement: the assignment again (fresh TURN credentials and
 * resume secret) and which seats are bound to a connection right now
 * (`present`, this one included); or why not (`unauthorized` for a forged,
 * expired or revoked secret, `already-joined` when this connection holds
 * another seat or waits in the lobby, `rate-limited`).
 */
export const resumeReplySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), assignment: assignmentSchema, present: z.array(playerIndexSchema).max(MAX_SESSION_PLAYERS).readonly() }),
  z.object({ ok: z.literal(false), error: errorInfoSchema }),
]);
/** `resume` acknowledgement (from {@link resumeReplySchema}). */
export type ResumeReply =
  | { readonly ok: true; readonly assignment: Assignment; readonly present: readonly number[] }
  | { readonly ok: false; readonly error: ErrorInfo };

/** `peer-resumed`: a member took its seat back on a new connection (signals and relay reach it again). */
export const peerResumedSchema = z.object({ playerIndex: playerIndexSchema });
/** `peer-resumed` (from {@link peerResumedSchema}). */
export type PeerResumed = Readonly<z.infer<typeof peerResumedSchema>>;

/**
 * Why the server unbound this connection from its seat: another connection
 * resumed it, or (a late joiner) it did not send `late-joined` in time.
 */
export const SEAT_LOST_REASONS = ['resumed-elsewhere', 'join-timeout'] as const;
/** `seat-lost`: this connection no longer holds its seat (signals and relay no longer reach it). */
export const seatLostSchema = z.object({ reason: z.enum(SEAT_LOST_REASONS) });
/** `seat-lost` (from {@link seatLostSchema}). */
export type SeatLost = Readonly<z.infer<typeof seatLostSchema>>;

/** `seat-taken`: a late joiner took free seat `player.index` of the session (connect to it; it loads a state transfer). */
export const seatTakenSchema = z.object({ player: playerInfoSchema });
/** `seat-taken` (from {@link seatTakenSchema}). */
export type SeatTaken = Readonly<z.infer<typeof seatTakenSchema>>;

/** Why a late joiner's provisional seat is free again: its connection dropped, or it did not send `late-joined` in time. */
export const SEAT_FREED_REASONS = ['vanished', 'join-timeout'] as const;
/** `seat-freed`: a provisional seat (a late joiner that never finished joining) is free again. */
export const seatFreedSchema = z.object({ playerIndex: playerIndexSchema, reason: z.enum(SEAT_FREED_REASONS) });
/** `seat-freed` (from {@link seatFreedSchema}). */
export type SeatFreed = Readonly<z.infer<typeof seatFreedSchema>>;

/** `turn-credentials` acknowledgement: fresh ICE servers for this member's seat, or why not. */
export const turnReplySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), iceServers: z.array(iceServerSchema.readonly()).max(16).readonly(), turn: z.boolean(), expiresAt: z.number().int().optional() }),
  z.object({ ok: z.literal(false), error: errorInfoSchema }),
]);
/** `turn-credentials` acknowledgement (from {@link turnReplySchema}). */
export type TurnReply =
  | { readonly ok: true; readonly iceServers: readonly IceServer[]; readonly turn: boolean; readonly expiresAt?: number }
  | { readonly ok: false; readonly error: ErrorInfo };

/** Server `signal`: `data` from member `from` of the receiver's session. */
export const signalMessageSchema = z.object({ from: playerIndexSchema, kind: z.enum(SIGNAL_KINDS), data: z.unknown() });
/** Server `signal` (from {@link signalMessageSchema}). */
export type SignalMessage = Readonly<z.infer<typeof signalMessageSchema>>;

/** `waiting`: the waiting group changed (someone joined or left); `count` members of `needed` are there. */
export const waitingSchema = z.object({
  count: z.number().int().min(1).max(MAX_SESSION_PLAYERS),
  needed: z.number().int().min(MIN_SESSION_PLAYERS).max(MAX_SESSION_PLAYERS),
});
/** `waiting` (from {@link waitingSchema}). */
export type WaitingUpdate = Readonly<z.infer<typeof waitingSchema>>;

/** `timeout`: no session formed within the wait limit; the server forgot the join (join again to wait again). */
export const waitTimeoutSchema = z.object({ waitedMs: z.number().int().nonnegative().max(MAX_WAIT_TIMEOUT_MS * 2) });
/** `timeout` (from {@link waitTimeoutSchema}). */
export type WaitTimeout = Readonly<z.infer<typeof waitTimeoutSchema>>;

/** Client `probe-result`: this member's measured RTT to each other member of its tentative group, ms (null: not measured). */
export const probeResultSchema = z.strictObject({
  rtts: z
    .array(z.strictObject({ peer: playerIndexSchema, rttMs: z.number().finite().nonnegative().max(600_000).nullable() }))
    .max(MAX_SESSION_PLAYERS - 1),
});
/** Client `probe-result` (from {@link probeResultSchema}). */
export type ProbeResult = Readonly<z.infer<typeof probeResultSchema>>;

/**
 * `probe-outcome`: the tentative group's RTT probe is decided. `passed`:
 * play on. Otherwise the group is gone: `requeued` (this client waits at the
 * front of the queue again, for its next `assigned`) or not (it was re-queued
 * too often: an `rtt-too-high` error follows).
 */
export const probeOutcomeSchema = z.object({
  passed: z.boolean(),
  requeued: z.boolean(),
  /** The worst link RTT measured in the group, ms (null: not measured in time). */
  worstRttMs: z.number().finite().nonnegative().nullable(),
});
/** `probe-outcome` (from {@link probeOutcomeSchema}). */
export type ProbeOutcome = Readonly<z.infer<typeof probeOutcomeSchema>>;

/** Why a member left: `left` (it said `leave`) or `disconnected` (its server connection dropped). */
export const PEER_LEFT_REASONS = ['left', 'disconnected'] as const;

/** `peer-left`: a member left the session (`leave`) or lost its connection. */
export const peerLeftSchema = z.object({ playerIndex: playerIndexSchema, reason: z.enum(PEER_LEFT_REASONS) });
/** `peer-left` (from {@link peerLeftSchema}). */
export type PeerLeft = Readonly<z.infer<typeof peerLeftSchema>>;


// ---------------------------------------------------------------------------
// Spectators (see the README's Spectators section).

/** A spectator id: 22 characters of base64url, made by the server. */
export const spectatorIdSchema = z.string({ error: 'must be a string' }).regex(/^[A-Za-z0-9_-]{22}$/, { error: 'must be a spectator id' });

/**
 * `watch` payload: watch session `sessionId` (its id is unguessable: only
 * those it was shared with can ask). `adminToken` is needed when the server
 * lets only its admins watch (`spectators: 'admin'`). `via` asks for a
 * delivery path; `auto` (default) takes a player's free peer slot and else
 * the server's fan-out. `p2p` with no free slot falls back to the server.
 */
export const watchRequestSchema = z.strictObject(
  {
    sessionId: z.string({ error: 'must be a string' }).min(1).max(100),
    adminToken: z.string({ error: 'must be a string' }).min(1).max(256).optional(),
    via: z.enum(['auto', ...SPECTATOR_PATHS], { error: 'must be auto, p2p or server' }).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'watch payload must be an object') },
);
/** `watch` payload (from {@link watchRequestSchema}). */
export type WatchRequest = Readonly<z.infer<typeof watchRequestSchema>>;

/** Client `spectator-signal`: WebRTC signaling between a spectator and the player feeding it (a player names the spectator). */
export const spectatorSignalRequestSchema = z.strictObject(
  { spectatorId: spectatorIdSchema.optional(), kind: z.enum(SIGNAL_KINDS, { error: `must be one of ${SIGNAL_KINDS.join(', ')}` }), data: signalDataSchema },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'spectator-signal payload must be an object') },
);
/** Client `spectator-signal` (from {@link spectatorSignalRequestSchema}). */
export type SpectatorSignalRequest = Readonly<z.infer<typeof spectatorSignalRequestSchema>>;

/** A spectator stream message through the server: binary, 1..{@link MAX_SPECTATOR_PACKET_BYTES} bytes. */
const spectatorPacketSchema = z
  .custom<ArrayBuffer | Uint8Array>((v) => v instanceof ArrayBuffer || v instanceof Uint8Array, { error: 'must be binary (ArrayBuffer or Uint8Array)' })
  .superRefine((packet, ctx) => {
    if (packet.byteLength === 0) ctx.addIssue({ code: 'custom', message: 'must not be empty' });
    else if (packet.byteLength > MAX_SPECTATOR_PACKET_BYTES) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_SPECTATOR_PACKET_BYTES} bytes`, params: TOO_LARGE_PARAM });
    }
  });

/** Client `spectator-data` arguments `(to, packet)`: a feeding player's stream message for one spectator, or `*` for all its server-path spectators. */
export const spectatorDataArgsSchema = z.tuple([z.union([spectatorIdSchema, z.literal('*')]), spectatorPacketSchema], {
  error: 'spectator-data takes exactly (to, packet)',
});

/** Server `spectator-data` arguments `(packet)`: one stream message. */
export const spectatorDataMessageSchema = z.tuple([spectatorPacketSchema], { error: 'spectator-data carries exactly (packet)' });

/** `watch` acknowledgement: the spectator's id, its path and feeding player, ICE servers for the P2P path. */
export const watchReplySchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    spectatorId: spectatorIdSchema,
    path: z.enum(SPECTATOR_PATHS),
    feeder: playerIndexSchema,
    iceServers: z.array(iceServerSchema.readonly()).max(16).readonly(),
  }),
  z.object({ ok: z.literal(false), error: errorInfoSchema }),
]);
/** `watch` acknowledgement (from {@link watchReplySchema}). */
export type WatchReply =
  | { readonly ok: true; readonly spectatorId: string; readonly path: SpectatorPath; readonly feeder: number; readonly iceServers: readonly IceServer[] }
  | { readonly ok: false; readonly error: ErrorInfo };

/**
 * Server `spectator` (to a feeding player): `add` a spectator (open a
 * DataChannel to it, or start its server stream with a snapshot), `remove`
 * it, or send it a fresh `snapshot` (it lost part of its stream).
 */
export const spectatorNoticeSchema = z.object({
  spectatorId: spectatorIdSchema,
  action: z.enum(['add', 'remove', 'snapshot']),
  path: z.enum(SPECTATOR_PATHS),
  iceServers: z.array(iceServerSchema.readonly()).max(16).readonly().optional(),
});
/** Server `spectator` (from {@link spectatorNoticeSchema}). */
export type SpectatorNotice = Readonly<z.infer<typeof spectatorNoticeSchema>>;

/** Server `spectator-signal`: from the feeding player (to a spectator: no id) or from a spectator (to its feeder: its id). */
export const spectatorSignalMessageSchema = z.object({ spectatorId: spectatorIdSchema.optional(), kind: z.enum(SIGNAL_KINDS), data: z.unknown() });
/** Server `spectator-signal` (from {@link spectatorSignalMessageSchema}). */
export type SpectatorSignalMessage = Readonly<z.infer<typeof spectatorSignalMessageSchema>>;

/** Why watching ended: the session ended, spectating was turned off, the feeding player left, or the spectator was removed. */
export const WATCH_END_REASONS = ['session-ended', 'disabled', 'feeder-left'] as const;
/** Server `watch-ended`. */
export const watchEndedSchema = z.object({ reason: z.enum(WATCH_END_REASONS) });
/** Server `watch-ended` (from {@link watchEndedSchema}). */
export type WatchEnded = Readonly<z.infer<typeof watchEndedSchema>>;

// ---------------------------------------------------------------------------

/**
 * Turns a failed parse into an {@link ErrorInfo}: `too-large` for size
 * issues, else `invalid-message`. `argNames` names positional arguments
 * (for argument-tuple schemas like {@link relayArgsSchema}).
 */
export function errorFromIssues(event: string, issues: readonly z.core.$ZodIssue[], argNames: readonly string[] = []): ErrorInfo {
  const tooLarge = issues.some((i) => i.code === 'custom' && i.params?.['netroll'] === ErrorCode.TooLarge);
  const label = (path: readonly PropertyKey[]): string =>
    path.map((p, i) => (i === 0 && typeof p === 'number' ? (argNames[p] ?? `argument ${p + 1}`) : String(p))).join('.');
  const message = issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${label(i.path)}: ${i.message}` : i.message))
    .join('; ');
  return { code: tooLarge ? ErrorCode.TooLarge : ErrorCode.InvalidMessage, message: `${event}: ${message}`, event };
}

/** Events a client emits. */
export interface ClientToServerEvents {
  /** Join a room or queue. The ack always answers; on failure an `error` event is sent as well. */
  join: (request: JoinRequest, ack: (reply: JoinReply) => void) => void;
  /** Forward a WebRTC signalling message to another member of the session. */
  signal: (message: SignalRequest) => void;
  /**
   * Input-relay fallback: forward the bytes a DataChannel would carry (at most
   * {@link MAX_RELAY_PACKET_BYTES}) to member `to`. Node's `Buffer` is a `Uint8Array`.
   */
  relay: (to: number, packet: ArrayBuffer | Uint8Array) => void;
  /** Leave the waiting group or session (no-op otherwise). Arguments are ignored. */
  leave: () => void;
  /** Live figures of a session member, for the dashboard. */
  'live-stats': (stats: LiveStats) => void;
  /** Fresh TURN credentials for this member's seat (only while in a session). */
  'turn-credentials': (ack: (reply: TurnReply) => void) => void;
  /** Take a seat back with its resume secret (rate-limited like `join`). The ack always answers. */
  resume: (request: ResumeRequest, ack: (reply: ResumeReply) => void) => void;
  /** A late joiner loaded its state transfer and plays: its provisional seat is its own now. Arguments are ignored. */
  'late-joined': () => void;
  /** This member's RTT probe measurements (only in a tentative, latency-gated group). */
  'probe-result': (result: ProbeResult) => void;
  /** Watch a session as a spectator (not while waiting or playing). */
  watch: (request: WatchRequest, ack: (reply: WatchReply) => void) => void;
  /** WebRTC signaling between a spectator and the player feeding it. */
  'spectator-signal': (message: SpectatorSignalRequest) => void;
  /** A feeding player's spectator stream message, for one server-path spectator or all (`*`). */
  'spectator-data': (to: string, packet: ArrayBuffer | Uint8Array) => void;
}

/** Events the server emits. */
export interface ServerToClientEvents {
  assigned: (assignment: Assignment) => void;
  signal: (message: SignalMessage) => void;
  /** A relayed packet from member `from`. (In Node, socket.io-client delivers a `Buffer`.) */
  relay: (from: number, packet: ArrayBuffer) => void;
  'peer-left': (event: PeerLeft) => void;
  /** A member took its seat back on a new connection. */
  'peer-resumed': (event: PeerResumed) => void;
  /** This connection lost its seat (another connection resumed it, or its late join timed out). */
  'seat-lost': (event: SeatLost) => void;
  /** A late joiner took a free seat. */
  'seat-taken': (event: SeatTaken) => void;
  /** A late joiner's provisional seat is free again. */
  'seat-freed': (event: SeatFreed) => void;
  /** The waiting room changed: pushed to every waiting member on every join and departure. */
  waiting: (update: WaitingUpdate) => void;
  /** This client waited longer than its wait limit; it is no longer waiting. */
  timeout: (event: WaitTimeout) => void;
  /** The RTT probe of this client's tentative group is decided. */
  'probe-outcome': (outcome: ProbeOutcome) => void;
  /** A message from this client was rejected. */
  error: (error: ErrorInfo) => void;
  /** To a feeding player: a spectator to add, remove or re-snapshot. */
  spectator: (notice: SpectatorNotice) => void;
  /** WebRTC signaling between a spectator and the player feeding it. */
  'spectator-signal': (message: SpectatorSignalMessage) => void;
  /** To a spectator: one message of its stream. */
  'spectator-data': (packet: ArrayBuffer) => void;
  /** To a spectator: watching ended. */
  'watch-ended': (event: WatchEnded) => void;
}

