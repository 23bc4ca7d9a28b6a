/**
 * socket.io handlers for spectators: `watch`, `spectator-signal` and
 * `spectator-data` (see spectators.ts for the rules). Every message is
 * validated with the shared zod schemas; a refused one is counted and
 * answered with `error` (and the `watch` acknowledgement).
 */
import { timingSafeEqual } from 'node:crypto';
import {
  ErrorCode,
  errorFromIssues,
  type ErrorInfo,
  spectatorDataArgsSchema,
  spectatorSignalRequestSchema,
  watchRequestSchema,
  type WatchReply,
} from '../src/signaling/events.ts';
import type { SessionRegistry } from './sessions.ts';
import type { NetrollServer, NetrollSocket } from './signaling.ts';
import type { Spectator, SpectatorRegistry } from './spectators.ts';
import { TokenBucket } from './rate-limit.ts';
import type { RateLimit } from './config.ts';
import { iceServersFor, turnUserId, type IceConfig } from './turn.ts';
import { writeSpectatorData } from './relay-write.ts';

/** Who may watch: anyone with the session id (`open`), only holders of the admin token (`admin`), nobody (`off`). */
export type SpectatorAccess = 'open' | 'admin' | 'off';

/** Least time between two fresh-snapshot requests for one spectator, ms. */
const RESNAP_INTERVAL_MS = 1000;

/** What the spectator handlers share with the connection's other handlers. */
export interface SpectatorContext {
  readonly io: NetrollServer;
  readonly socket: NetrollSocket;
  readonly sessions: SessionRegistry;
  readonly spectators: SpectatorRegistry;
  readonly config: IceConfig & { readonly spectators: SpectatorAccess; readonly spectatorPeerSlots: number; readonly limits: { readonly targetBufferBytes: number; readonly spectatorUploadBytes: RateLimit } };
  /** The server's admin token (for `spectators: 'admin'` and the dashboard's viewer). */
  readonly adminToken: string | undefined;
  /** The connection's handshake carried admin credentials (the dashboard's cookie). */
  readonly adminSocket: boolean;
  readonly now: () => number;
  /** Takes a message token for `event` (false: dropped, the client was told). */
  readonly allowed: (event: 'join' | 'signal' | 'relay') => boolean;
  /** Counts and answers a refused message. */
  readonly reject: (error: ErrorInfo) => void;
  /** Whether this socket waits in the lobby. */
  readonly isWaiting: () => boolean;
  /** Bytes waiting to be written to a socket. */
  readonly pendingBytes: (socket: NetrollSocket) => number;
}

function tokenMatches(given: string | undefined, expected: string | undefined): boolean {
  if (given === undefined || expected === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The three handlers, plus what the connection's `leave`/disconnect path calls. */
export function spectatorHandlers(ctx: SpectatorContext) {
  const { io, socket, sessions, spectators, config } = ctx;
  const upload = new TokenBucket(config.limits.spectatorUploadBytes, ctx.now());
  const toSocket = (id: string): NetrollSocket | undefined => io.sockets.sockets.get(id);
  const memberSocket = (sessionId: string, index: number): NetrollSocket | undefined => {
    const m = sessions.get(sessionId)?.members.get(index);
    return m ? toSocket(m.socketId) : undefined;
  };
  /** Tell `v`'s feeder to add it (or re-snapshot it). */
  const notifyFeeder = (v: Spectator, action: 'add' | 'snapshot' | 'remove'): void => {
    const iceServers = v.path === 'p2p' && action === 'add' ? iceServersFor(config, `${turnUserId(v.sessionId, v.feeder)}-w`, ctx.now()).iceServers : undefined;
    memberSocket(v.sessionId, v.feeder)?.emit('spectator', { spectatorId: v.id, action, path: v.path, ...(iceServers ? { iceServers } : {}) });
  };

  const watch = (args: unknown[]): void => {
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as (reply: WatchReply) => void) : undefined;
    const fail = (error: ErrorInfo): void => {
      spectators.refuse(error);
      ctx.reject(error);
      ack?.({ ok: false, error });
    };
    if (!ctx.allowed('join')) {
      ack?.({ ok: false, error: { code: ErrorCode.RateLimited, message: 'watch: too many messages, slow down', event: 'watch' } });
      return;
    }
    if (!ack || args.length !== 2) {
      fail({ code: ErrorCode.InvalidMessage, message: 'watch: takes exactly (request, ack)', event: 'watch' });
      return;
    }
    const parsed = watchRequestSchema.safeParse(args[0]);
    if (!parsed.success) {
      fail(errorFromIssues('watch', parsed.error.issues));
      return;
    }
    if (ctx.isWaiting() || sessions.memberOf(socket.id) || spectators.ofSocket(socket.id)) {
      fail({ code: ErrorCode.AlreadyJoined, message: 'watch: already waiting, playing or watching (leave first)', event: 'watch' });
      return;
    }
    const req = parsed.data;
    const admin = ctx.adminSocket || tokenMatches(req.adminToken, ctx.adminToken);
    if (req.adminToken !== undefined && !tokenMatches(req.adminToken, ctx.adminToken)) {
      fail({ code: ErrorCode.Unauthorized, message: 'watch: wrong admin token', event: 'watch' });
      return;
    }
    if (config.spectators === 'off') {
      fail({ code: ErrorCode.SpectatingDisabled, message: 'watch: this server has spectating turned off', event: 'watch' });
      return;
    }
    if (config.spectators === 'admin' && !admin) {
      fail({ code: ErrorCode.Unauthorized, message: 'watch: this server lets only its admins watch (give adminToken)', event: 'watch' });
      return;
    }
    const session = sessions.get(req.sessionId);
    if (!session) {
      fail({ code: ErrorCode.NotFound, message: 'watch: no such session', event: 'watch' });
      return;
    }
    const added = spectators.add(session, socket.id, { via: req.via ?? 'auto', peerSlots: config.spectatorPeerSlots });
    if ('code' in added) {
      ctx.reject(added);
      ack({ ok: false, error: added });
      return;
    }
    const { iceServers } = iceServersFor(config, `${turnUserId(session.id, added.feeder)}-w`, ctx.now());
    ack({ ok: true, spectatorId: added.id, path: added.path, feeder: added.feeder, iceServers });
    notifyFeeder(added, 'add');
  };

  const spectatorSignal = (args: unknown[]): void => {
    if (!ctx.allowed('signal')) return;
    const parsed = args.length === 1 ? spectatorSignalRequestSchema.safeParse(args[0]) : undefined;
    if (!parsed?.success) {
      ctx.reject(parsed ? errorFromIssues('spectator-signal', parsed.error.issues) : { code: ErrorCode.InvalidMessage, message: 'spectator-signal: takes exactly one argument', event: 'spectator-signal' });
      return;
    }
    const { spectatorId, kind, data } = parsed.data;
    const watching = spectators.ofSocket(socket.id);
    if (watching) {
      // A spectator talks only to the player feeding it over P2P.
      if (watching.path !== 'p2p') return;
      const target = memberSocket(watching.sessionId, watching.feeder);
      if (target && ctx.pendingBytes(target) <= config.limits.targetBufferBytes) target.emit('spectator-signal', { spectatorId: watching.id, kind, data });
      return;
    }
    const me = sessions.memberOf(socket.id);
    const v = me && spectatorId ? spectators.of(me.session.id).find((s) => s.id === spectatorId) : undefined;
    if (!me || !v || v.feeder !== me.index) {
      spectators.counters.hostileDropped++;
      ctx.reject({ code: ErrorCode.UnknownPeer, message: 'spectator-signal: no spectator of yours with that id', event: 'spectator-signal' });
      return;
    }
    const target = toSocket(v.socketId);
    if (target && ctx.pendingBytes(target) <= config.limits.targetBufferBytes) target.emit('spectator-signal', { kind, data });
  };

  const spectatorData = (args: unknown[]): void => {
    if (!ctx.allowed('relay')) return;
    const parsed = spectatorDataArgsSchema.safeParse(args);
    if (!parsed.success) {
      ctx.reject(errorFromIssues('spectator-data', parsed.error.issues, ['to', 'packet']));
      return;
    }
    const [to, packet] = parsed.data;
    const me = sessions.memberOf(socket.id);
    if (!me) {
      spectators.counters.hostileDropped++;
      ctx.reject({ code: ErrorCode.Unauthorized, message: 'spectator-data: only a player feeding spectators may send it', event: 'spectator-data' });
      return;
    }
    const targets = to === '*' ? spectators.of(me.session.id, { path: 'server', feeder: me.index }) : spectators.of(me.session.id).filter((v) => v.id === to && v.feeder === me.index && v.path === 'server');
    if (to !== '*' && targets.length === 0) {
      // Gone meanwhile (it left), or not this player's: nothing to forward.
      return;
    }
    const bytes = packet.byteLength;
    if (!upload.take(ctx.now(), bytes)) {
      ctx.reject({ code: ErrorCode.RateLimited, message: 'spectator-data: over the upload byte budget, slow down', event: 'spectator-data' });
      return;
    }
    // One copy of the bytes, written to every spectator (only read).
    const buf = ownBytes(packet);
    const t = ctx.now();
    for (const v of targets) {
      const target = toSocket(v.socketId);
      if (!target) continue;
      if (ctx.pendingBytes(target) > config.limits.targetBufferBytes) {
        // Not reading: drop (bounded memory); it gets a fresh snapshot once it reads again.
        spectators.counters.backpressureDrops++;
        v.lost = true;
        continue;
      }
      if (v.lost && to === '*') {
        if (t - v.resnapAt >= RESNAP_INTERVAL_MS) {
          v.lost = false;
          v.resnapAt = t;
          notifyFeeder(v, 'snapshot');
        }
        continue;
      }
      writeSpectatorData(target, buf);
      spectators.counters.fanoutMessages++;
      spectators.counters.fanoutBytes += bytes;
    }
  };

  /** This socket's spectator (if it is one) leaves: tell its feeder. */
  const spectatorGone = (): void => {
    const v = spectators.remove(socket.id);
    if (v) notifyFeeder(v, 'remove');
  };

  return { watch, spectatorSignal, spectatorData, spectatorGone };
}

/**
 * A member left session `sessionId`: when the session ended, its spectators
 * are told `watch-ended` and forgotten; else those the member fed move to the
 * server path, fed by the lowest-index present member (which sends each a snapshot).
 *
 * `resumable`: the member's connection dropped (it may resume its seat). When
 * that leaves the session with no connection (every player dropped, or the
 * server is shutting down for a restart), the session is not over: its
 * spectators are forgotten and their connections closed by the server, not
 * told `watch-ended`, so a viewer watches again once a player has resumed
 * (within its re-watch window).
 */
export function spectatorsAfterDeparture(io: NetrollServer, sessions: SessionRegistry, spectators: SpectatorRegistry, sessionId: string, index: number, resumable = false): void {
  const session = sessions.get(sessionId);
  if (!session) {
    for (const v of spectators.endSession(sessionId)) {
      const socket = io.sockets.sockets.get(v.socketId);
      if (resumable) socket?.disconnect(true);
      else socket?.emit('watch-ended', { reason: 'session-ended' });
    }
    return;
  }
  const feeder = spectators.serverFeeder(session);
  if (feeder === undefined) return;
  const member = session.members.get(feeder);
  const target = member ? io.sockets.sockets.get(member.socketId) : undefined;
  for (const v of spectators.feederLeft(sessionId, index, feeder)) target?.emit('spectator', { spectatorId: v.id, action: 'add', path: 'server' });
}

function ownBytes(packet: ArrayBuffer | Uint8Array): Uint8Array {
  if (packet instanceof ArrayBuffer) return new Uint8Array(packet);
  const copy = new Uint8Array(packet.byteLength);
  copy.set(packet);
  return copy;
}
