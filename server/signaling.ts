/**
 * socket.io handlers: `join` (lobby → session), `signal` (WebRTC signalling,
 * forwarded only within a session), `relay` (binary input-relay fallback),
 * `leave` and disconnects. Every client message is validated before it can
 * change anything; a rejected one is counted and answered with `error`.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Server, Socket } from 'socket.io';
import {
  DEFAULT_QUEUE,
  ErrorCode,
  errorFromIssues,
  joinRequestSchema,
  isRelayArgs,
  probeResultSchema,
  relayArgsSchema,
  RTT_PROBE_PINGS,
  signalRequestSchema,
  type Assignment,
  type ClientToServerEvents,
  type ErrorInfo,
  type JoinReply,
  type LiveStats,
  liveStatsSchema,
  type PlayerInfo,
  type ServerToClientEvents,
  type TurnReply,
} from '../src/signaling/events.ts';
import type { AbuseLimits, RateLimits } from './config.ts';
import type { ClusterNode } from './cluster/node.ts';
import { type InterNodeEvents, type SessionFormed, seatBoundSchema, seatRoom, sessionFormedSchema } from './cluster/messages.ts';
import type { IpBudgets } from './ip-budgets.ts';
import { type GroupTarget, groupKey, type JoinSettlement, type WaitingClient } from './lobby.ts';
import { DEFAULT_LATE_JOIN_TIMEOUT_MS, LateJoins } from './late-join.ts';
import { TokenBucket } from './rate-limit.ts';
import { resumeHandler } from './resume-handler.ts';
import { ResumeTokens } from './resume.ts';
import { type ProbeRecord, RttGate } from './rtt-gate.ts';
import { type WaitTimeoutRecord, WaitingRoom } from './waiting-room.ts';
import type { Session, SessionRegistry } from './sessions.ts';
import { type SpectatorAccess, spectatorHandlers, spectatorsAfterDeparture } from './spectator-events.ts';
import { SpectatorRegistry } from './spectators.ts';
import type { RejectionCounter } from './stats.ts';
import { coalesceFlushes, pendingBytes, writeRelay } from './relay-write.ts';
import { iceServersFor, turnUserId, type IceConfig } from './turn.ts';

/** Events between the nodes of a cluster (see cluster/messages.ts). */
export type InterServerEvents = InterNodeEvents;
/** Per-socket data kept by socket.io (none yet). */
export type SocketData = Record<string, never>;
/** The typed socket.io server. */
export type NetrollServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
/** A typed server-side socket. */
export type NetrollSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** What the handlers share with the rest of the server. */
export interface SignalingDeps {
  readonly config: IceConfig & {
    readonly rateLimits: RateLimits | false;
    readonly limits: AbuseLimits;
    /** Longest wait in the lobby before `timeout`, ms. Default 120,000. */
    readonly waitTimeoutMs?: number;
    /** Let a participant id that completed a session join again. Default false. */
    readonly allowReentry?: boolean;
    /** Latency-gated queues: probe time limit, ms. Default 15,000. */
    readonly rttProbeTimeoutMs?: number;
    /** Latency-gated queues: failed probes before `rtt-too-high`. Default 3. */
    readonly rttMaxRequeues?: number;
    readonly spectators: SpectatorAccess;
    readonly spectatorPeerSlots: number;
    /** Late join: how long a newcomer's seat stays provisional before it must send `late-joined`, ms. Default 30,000. */
    readonly lateJoinTimeoutMs?: number;
  };
  /** Spectator tables (see spectators.ts); a fresh registry when not given. */
  readonly spectators?: SpectatorRegistry;
  /** The admin token, which lets its holder watch any session. */
  readonly adminToken?: string;
  /** Whether a connection's handshake carries admin credentials (the dashboard's cookie, or the token as a bearer header). */
  readonly isAdmin?: (req: IncomingMessage) => boolean;
  /** Per-IP budgets shared by every connection of an address. */
  readonly ipBudgets: IpBudgets;
  /** This node and what it shares with the others (lobby, seats, revocations); see cluster/node.ts. */
  readonly cluster: ClusterNode;
  readonly sessions: SessionRegistry;
  readonly rejections: RejectionCounter;
  /** Clock in ms (for rate limits and session creation times); defaults to `Date.now`. */
  readonly now?: () => number;
  /** Where unexpected handler failures are reported; defaults to `console.error`. */
  readonly onInternalError?: (err: unknown) => void;
  /**
   * Signs and checks resume secrets (see server/resume.ts). Default: a key
   * generated for this call (secrets then die with the process).
   */
  readonly resumeTokens?: ResumeTokens;
  /** How long after forming a session can be resumed, ms. Default 4 hours. */
  readonly sessionTtlMs?: number;
  /** Research hooks: record formed sessions, sign report tokens, take live stats. */
  readonly research?: {
    /** A session's registry entry was re-created from a resume secret (e.g. after a restart). */
    onSessionRestored?(session: Session): void;
    /** A member took its seat back on a new connection. */
    onMemberResumed?(sessionId: string, playerIndex: number): void;
    onSessionCreated(session: Session, target: GroupTarget, members: readonly WaitingClient[]): void;
    /** A late joiner confirmed its seat (it loaded the game state): a new participant of the session. */
    onMemberJoined?(session: Session, playerIndex: number, client: WaitingClient): void;
    reportToken(sessionId: string, playerIndex: number): string;
    onLiveStats(sessionId: string, playerIndex: number, stats: LiveStats): void;
    onMemberLeft(sessionId: string, playerIndex: number, reason: 'left' | 'disconnected'): void;
    /** Whether a participant id completed a session already (re-entry is refused unless `allowReentry`). */
    participantCompleted?(participantId: string): boolean;
    /** A join waited longer than its limit. */
    onWaitTimeout?(record: WaitTimeoutRecord): void;
    /** The RTT probe of a tentative group was decided. */
    onRttProbe?(record: ProbeRecord): void;
  };
}

const CLIENT_EVENTS: ReadonlySet<string> = new Set<keyof ClientToServerEvents>([
  'join',
  'signal',
  'relay',
  'leave',
  'live-stats',
  'turn-credentials',
  'resume',
  'probe-result',
  'watch',
  'spectator-signal',
  'spectator-data',
  'late-joined',
]);

/** Default session lifetime for resume secrets, ms. */
const DEFAULT_SESSION_TTL_MS = 4 * 3600 * 1000;

/** Counters of what backpressure and byte budgets dropped (for stats). */
export interface DropCounters {
  /** Relay packets dropped because the target's buffer was over the threshold. */
  relayBackpressure: number;
  /** Signals dropped because the target's buffer was over the threshold. */
  signalBackpressure: number;
  /** Relay packets dropped by a byte budget (per connection or per IP). */
  relayOverBudget: number;
  /** Connections refused or closed because their IP was over its connection budget. */
  connectionsRefused: number;
  /** Connections closed for relaying on past their byte budget (`relayFloodDisconnectBytes`). */
  floodDisconnects: number;
  /** Relay packets dropped because the target seat had no connection (its member is away or resuming). */
  relayToAbsent: number;
  /** Messages from other nodes that failed their schema (dropped). */
  malformedFromNodes: number;
}

/** Most remembered clients that stopped waiting while a group may have formed with them elsewhere. */
const MAX_GONE_WAITING = 10_000;
/** How long such a client is remembered, ms (a group formed on another node reaches this one well within it). */
const GONE_WAITING_KEEP_MS = 30_000;

/** Minimum time between two `rate-limited` error events to one client, in ms (drops are always counted). */
const RATE_LIMIT_NOTICE_MS = 1000;

/** Registers netroll's handlers on every connection of `io`. */
export function attachSignaling(io: NetrollServer, deps: SignalingDeps): DropCounters {
  const now = deps.now ?? Date.now;
  const onInternalError = deps.onInternalError ?? ((err: unknown) => console.error('netroll server: handler failed', err instanceof Error ? err.message : err));
  const { cluster, sessions, rejections, config, ipBudgets } = deps;
  const lobby = cluster.lobby;
  const clustered = cluster.clustered;
  const spectators = deps.spectators ?? new SpectatorRegistry();
  const drops: DropCounters = { relayBackpressure: 0, signalBackpressure: 0, relayOverBudget: 0, connectionsRefused: 0, floodDisconnects: 0, relayToAbsent: 0, malformedFromNodes: 0 };
  const tokens = deps.resumeTokens ?? new ResumeTokens(ResumeTokens.generateKey());
  const sessionTtlMs = deps.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const revoked = cluster.revoked;
  /** Sends `event` to the client on `socketId`, on this node or (in a cluster) any other. */
  const emitToSocket = <E extends keyof ServerToClientEvents>(socketId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void => {
    const local = io.sockets.sockets.get(socketId);
    if (local) local.emit(event, ...args);
    else if (clustered) io.to(socketId).emit(event, ...args);
  };
  /** Sends `event` to whoever holds seat `index` of `session`, on this node or (in a cluster) any other. */
  const emitToSeat = <E extends keyof ServerToClientEvents>(session: Session, index: number, event: E, ...args: Parameters<ServerToClientEvents[E]>): void => {
    const m = session.members.get(index);
    const local = m && io.sockets.sockets.get(m.socketId);
    if (local) local.emit(event, ...args);
    else if (clustered) io.to(seatRoom(session.id, index)).emit(event, ...args);
  };
  /** Sends `event` to every seat of `session` but `except`. */
  const emitToPeers = <E extends keyof ServerToClientEvents>(session: Session, except: number, event: E, ...args: Parameters<ServerToClientEvents[E]>): void => {
    for (const p of session.players) if (p.index !== except) emitToSeat(session, p.index, event, ...args);
  };
  /**
   * Binds seat `index` of `session` to this node's connection `socketId`
   * (see {@link SessionRegistry.bind}); in a cluster it also joins the
   * seat's room and is recorded in the shared registry.
   */
  const bindSeat = (session: Session, index: number, socketId: string): { replaced?: string } => {
    const result = sessions.bind(session, index, socketId);
    if (clustered) seatJoined(session, index, socketId, result.replaced);
    return result;
  };
  const seatJoined = (session: Session, index: number, socketId: string, replaced?: string): void => {
    if (!clustered) return;
    const room = seatRoom(session.id, index);
    if (replaced !== undefined) void io.sockets.sockets.get(replaced)?.leave(room);
    void io.sockets.sockets.get(socketId)?.join(room);
    cluster.seats.bound(session.id, index, socketId, session.expiresAt);
  };
  /** The assignment of seat `index` of `session`: fresh TURN credentials, its report token and resume secret. */
  const assignmentFor = (session: Session, index: number): Assignment => {
    const { iceServers, turn, expiresAt } = iceServersFor(config, turnUserId(session.id, index), now());
    return {
      sessionId: session.id,
      playerIndex: index,
      players: session.players,
      seed: session.seed,
      iceServers,
      turn,
      ...(expiresAt !== undefined ? { turnExpiresAt: expiresAt } : {}),
      ...(deps.research ? { reportToken: deps.research.reportToken(session.id, index) } : {}),
      ...(session.seats > session.players.length || session.players.length !== session.players.at(-1)!.index + 1 ? { seats: session.seats } : {}),
      resume: tokens.issue({
        sessionId: session.id,
        playerIndex: index,
        seed: session.seed,
        players: positional(session.players),
        seats: session.seats,
        spectators: Array.from({ length: positional(session.players).length }, (_, i) => spectators.modesOf(session.id)[i] ?? 'p2p'),
        target: session.target,
        createdAt: session.createdAt,
        expiresAt: session.expiresAt,
      }),
    };
  };
  // Room secrets are kept only as salted digests, so stats and memory never hold them (one salt for the whole cluster).
  const secretSalt = cluster.secretSalt;
  const secretDigest = (secret: string): string => createHash('sha256').update(secretSalt).update(secret).digest('base64url');
  const research = deps.research;
  const waitingRoom = new WaitingRoom(lobby, {
    timeoutMs: config.waitTimeoutMs ?? 120_000,
    now,
    send: (socketId, event, payload) => {
      if (event === 'waiting') emitToSocket(socketId, 'waiting', payload as { count: number; needed: number });
      else emitToSocket(socketId, 'timeout', payload as { waitedMs: number });
    },
    onError: onInternalError,
    ...(research?.participantCompleted && !config.allowReentry ? { completed: (pid: string) => research.participantCompleted!(pid) } : {}),
    ...(research?.onWaitTimeout ? { onTimeout: (r: WaitTimeoutRecord) => research.onWaitTimeout!(r) } : {}),
  });
  const lateJoins = new LateJoins({
    io,
    sessions,
    assignmentFor,
    admit: (client) => waitingRoom.admit(client),
    release: (socketId) => waitingRoom.release(socketId),
    seatMode: (sessionId, index, mode) => spectators.seatTaken(sessionId, index, mode),
    timeoutMs: config.lateJoinTimeoutMs ?? DEFAULT_LATE_JOIN_TIMEOUT_MS,
    ...(research?.onMemberJoined ? { onJoined: (session: Session, index: number, client: WaitingClient) => research.onMemberJoined!(session, index, client) } : {}),
  });
  /** Tentative groups of latency-gated queues (their formation, to confirm). */
  const tentative = new Map<string, { session: Session; target: GroupTarget; formed: readonly WaitingClient[] }>();
  const gate = new RttGate(
    { probeTimeoutMs: config.rttProbeTimeoutMs ?? 15_000, maxRequeues: config.rttMaxRequeues ?? 3 },
    {
      send: (socketId, outcome) => io.sockets.sockets.get(socketId)?.emit('probe-outcome', outcome),
      confirm: (sessionId) => {
        const t = tentative.get(sessionId);
        tentative.delete(sessionId);
        if (t) research?.onSessionCreated(t.session, t.target, t.formed);
      },
      dissolve: (sessionId) => {
        const t = tentative.get(sessionId);
        tentative.delete(sessionId);
        for (const m of t?.session.members.values() ?? []) sessions.removeMember(m.socketId);
      },
      requeue: (clients, target, avoid) => {
        waitingRoom
          .requeue(clients.filter((c) => io.sockets.sockets.has(c.socketId)), target, avoid)
          .then((result) => {
            if (result.ok && result.formed) startSession(result.formed, target);
          })
          .catch(onInternalError);
      },
      refuse: (client, worst) => {
        waitingRoom.release(client.socketId);
        const error: ErrorInfo = {
          code: ErrorCode.RttTooHigh,
          message: `no partner within ${worst === null ? 'the RTT limit' : `the RTT limit (worst measured ${Math.round(worst)} ms)`} after ${config.rttMaxRequeues ?? 3} re-queues`,
          event: 'join',
        };
        rejections.add(error.code);
        io.sockets.sockets.get(client.socketId)?.emit('error', error);
      },
      ...(research?.onRttProbe ? { record: (p: ProbeRecord) => research.onRttProbe!(p) } : {}),
    },
  );

  /** Sends every member of a formed group its assignment (a latency-gated group is tentative until its probe passes). */
  function startSession(formed: readonly WaitingClient[], target: GroupTarget): void {
    const t = now();
    // A client told its join failed (`unavailable`) whose join Redis ran after all holds no seat: it counts as gone.
    const isLocal = (socketId: string): boolean => io.sockets.sockets.has(socketId) && !refusedSeat(socketId);
    const session = sessions.create(
      formed,
      t,
      { target: `${target.kind}:${target.name}`, expiresAt: t + sessionTtlMs, ...(target.seats !== undefined ? { seats: target.seats, joinKey: groupKey(target) } : {}) },
      isLocal,
    );
    spectators.sessionStarted(session.id, formed.map((c) => c.spectators ?? 'p2p'));
    if (clustered) {
      for (const [index, m] of session.members) seatJoined(session, index, m.socketId);
      const gone = (socketId: string): boolean => goneWhileWaiting.has(socketId) || refusedSeat(socketId);
      const goneHere = formed.flatMap((c, index) => (!isLocal(c.socketId) && gone(c.socketId) ? [{ index, socketId: c.socketId }] : []));
      const remote = formed.flatMap((c, index) =>
        isLocal(c.socketId) || gone(c.socketId) ? [] : [{ index, socketId: c.socketId, ...(c.spectators ? { spectators: c.spectators } : {}) }],
      );
      queueMicrotask(() => {
        for (const g of goneHere) seatedWhileGone(session.id, formed.length, session.expiresAt, g.index, g.socketId);
      });
      if (remote.length > 0) {
        const message: SessionFormed = {
          session: {
            id: session.id,
            seed: session.seed,
            createdAt: session.createdAt,
            target: session.target,
            expiresAt: Number.isFinite(session.expiresAt) ? session.expiresAt : null,
            players: [...session.players],
          },
          seats: remote,
        };
        io.serverSideEmit('netroll:formed', message);
      }
    }
    const maxRttMs = target.maxRttMs;
    if (maxRttMs === undefined) deps.research?.onSessionCreated(session, target, formed);
    else {
      // tentative until its RTT probe passes (recorded only then)
      tentative.set(session.id, { session, target, formed });
      gate.start(session.id, { ...target, maxRttMs }, formed);
    }
    const probeTimeoutMs = config.rttProbeTimeoutMs ?? 15_000;
    for (const [index, member] of session.members) {
      const assignment: Assignment = {
        ...assignmentFor(session, index),
        ...(maxRttMs !== undefined ? { probe: { maxRttMs, timeoutMs: probeTimeoutMs, pings: RTT_PROBE_PINGS } } : {}),
      };
      io.sockets.sockets.get(member.socketId)?.emit('assigned', assignment);
    }
  }

  /**
   * This node's clients that left or disconnected while waiting (socket id →
   * why, when): a group formed on another node may have seated them just
   * before. Bounded: at most {@link MAX_GONE_WAITING} entries, each kept
   * {@link GONE_WAITING_KEEP_MS}.
   */
  const goneWhileWaiting = new Map<string, { reason: 'left' | 'disconnected'; at: number }>();
  const rememberGone = (socketId: string, reason: 'left' | 'disconnected'): void => {
    const t = now();
    for (const [id, g] of goneWhileWaiting) {
      if (goneWhileWaiting.size < MAX_GONE_WAITING && t - g.at < GONE_WAITING_KEEP_MS) break;
      goneWhileWaiting.delete(id);
    }
    goneWhileWaiting.set(socketId, { reason, at: t });
  };

  /**
   * Clients of this node whose join was answered `unavailable` while Redis
   * may have run it (socket id → until when, ms; Infinity while the join is
   * being cancelled in Redis). A group that seats one of them finds its seat
   * left: a client told its join failed never holds a seat. Bounded: one
   * entry per connection at most; settled entries are kept
   * {@link GONE_WAITING_KEEP_MS} and pruned on every insert.
   */
  const refused = new Map<string, number>();
  const refusedSeat = (socketId: string): boolean => (refused.get(socketId) ?? -Infinity) > now();
  /** The join of `socketId` failed with its outcome unknown: refuse whatever seat it gets until `settling` says what it did. */
  const refuseUntilSettled = (socketId: string, target: GroupTarget, settling: Promise<JoinSettlement>): void => {
    const t = now();
    for (const [id, until] of refused) if (until <= t) refused.delete(id);
    refused.set(socketId, Infinity);
    settling
      .then((s) => {
        if (s.kind === 'cancelled') {
          refused.delete(socketId);
          return;
        }
        // formed: the group starts now with this seat left (which consumes the entry); seated by another
        // join's group (or unknown): that group's announcement may still be on its way
        refused.set(socketId, now() + GONE_WAITING_KEEP_MS);
        if (s.kind === 'formed') startSession(s.formed, target);
      })
      .catch((err: unknown) => {
        refused.set(socketId, now() + GONE_WAITING_KEEP_MS);
        onInternalError(err);
      });
  };

  /** A client of this node was seated while it was leaving (or after its join was refused): the seat is empty from the start; its peers are told. */
  function seatedWhileGone(sessionId: string, players: number, expiresAt: number, index: number, socketId: string): void {
    const gone = goneWhileWaiting.get(socketId) ?? (refusedSeat(socketId) ? { reason: 'left' as const } : undefined);
    if (!gone) return;
    goneWhileWaiting.delete(socketId);
    if (refused.get(socketId) !== Infinity) refused.delete(socketId);
    if (gone.reason === 'left') revoked.revoke(sessionId, index, expiresAt, now());
    for (let p = 0; p < players; p++) if (p !== index) io.to(seatRoom(sessionId, p)).emit('peer-left', { playerIndex: index, reason: gone.reason });
    deps.research?.onMemberLeft(sessionId, index, gone.reason);
  }

  if (clustered) {
    // A group formed on another node: seat this node's members of it.
    io.on('netroll:formed', (raw: unknown) => {
      const parsed = sessionFormedSchema.safeParse(raw);
      if (!parsed.success) {
        drops.malformedFromNodes++;
        return;
      }
      const { session: rec, seats } = parsed.data;
      for (const seat of seats) {
        const socket = io.sockets.sockets.get(seat.socketId);
        const gone = goneWhileWaiting.get(seat.socketId);
        if ((!socket && gone) || refusedSeat(seat.socketId)) {
          seatedWhileGone(rec.id, rec.players.length, rec.expiresAt ?? Infinity, seat.index, seat.socketId);
          continue;
        }
        if (!socket) continue;
        waitingRoom.seatedElsewhere(seat.socketId);
        const { session, restored } = sessions.restore({ ...rec, expiresAt: rec.expiresAt ?? Infinity });
        if (restored) spectators.sessionStarted(session.id, session.players.map((p) => (p.index === seat.index ? (seat.spectators ?? 'p2p') : 'p2p')));
        if (sessions.memberOf(seat.socketId)) continue; // already seated (a repeated message)
        bindSeat(session, seat.index, seat.socketId);
        socket.emit('assigned', assignmentFor(session, seat.index));
      }
    });
    // A seat was resumed on another node: a connection here that still holds it loses it.
    io.on('netroll:seat-bound', (raw: unknown) => {
      const parsed = seatBoundSchema.safeParse(raw);
      if (!parsed.success) {
        drops.malformedFromNodes++;
        return;
      }
      const m = sessions.get(parsed.data.sessionId)?.members.get(parsed.data.index);
      if (!m || m.socketId === parsed.data.socketId) return;
      sessions.removeMember(m.socketId);
      const old = io.sockets.sockets.get(m.socketId);
      void old?.leave(seatRoom(parsed.data.sessionId, parsed.data.index));
      old?.emit('seat-lost', { reason: 'resumed-elsewhere' });
    });
  }

  io.on('connection', (socket) => {
    const ip = socket.handshake.address;
    if (!ipBudgets.connected(ip)) {
      drops.connectionsRefused++;
      rejections.add(ErrorCode.RateLimited);
      socket.emit('error', { code: ErrorCode.RateLimited, message: 'too many connections from this address' });
      socket.disconnect(true);
      return;
    }
    coalesceFlushes(socket);
    const relayBytes = new TokenBucket(config.limits.relayBytesPerSocket, now());
    /** Relay bytes of this connection dropped by its own budget since its last accepted packet. */
    let overBudgetBytes = 0;
    const limits = config.rateLimits;
    const buckets =
      limits === false
        ? undefined
        : {
            join: new TokenBucket(limits.join, now()),
            signal: new TokenBucket(limits.signal, now()),
            relay: new TokenBucket(limits.relay, now()),
          };
    let lastRateNotice = -Infinity;
    let lastAbsentNotice = -Infinity;

    const reject = (error: ErrorInfo): void => {
      rejections.add(error.code);
      const member = sessions.memberOf(socket.id);
      if (member) sessions.recordRejected(member.session);
      socket.emit('error', error);
    };

    /**
     * Takes a token for `event` (per connection and per IP); on an empty
     * bucket counts the drop and (at most once a second) tells the client.
     */
    const allowed = (event: 'join' | 'signal' | 'relay'): boolean => {
      if (!buckets) return true; // message rate limits off (`rateLimits: false`), per connection and per IP
      if (buckets[event].take(now()) && ipBudgets.take(ip, 'messages') && (event !== 'join' || ipBudgets.take(ip, 'joins'))) return true;
      const t = now();
      if (t - lastRateNotice >= RATE_LIMIT_NOTICE_MS) {
        lastRateNotice = t;
        reject({ code: ErrorCode.RateLimited, message: `${event}: too many messages, slow down`, event });
      } else {
        rejections.add(ErrorCode.RateLimited);
        const member = sessions.memberOf(socket.id);
        if (member) sessions.recordRejected(member.session);
      }
      return false;
    };

    const guarded =
      (event: string, handler: (args: unknown[]) => void | Promise<void>) =>
      (...args: unknown[]): void => {
        const failed = (err: unknown): void => {
          onInternalError(err);
          try {
            reject({ code: ErrorCode.Internal, message: `${event}: the server failed to handle this message`, event });
          } catch {
            // The socket is gone; nothing left to tell.
          }
        };
        try {
          const done = handler(args);
          if (done) done.catch(failed);
        } catch (err) {
          failed(err);
        }
      };

    /**
     * The session member the client on this socket addresses as `to`: its
     * connection on this node, or (in a cluster, when it is not here) its
     * seat's room, reached through the adapter; or an error. Only seats of
     * this connection's own session can be addressed.
     */
    const peer = (event: string, to: number): { session: Session; from: number; target: NetrollSocket | string } | ErrorInfo => {
      const me = sessions.memberOf(socket.id);
      if (!me) return { code: ErrorCode.NotInSession, message: `${event}: not in a session (join one first)`, event };
      if (to === me.index) return { code: ErrorCode.UnknownPeer, message: `${event}: cannot send to yourself (player ${to})`, event };
      const member = me.session.members.get(to);
      const target = member && io.sockets.sockets.get(member.socketId);
      if (!target) {
        if (clustered && to < me.session.players.length) return { session: me.session, from: me.index, target: seatRoom(me.session.id, to) };
        return { code: ErrorCode.UnknownPeer, message: `${event}: player ${to} is not in your session`, event };
      }
      return { session: me.session, from: me.index, target };
    };
    /** A join of this connection is waiting for the lobby's answer. */
    let joining = false;

    const handleJoin = async (args: unknown[]): Promise<void> => {
      const last = args[args.length - 1];
      const ack = typeof last === 'function' ? (last as (reply: JoinReply) => void) : undefined;
      const fail = (error: ErrorInfo): void => {
        reject(error);
        ack?.({ ok: false, error });
      };
      if (!allowed('join')) {
        ack?.({ ok: false, error: { code: ErrorCode.RateLimited, message: 'join: too many messages, slow down', event: 'join' } });
        return;
      }
      if (!ack) {
        fail({ code: ErrorCode.InvalidMessage, message: 'join: needs an acknowledgement callback: emit("join", request, reply => …)', event: 'join' });
        return;
      }
      if (args.length !== 2) {
        fail({ code: ErrorCode.InvalidMessage, message: `join: takes exactly (request, ack), got ${args.length} arguments`, event: 'join' });
        return;
      }
      const parsed = joinRequestSchema.safeParse(args[0]);
      if (!parsed.success) {
        fail(errorFromIssues('join', parsed.error.issues));
        return;
      }
      if (joining || lobby.isWaiting(socket.id) || sessions.memberOf(socket.id) || spectators.ofSocket(socket.id)) {
        fail({ code: ErrorCode.AlreadyJoined, message: 'join: already waiting, in a session or watching one (leave first)', event: 'join' });
        return;
      }
      if (refusedSeat(socket.id)) {
        // (retryable, like rate-limited: answered, not raised as an error event)
        rejections.add(ErrorCode.Unavailable);
        ack({ ok: false, error: { code: ErrorCode.Unavailable, message: 'join: the previous join of this connection is still being cancelled; retry shortly', event: 'join' } });
        return;
      }
      const request = parsed.data;
      // Free seats: the group starts at `startPlayers`; the session has `players` seats.
      const start = request.startPlayers ?? request.players;
      const seats = start < request.players ? { seats: request.players } : {};
      const target: GroupTarget =
        request.room !== undefined
          ? { kind: 'room', name: request.room, players: start, ...seats, ...(request.secret !== undefined ? { secretDigest: secretDigest(request.secret) } : {}) }
          : { kind: 'queue', name: request.queue ?? DEFAULT_QUEUE, players: start, ...seats, ...(request.maxRttMs !== undefined ? { maxRttMs: request.maxRttMs } : {}) };
      const client: WaitingClient = {
        socketId: socket.id,
        clientId: request.clientId ?? randomUUID(),
        ...(request.name !== undefined ? { name: request.name } : {}),
        ...(request.participantId !== undefined ? { participantId: request.participantId } : {}),
        ...(request.metadata !== undefined ? { metadata: request.metadata } : {}),
        ...(request.spectators !== undefined ? { spectators: request.spectators } : {}),
      };
      // Late join: a session named by id, or a running session of this room or queue with a free seat (this node's).
      // Node-local: in a cluster only a session whose every member is connected to this node takes a newcomer (seat-taken,
      // seat-freed and the newcomer's seat are this node's alone); otherwise a room or queue join waits in the lobby as usual.
      // (A node that did not form the session holds a copy without its free seats and with its own members only.)
      const allHere = (s: Session): boolean =>
        s.players.every((p) => {
          const m = s.members.get(p.index);
          return m !== undefined && io.sockets.sockets.has(m.socketId);
        });
      const here = (s: Session | undefined): Session | undefined => (s && (!clustered || allHere(s)) ? s : undefined);
      const found = request.session !== undefined ? sessions.get(request.session) : target.seats !== undefined ? sessions.openSession(groupKey(target)) : undefined;
      const running = here(found);
      if (request.session !== undefined && !running) {
        const message = found ? 'join: the session has members on other server nodes (late join is node-local)' : 'join: no such session (it ended, or never existed)';
        fail({ code: ErrorCode.NotFound, message, event: 'join' });
        return;
      }
      if (running) {
        if (running.seats !== request.players) {
          fail({ code: ErrorCode.PlayersMismatch, message: `join: the session has ${running.seats} seats, not ${request.players}`, event: 'join' });
          return;
        }
        const seated = lateJoins.seat(running, client);
        if ('error' in seated) {
          fail(seated.error);
          return;
        }
        ack({ ok: true, waiting: running.members.size });
        lateJoins.announce(running, seated.index);
        return;
      }
      joining = true;
      let result;
      try {
        // The address's join budget over the whole cluster (a no-op on a single node: `allowed` took this node's).
        if (buckets && ipBudgets.shared && !(await ipBudgets.takeShared(ip, 'joins'))) {
          rejections.add(ErrorCode.RateLimited);
          ack({ ok: false, error: { code: ErrorCode.RateLimited, message: 'join: too many joins from this address over all nodes, slow down', event: 'join' } });
          return;
        }
        result = await waitingRoom.join(client, target, request.waitTimeoutMs);
      } finally {
        joining = false;
      }
      if (!result.ok) {
        if (result.error.code === ErrorCode.Unavailable) {
          const seated = sessions.memberOf(socket.id);
          if (seated && result.settling) {
            // Another join's group was announced with this client while its own tries went unanswered: that is what Redis did.
            result.settling.catch(onInternalError);
            ack({ ok: true, waiting: seated.session.players.length });
            return;
          }
          // Retryable and nothing held (see refuseUntilSettled): answered, not raised as an error event.
          if (result.settling) refuseUntilSettled(socket.id, target, result.settling);
          rejections.add(result.error.code);
          ack({ ok: false, error: result.error });
          return;
        }
        fail(result.error);
        return;
      }
      if (result.seated) {
        // A repeated try found this client seated by another join's group: its assignment comes with that group.
        if (socket.connected) ack({ ok: true, waiting: result.waiting });
        return;
      }
      if (!socket.connected) {
        // Gone while the lobby answered (its disconnect found nothing to leave yet).
        if (result.formed) {
          if (clustered) rememberGone(socket.id, 'disconnected');
          startSession(result.formed, target);
        } else await waitingRoom.leave(socket.id);
        return;
      }
      ack({ ok: true, waiting: result.waiting });
      if (result.formed) startSession(result.formed, target);
    };

    const handleSignal = (args: unknown[]): void => {
      if (!allowed('signal')) return;
      if (args.length !== 1) {
        reject({ code: ErrorCode.InvalidMessage, message: `signal: takes exactly one argument, got ${args.length}`, event: 'signal' });
        return;
      }
      const parsed = signalRequestSchema.safeParse(args[0]);
      if (!parsed.success) {
        reject(errorFromIssues('signal', parsed.error.issues));
        return;
      }
      const route = peer('signal', parsed.data.to);
      if ('code' in route) {
        reject(route);
        return;
      }
      if (typeof route.target !== 'string' && pendingBytes(route.target) > config.limits.targetBufferBytes) {
        // The target is not reading: queueing more would only grow server memory.
        drops.signalBackpressure++;
        return;
      }
      if (typeof route.target === 'string') io.to(route.target).emit('signal', { from: route.from, kind: parsed.data.kind, data: parsed.data.data });
      else route.target.emit('signal', { from: route.from, kind: parsed.data.kind, data: parsed.data.data });
      sessions.recordSignal(route.session);
    };

    const handleRelay = (args: unknown[]): void => {
      if (!allowed('relay')) return;
      let to: number;
      let packet: ArrayBuffer | Uint8Array;
      if (isRelayArgs(args)) {
        // The usual case, checked without building a zod result for each packet.
        [to, packet] = args;
      } else {
        const parsed = relayArgsSchema.safeParse(args);
        if (!parsed.success) {
          reject(errorFromIssues('relay', parsed.error.issues, ['to', 'packet']));
          return;
        }
        [to, packet] = parsed.data;
      }
      const route = peer('relay', to);
      if ('code' in route) {
        const me = sessions.memberOf(socket.id);
        if (me && to !== me.index && to < me.session.seats) {
          // A seat of this session with no connection right now (away, or not resumed yet after a
          // server restart): a datagram to nobody. Counted; the sender is told at most once a second.
          drops.relayToAbsent++;
          const t = now();
          if (t - lastAbsentNotice < RATE_LIMIT_NOTICE_MS) return;
          lastAbsentNotice = t;
        }
        reject(route);
        return;
      }
      const bytes = packet.byteLength;
      const ownBudget = relayBytes.take(now(), bytes);
      if (!ownBudget || !ipBudgets.take(ip, 'relayBytes', bytes)) {
        drops.relayOverBudget++;
        if (!ownBudget) {
          overBudgetBytes += bytes;
          if (overBudgetBytes > config.limits.relayFloodDisconnectBytes) {
            drops.floodDisconnects++;
            reject({ code: ErrorCode.RateLimited, message: 'relay: flooding past the byte budget, disconnected', event: 'relay' });
            socket.disconnect(true);
            return;
          }
        }
        const t = now();
        if (t - lastRateNotice >= RATE_LIMIT_NOTICE_MS) {
          lastRateNotice = t;
          reject({ code: ErrorCode.RateLimited, message: 'relay: over the byte budget, slow down', event: 'relay' });
        } else {
          rejections.add(ErrorCode.RateLimited);
          sessions.recordRejected(route.session);
        }
        return;
      }
      overBudgetBytes = 0;
      if (typeof route.target === 'string') {
        // A seat on another node: through the adapter (that node's socket.io writes it; its own buffers bound it).
        // (a copy of exactly the packet's bytes: a received Buffer is often a view into a larger one)
        io.to(route.target).emit('relay', route.from, packet instanceof ArrayBuffer ? packet : new Uint8Array(packet).buffer);
        sessions.recordRelay(route.session, bytes);
        return;
      }
      if (pendingBytes(route.target) > config.limits.targetBufferBytes) {
        // Backpressure: the target is not reading. Relay packets are datagrams
        // (the engine resends unacked inputs), so dropping is safe and bounds memory.
        drops.relayBackpressure++;
        return;
      }
      writeRelay(route.target, route.from, ownedBytes(packet));
      sessions.recordRelay(route.session, bytes);
    };

    const handleTurn = (args: unknown[]): void => {
      const last = args[args.length - 1];
      const ack = typeof last === 'function' ? (last as (reply: TurnReply) => void) : undefined;
      const fail = (error: ErrorInfo): void => {
        reject(error);
        ack?.({ ok: false, error });
      };
      if (!allowed('join')) {
        ack?.({ ok: false, error: { code: ErrorCode.RateLimited, message: 'turn-credentials: too many requests, slow down', event: 'turn-credentials' } });
        return;
      }
      if (!ack || args.length !== 1) {
        fail({ code: ErrorCode.InvalidMessage, message: 'turn-credentials: takes only an acknowledgement callback', event: 'turn-credentials' });
        return;
      }
      const me = sessions.memberOf(socket.id);
      if (!me) {
        fail({ code: ErrorCode.NotInSession, message: 'turn-credentials: not in a session', event: 'turn-credentials' });
        return;
      }
      const { iceServers, turn, expiresAt } = iceServersFor(config, turnUserId(me.session.id, me.index), now());
      ack({ ok: true, iceServers, turn, ...(expiresAt !== undefined ? { expiresAt } : {}) });
    };

    const handleLiveStats = (args: unknown[]): void => {
      if (!allowed('signal')) return;
      const parsed = liveStatsSchema.safeParse(args[0]);
      if (args.length !== 1 || !parsed.success) {
        reject(parsed.success ? { code: ErrorCode.InvalidMessage, message: 'live-stats: takes exactly one argument', event: 'live-stats' } : errorFromIssues('live-stats', parsed.error.issues));
        return;
      }
      const member = sessions.memberOf(socket.id);
      if (!member) {
        reject({ code: ErrorCode.NotInSession, message: 'live-stats: not in a session', event: 'live-stats' });
        return;
      }
      deps.research?.onLiveStats(member.session.id, member.index, parsed.data);
    };

    const handleProbeResult = (args: unknown[]): void => {
      if (!allowed('signal')) return;
      const parsed = probeResultSchema.safeParse(args[0]);
      if (args.length !== 1 || !parsed.success) {
        reject(parsed.success ? { code: ErrorCode.InvalidMessage, message: 'probe-result: takes exactly one argument', event: 'probe-result' } : errorFromIssues('probe-result', parsed.error.issues));
        return;
      }
      const member = sessions.memberOf(socket.id);
      if (!member || !gate.result(member.session.id, member.index, parsed.data.rtts)) {
        reject({ code: ErrorCode.NotInSession, message: 'probe-result: not in a group being probed (or already reported)', event: 'probe-result' });
      }
    };
    const watching = spectatorHandlers({
      io,
      socket,
      sessions,
      spectators,
      config,
      adminToken: deps.adminToken,
      adminSocket: deps.isAdmin?.(socket.request) ?? false,
      now,
      allowed,
      reject,
      isWaiting: () => lobby.isWaiting(socket.id),
      pendingBytes,
    });

    const depart = (reason: 'left' | 'disconnected'): void => {
      if (lobby.isWaiting(socket.id)) {
        if (clustered) rememberGone(socket.id, reason);
        waitingRoom.leave(socket.id).catch(onInternalError);
        return;
      }
      watching.spectatorGone();
      const left = sessions.removeMember(socket.id);
      if (!left) {
        if (reason === 'disconnected') gate.forget(socket.id);
        return;
      }
      if (left.freed) {
        // A late joiner that never finished joining: its seat is free again (it never played).
        lateJoins.vanished(socket.id, left.session, left.index);
        spectatorsAfterDeparture(io, sessions, spectators, left.session.id, left.index);
        return;
      }
      // Leaving is final: the seat's resume secret stops working. A dropped connection may resume.
      if (reason === 'left') revoked.revoke(left.session.id, left.index, left.session.expiresAt, now());
      if (clustered) {
        void socket.leave(seatRoom(left.session.id, left.index));
        cluster.seats.unbound(left.session.id, left.index, socket.id);
      }
      waitingRoom.release(socket.id);
      gate.forget(socket.id);
      gate.memberLeft(left.session.id, left.index);
      deps.research?.onMemberLeft(left.session.id, left.index, reason);
      emitToPeers(left.session, left.index, 'peer-left', { playerIndex: left.index, reason });
      spectatorsAfterDeparture(io, sessions, spectators, left.session.id, left.index, reason !== 'left');
    };

    socket.on('join', guarded('join', handleJoin));
    socket.on('signal', guarded('signal', handleSignal));
    socket.on('relay', guarded('relay', handleRelay));
    socket.on('leave', guarded('leave', () => depart('left')));
    socket.on('live-stats', guarded('live-stats', handleLiveStats));
    socket.on('turn-credentials', guarded('turn-credentials', handleTurn));
    socket.on(
      'resume',
      guarded(
        'resume',
        resumeHandler({
          io,
          socket,
          lobby,
          sessions,
          tokens,
          revoked,
          now,
          bindSeat,
          present: (session) => cluster.seats.present(session.id, [...session.members.keys()]),
          notifyPeers: (session, index) => {
            emitToPeers(session, index, 'peer-resumed', { playerIndex: index });
            if (clustered) io.serverSideEmit('netroll:seat-bound', { sessionId: session.id, index, socketId: socket.id });
          },
          allowed: () => allowed('join'),
          reject,
          assignmentFor,
          ...(deps.research?.onSessionRestored ? { onRestored: deps.research.onSessionRestored } : {}),
          onSpectatorModes: (session, modes) => spectators.sessionResumed(session.id, modes),
          onResumed: (session, index) => deps.research?.onMemberResumed?.(session.id, index),
        }),
      ),
    );
    socket.on('probe-result', guarded('probe-result', handleProbeResult));
    socket.on(
      'late-joined',
      guarded('late-joined', () => {
        if (!allowed('signal')) return;
        if (!lateJoins.confirm(socket.id)) reject({ code: ErrorCode.NotInSession, message: 'late-joined: no provisional seat of a late join on this connection', event: 'late-joined' });
      }),
    );
    socket.on('watch', guarded('watch', watching.watch));
    socket.on('spectator-signal', guarded('spectator-signal', watching.spectatorSignal));
    socket.on('spectator-data', guarded('spectator-data', watching.spectatorData));
    socket.on('disconnect', () => {
      ipBudgets.disconnected(ip);
      try {
        depart('disconnected');
      } catch (err) {
        onInternalError(err);
      }
    });
    socket.onAny(
      guarded('unknown', (args) => {
        const event = String(args[0]);
        if (CLIENT_EVENTS.has(event)) return;
        if (!allowed('signal')) return;
        reject({ code: ErrorCode.UnknownEvent, message: `unknown event ${JSON.stringify(event.slice(0, 64))}`, event: event.slice(0, 64) });
      }),
    );
  });
  return drops;
}

/** Seated players by index, `null` for a free seat (as a resume secret carries them). */
function positional(players: readonly PlayerInfo[]): ({ clientId: string; name: string } | null)[] {
  const out: ({ clientId: string; name: string } | null)[] = Array.from({ length: (players.at(-1)?.index ?? -1) + 1 }, () => null);
  for (const p of players) out[p.index] = { clientId: p.clientId, name: p.name };
  return out;
}

/**
 * The bytes of `packet` in a buffer of their own: a packet received is often a
 * view into the larger chunk read from the network, which a queued packet
 * would otherwise keep alive. Small copies come from Node's buffer pool.
 */
function ownedBytes(packet: ArrayBuffer | Uint8Array): Uint8Array {
  if (packet instanceof ArrayBuffer) return new Uint8Array(packet);
  const copy = Buffer.allocUnsafe(packet.byteLength);
  copy.set(packet);
  return copy;
}
