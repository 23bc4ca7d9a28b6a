/**
 * The `resume` handler: a connection presents a resume secret and takes its
 * seat back — after a reconnect, a page reload or a server restart (the
 * secret carries everything needed to re-create the session's registry
 * entry). The seat's previous connection, if still bound, loses it
 * (`seat-lost`); the other members are told (`peer-resumed`).
 *
 * Bounds: a connection holds at most one seat and a seat at most one
 * connection; `resume` takes a `join` token (per connection and per IP);
 * expired, forged and revoked secrets are refused with `unauthorized`.
 */
import { type Assignment, ErrorCode, type ErrorInfo, errorFromIssues, type ResumeReply, resumeRequestSchema, type SpectatorMode } from '../src/signaling/events.ts';
import type { LobbyStore } from './cluster/lobby-store.ts';
import type { SeatRevocations } from './cluster/node.ts';
import type { ResumeTokens } from './resume.ts';
import type { Session, SessionRegistry } from './sessions.ts';
import type { NetrollServer, NetrollSocket } from './signaling.ts';

/** What the handler needs from the connection and the server. */
export interface ResumeContext {
  readonly io: NetrollServer;
  readonly socket: NetrollSocket;
  readonly lobby: LobbyStore;
  readonly sessions: SessionRegistry;
  readonly tokens: ResumeTokens;
  readonly revoked: SeatRevocations;
  /** Binds a seat to a connection of this node (see SessionRegistry.bind); returns the connection it replaced here. */
  readonly bindSeat: (session: Session, index: number, socketId: string) => { replaced?: string };
  /** The seats of `session` held by a connection (on any node of a cluster). */
  readonly present: (session: Session) => Promise<number[]>;
  /** Tells the other seats of `session` that seat `index` is back (`peer-resumed`), on any node. */
  readonly notifyPeers: (session: Session, index: number) => void;
  readonly now: () => number;
  /** Takes a `join` token; false (and the client was told) when rate-limited. */
  readonly allowed: () => boolean;
  /** Counts a rejection and sends the `error` event. */
  readonly reject: (error: ErrorInfo) => void;
  /** The assignment of seat `index` (fresh TURN credentials and resume secret). */
  readonly assignmentFor: (session: Session, index: number) => Assignment;
  /** A session entry was re-created from a secret (server restart, or every connection had dropped). */
  readonly onRestored?: (session: Session) => void;
  /** A seat is being resumed: the spectator settings its secret carries (re-creates the session's spectator entry after a restart). */
  readonly onSpectatorModes?: (session: Session, modes: readonly SpectatorMode[] | undefined) => void;
  /** A seat was bound to this connection. */
  readonly onResumed?: (session: Session, index: number) => void;
}

/** Makes the `resume` handler of one connection (arguments as socket.io passes them). */
export function resumeHandler(ctx: ResumeContext): (args: unknown[]) => Promise<void> {
  const { socket, sessions, lobby, io } = ctx;
  return async (args) => {
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as (reply: ResumeReply) => void) : undefined;
    const fail = (error: ErrorInfo): void => {
      ctx.reject(error);
      ack?.({ ok: false, error });
    };
    if (!ctx.allowed()) {
      ack?.({ ok: false, error: { code: ErrorCode.RateLimited, message: 'resume: too many messages, slow down', event: 'resume' } });
      return;
    }
    if (!ack) {
      fail({ code: ErrorCode.InvalidMessage, message: 'resume: needs an acknowledgement callback as its last argument', event: 'resume' });
      return;
    }
    if (args.length !== 2) {
      fail({ code: ErrorCode.InvalidMessage, message: `resume: takes exactly (request, ack), got ${args.length} arguments`, event: 'resume' });
      return;
    }
    const parsed = resumeRequestSchema.safeParse(args[0]);
    if (!parsed.success) {
      fail(errorFromIssues('resume', parsed.error.issues));
      return;
    }
    if (lobby.isWaiting(socket.id)) {
      fail({ code: ErrorCode.AlreadyJoined, message: 'resume: waiting in the lobby (leave first)', event: 'resume' });
      return;
    }
    const checked = ctx.tokens.verify(parsed.data.secret, ctx.now());
    if (!checked.ok) {
      fail(checked.error);
      return;
    }
    const c = checked.claims;
    let revoked: boolean;
    try {
      revoked = await ctx.revoked.has(c.sessionId, c.playerIndex);
    } catch {
      // The shared revocations (Redis) did not answer: nothing was changed; the client retries.
      fail({ code: ErrorCode.Unavailable, message: 'resume: the shared session registry did not answer in time; retry shortly', event: 'resume' });
      return;
    }
    if (revoked) {
      fail({ code: ErrorCode.Unauthorized, message: 'resume: this seat left the session', event: 'resume' });
      return;
    }
    if (!socket.connected) return; // gone while the check ran
    const mine = sessions.memberOf(socket.id);
    if (mine && (mine.session.id !== c.sessionId || mine.index !== c.playerIndex)) {
      fail({ code: ErrorCode.AlreadyJoined, message: 'resume: this connection holds another seat (leave first)', event: 'resume' });
      return;
    }
    const { session, restored } = sessions.restore({
      id: c.sessionId,
      seed: c.seed,
      createdAt: c.createdAt,
      target: c.target,
      expiresAt: c.expiresAt,
      players: c.players,
      seats: c.seats,
    });
    const seat = session.players.find((p) => p.index === c.playerIndex);
    if (!seat || seat.clientId !== c.players[c.playerIndex]?.clientId) {
      // A late joiner's provisional seat that was freed (and maybe taken by another): its secret is void.
      fail({ code: ErrorCode.Unauthorized, message: 'resume: this seat is no longer yours', event: 'resume' });
      return;
    }
    if (restored) ctx.onRestored?.(session);
    ctx.onSpectatorModes?.(session, c.spectators);
    const { replaced } = ctx.bindSeat(session, c.playerIndex, socket.id);
    if (replaced !== undefined) io.sockets.sockets.get(replaced)?.emit('seat-lost', { reason: 'resumed-elsewhere' });
    ctx.onResumed?.(session, c.playerIndex);
    // The seat is bound: a registry too slow to say who else is present does not undo that (this node's view then).
    const present = (await ctx.present(session).catch(() => [...session.members.keys()])).filter((i) => i !== c.playerIndex);
    present.push(c.playerIndex);
    present.sort((a, b) => a - b);
    ack({ ok: true, assignment: ctx.assignmentFor(session, c.playerIndex), present });
    if (mine) return; // the same seat again on the same connection: nothing changed for the others
    ctx.notifyPeers(session, c.playerIndex);
  };
}
