/**
 * Late join: a newcomer takes a free seat of a running session.
 *
 * A session has free seats when it formed with fewer members than seats
 * (`join`'s `startPlayers` below `players`). A later `join` of the same room
 * (same secret) or queue, or a `join` naming the session's id (`session`),
 * takes the lowest free seat at once, without waiting:
 *
 * 1. the newcomer gets `assigned` with `lateJoin: true` (and its resume
 *    secret), the live members get `seat-taken` with its player info;
 * 2. the members connect to it (the mesh adds a link), a live member's
 *    engine sends it a state transfer and every engine agrees the frame its
 *    inputs count from (src/engine/rejoin.ts; the free seat was absent from
 *    frame 0, so the input log records the join as that absence's end);
 * 3. it sends `late-joined` once it loaded the transfer: the seat is its
 *    own, and the research store records it as a participant.
 *
 * Until step 3 the seat is provisional: when the newcomer's connection drops,
 * or it does not confirm within `timeoutMs`, the seat is free again
 * (`seat-freed` to the members; on a timeout `seat-lost` to the newcomer),
 * and its resume secret no longer works (the resume handler checks the
 * seat's occupant).
 *
 * Races: socket.io handlers run one at a time, and a seat is taken in one
 * synchronous step, so two newcomers racing for one seat cannot both get it.
 *
 * Bounds: one timer per provisional seat (at most 7 a session), cleared on
 * confirmation or departure; nothing is kept once the seat is confirmed.
 */
import { ErrorCode, type ErrorInfo, type Assignment, type SpectatorMode } from '../src/signaling/events.ts';
import type { WaitingClient } from './lobby.ts';
import type { Session, SessionRegistry } from './sessions.ts';
import type { NetrollServer } from './signaling.ts';

/** Default time a late joiner has to load its state transfer and confirm (`late-joined`), ms. */
export const DEFAULT_LATE_JOIN_TIMEOUT_MS = 30_000;

/** What {@link LateJoins} needs from the server. */
export interface LateJoinDeps {
  readonly io: NetrollServer;
  readonly sessions: SessionRegistry;
  /** The assignment of seat `index` (fresh TURN credentials and resume secret). */
  readonly assignmentFor: (session: Session, index: number) => Assignment;
  /** Participant checks (duplicate, completed); returns the refusal. See WaitingRoom.admit. */
  readonly admit: (client: WaitingClient) => ErrorInfo | undefined;
  /** The client's participant id is free again. */
  readonly release: (socketId: string) => void;
  /** A seat of a session got (or gave back) a member with this spectator setting. */
  readonly seatMode: (sessionId: string, index: number, mode: SpectatorMode) => void;
  /** Time a provisional seat is kept, ms. */
  readonly timeoutMs: number;
  /** A late joiner confirmed its seat (research: a new participant of the session). */
  readonly onJoined?: (session: Session, index: number, client: WaitingClient) => void;
}

interface Pending {
  readonly session: Session;
  readonly index: number;
  readonly client: WaitingClient;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Provisional seats and their timers; see the file comment. */
export class LateJoins {
  readonly #pending = new Map<string, Pending>();
  /** Late joins seated, confirmed, freed (vanished or timed out), refused (full), server-wide. */
  readonly counters = { seated: 0, confirmed: 0, freed: 0, refused: 0 };

  constructor(private readonly deps: LateJoinDeps) {}

  /** Provisional seats held now. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Seats `client` in the lowest free seat of `session`, sends it its
   * assignment and tells the members. Returns the seat, or the refusal
   * (`session-full`, a participant refusal).
   */
  seat(session: Session, client: WaitingClient): { index: number } | { error: ErrorInfo } {
    const refused = this.deps.admit(client);
    if (refused) return { error: refused };
    const index = this.deps.sessions.takeSeat(session, { socketId: client.socketId, clientId: client.clientId, ...(client.name !== undefined ? { name: client.name } : {}) });
    if (index === undefined) {
      this.deps.release(client.socketId);
      this.counters.refused++;
      return { error: { code: ErrorCode.SessionFull, message: `join: session has no free seat (${session.seats} seats taken)`, event: 'join' } };
    }
    this.counters.seated++;
    this.deps.seatMode(session.id, index, client.spectators ?? 'p2p');
    const timer = setTimeout(() => this.#timedOut(client.socketId), this.deps.timeoutMs);
    timer.unref?.(); // never keeps a closing server alive
    this.#pending.set(client.socketId, { session, index, client, timer });
    return { index };
  }

  /** After the join's acknowledgement: the newcomer's assignment, and `seat-taken` to the members. */
  announce(session: Session, index: number): void {
    const { io } = this.deps;
    const member = session.members.get(index);
    if (!member) return;
    io.sockets.sockets.get(member.socketId)?.emit('assigned', { ...this.deps.assignmentFor(session, index), lateJoin: true });
    const player = { index, clientId: member.clientId, name: member.name };
    for (const [i, m] of session.members) if (i !== index) io.sockets.sockets.get(m.socketId)?.emit('seat-taken', { player });
  }

  /** `late-joined` from `socketId`: its seat is its own. False when it held no provisional seat. */
  confirm(socketId: string): boolean {
    const p = this.#pending.get(socketId);
    if (!p || !this.deps.sessions.confirmSeat(socketId)) return false;
    clearTimeout(p.timer);
    this.#pending.delete(socketId);
    this.counters.confirmed++;
    this.deps.onJoined?.(p.session, p.index, p.client);
    return true;
  }

  /** The provisional seat of `socketId` was freed by its departure (the registry already removed it): tell the members. */
  vanished(socketId: string, session: Session, index: number): void {
    const p = this.#pending.get(socketId);
    if (p) clearTimeout(p.timer);
    this.#pending.delete(socketId);
    this.counters.freed++;
    this.deps.release(socketId);
    this.#freed(session, index, 'vanished');
  }

  #timedOut(socketId: string): void {
    const p = this.#pending.get(socketId);
    if (!p) return;
    this.#pending.delete(socketId);
    const held = this.deps.sessions.freeSeat(p.session, p.index);
    if (held === undefined) return;
    this.counters.freed++;
    this.deps.release(socketId);
    this.deps.io.sockets.sockets.get(socketId)?.emit('seat-lost', { reason: 'join-timeout' });
    this.#freed(p.session, p.index, 'join-timeout');
  }

  #freed(session: Session, index: number, reason: 'vanished' | 'join-timeout'): void {
    for (const m of session.members.values()) this.deps.io.sockets.sockets.get(m.socketId)?.emit('seat-freed', { playerIndex: index, reason });
  }
}
