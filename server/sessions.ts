/**
 * The registry of running sessions: who is in which, at what index, with
 * per-session counters. Knows nothing about sockets beyond their ids.
 *
 * Free seats (late join): a session may have more seats than members at
 * creation (`seats`). A late joiner takes the lowest free seat
 * ({@link SessionRegistry.takeSeat}); the seat is *provisional* until the
 * joiner confirms it loaded the game state ({@link SessionRegistry.confirmSeat}),
 * and a provisional seat whose connection drops is free again. Sessions with
 * free seats are found by their join key (the room and secret digest, or the
 * queue and sizes) while they run; the index is dropped with the session, so
 * it is bounded by the running sessions.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { MAX_SESSION_PLAYERS, type PlayerInfo } from '../src/signaling/events.ts';

/** A client that is, or was, a member of a session. */
export interface Member extends PlayerInfo {
  /** socket.io socket id of the member's connection. */
  readonly socketId: string;
}

/** What a session has seen. Mutated in place by {@link SessionRegistry}'s recorders. */
export interface SessionCounters {
  /** Signalling messages forwarded between members. */
  signals: number;
  /** Relay packets forwarded between members. */
  relayPackets: number;
  /** Bytes of those packets. */
  relayBytes: number;
  /** Messages from members that were rejected. */
  rejected: number;
}

/** A running session. */
export interface Session {
  readonly id: string;
  /** Game seed, uint32, from the crypto RNG. */
  readonly seed: number;
  /** Creation time, ms since the epoch. */
  readonly createdAt: number;
  /** Where it formed: `room:<name>` or `queue:<name>` (empty when not given). */
  readonly target: string;
  /** When its resume secrets stop working, ms since the epoch (`Infinity` when not given). */
  readonly expiresAt: number;
  /** Every seated member, ordered by index: the members at creation, plus late joiners (a freed provisional seat is removed). */
  readonly players: readonly PlayerInfo[];
  /** Seats of the session (at least `players.length`); seats not in `players` are free. */
  readonly seats: number;
  /** Seats taken by late joiners that have not confirmed their state transfer yet. */
  readonly provisional: ReadonlySet<number>;
  /** Members still connected and in the session, by index. */
  readonly members: ReadonlyMap<number, Member>;
  readonly counters: Readonly<SessionCounters>;
}

/** A plain-data view of a session for stats and dashboards. */
export interface SessionSummary {
  readonly id: string;
  readonly createdAt: number;
  readonly players: number;
  /** Indices of the members still present. */
  readonly present: readonly number[];
  readonly signals: number;
  readonly relayPackets: number;
  readonly relayBytes: number;
  readonly rejected: number;
}

/** Server-wide totals over every session, including removed ones. */
export interface SessionTotals {
  readonly sessions: number;
  readonly sessionsCreated: number;
  readonly signalsForwarded: number;
  readonly relayedPackets: number;
  readonly relayedBytes: number;
}

interface MutableSession extends Session {
  players: PlayerInfo[];
  readonly members: Map<number, Member>;
  readonly counters: SessionCounters;
  readonly provisional: Set<number>;
  /** The key late joins find this session by while it has free seats (room or queue), if any. */
  readonly joinKey: string | undefined;
  /** Re-created from resume secrets (after a restart): its seats are learnt from them. */
  readonly restored: boolean;
}

/** A new member's identity; its index is its position in the list given to {@link SessionRegistry.create}. */
export interface NewMember {
  readonly socketId: string;
  readonly clientId: string;
  /** Display name; defaults to `Player <index+1>`. */
  readonly name?: string;
}

/** Where and when a session formed, for {@link SessionRegistry.create}. */
export interface SessionMeta {
  /** `room:<name>` or `queue:<name>`. */
  readonly target?: string;
  /** When its resume secrets stop working, ms since the epoch. */
  readonly expiresAt?: number;
  /** Seats, when more than the members at creation (free seats for late joiners). */
  readonly seats?: number;
  /** With free seats: the key a late join of the same room or queue finds the session by. */
  readonly joinKey?: string;
}

/** A session as a resume secret describes it, for {@link SessionRegistry.restore}. */
export interface RestoredSession {
  readonly id: string;
  readonly seed: number;
  readonly createdAt: number;
  readonly target: string;
  readonly expiresAt: number;
  /** Seated players by index (`null`: a free seat). */
  readonly players: readonly ({ readonly clientId: string; readonly name: string } | null)[];
  /** Seats of the session (default: `players.length`). */
  readonly seats?: number;
}

/** Holds the sessions and which socket is in which. */
export class SessionRegistry {
  readonly #sessions = new Map<string, MutableSession>();
  readonly #bySocket = new Map<string, { session: MutableSession; index: number }>();
  /** Running sessions with free seats, by join key (see {@link SessionMeta.joinKey}). */
  readonly #open = new Map<string, MutableSession>();
  #created = 0;
  #signals = 0;
  #relayPackets = 0;
  #relayBytes = 0;

  /**
   * Creates a session of `members` (index = position) with a fresh id and
   * seed. Only the members `local` accepts are bound here (default: all); in
   * a cluster the others are bound by the node holding their connection.
   */
  create(members: readonly NewMember[], now: number = Date.now(), meta: SessionMeta = {}, local: (socketId: string) => boolean = () => true): Session {
    for (const m of members) {
      if (this.#bySocket.has(m.socketId)) throw new Error(`socket ${m.socketId} is already in a session`);
    }
    const players: PlayerInfo[] = members.map((m, index) => ({ index, clientId: m.clientId, name: m.name ?? `Player ${index + 1}` }));
    const seats = meta.seats ?? players.length;
    if (!(Number.isInteger(seats) && seats >= players.length && seats <= MAX_SESSION_PLAYERS)) throw new Error(`seats ${seats} must be ${players.length}..${MAX_SESSION_PLAYERS}`);
    const session: MutableSession = {
      id: randomUUID(),
      seed: randomBytes(4).readUInt32BE(0),
      createdAt: now,
      target: meta.target ?? '',
      expiresAt: meta.expiresAt ?? Infinity,
      players,
      seats,
      provisional: new Set(),
      joinKey: seats > players.length ? meta.joinKey : undefined,
      restored: false,
      members: new Map(members.flatMap((m, index) => (local(m.socketId) ? [[index, { ...players[index]!, socketId: m.socketId }] as const] : []))),
      counters: { signals: 0, relayPackets: 0, relayBytes: 0, rejected: 0 },
    };
    this.#sessions.set(session.id, session);
    if (session.joinKey !== undefined) this.#open.set(session.joinKey, session);
    for (const [index, m] of session.members) this.#bySocket.set(m.socketId, { session, index });
    this.#created++;
    return session;
  }

  /**
   * The registry entry of a session a resume secret describes: the running
   * one with that id, or (after a server restart, or once every member's
   * connection dropped) a new entry with no member bound. Whether it was
   * `restored` tells the caller to record it again.
   */
  restore(r: RestoredSession): { session: Session; restored: boolean } {
    const known = r.players.flatMap((p, index) => (p ? [{ index, clientId: p.clientId, name: p.name }] : []));
    const existing = this.#sessions.get(r.id);
    if (existing) {
      // Re-created after a restart: a late joiner's secret may know seats an earlier member's did not. (A
      // session of this process knows its seats: a freed provisional seat stays free.)
      if (existing.restored) for (const p of known) if (!existing.players.some((q) => q.index === p.index)) this.#seat(existing, p);
      return { session: existing, restored: false };
    }
    const session: MutableSession = {
      id: r.id,
      seed: r.seed,
      createdAt: r.createdAt,
      target: r.target,
      expiresAt: r.expiresAt,
      players: known,
      seats: Math.max(r.seats ?? r.players.length, r.players.length),
      provisional: new Set(),
      // Late joins after a restart: by session id only (the room's key, with its secret digest, is not in a resume secret).
      joinKey: undefined,
      restored: true,
      members: new Map(),
      counters: { signals: 0, relayPackets: 0, relayBytes: 0, rejected: 0 },
    };
    this.#sessions.set(session.id, session);
    return { session, restored: true };
  }

  /** The running session late joins of `joinKey` go to, while it has a free seat. */
  openSession(joinKey: string): Session | undefined {
    const s = this.#open.get(joinKey);
    if (s && this.#sessions.get(s.id) === s && s.players.length < s.seats) return s;
    return undefined;
  }

  /**
   * Seats `m` in the lowest free seat of `session`, provisionally (see the
   * file comment). Returns the seat, or `undefined` when none is free.
   *
   * @throws Error when `m.socketId` already holds a seat.
   */
  takeSeat(session: Session, m: NewMember): number | undefined {
    const s = this.#mutable(session);
    if (this.#bySocket.has(m.socketId)) throw new Error(`socket ${m.socketId} is already in a session`);
    if (this.#sessions.get(s.id) !== s) return undefined;
    let index = 0;
    while (index < s.seats && s.players.some((p) => p.index === index)) index++;
    if (index >= s.seats) return undefined;
    const player = { index, clientId: m.clientId, name: m.name ?? `Player ${index + 1}` };
    this.#seat(s, player);
    s.members.set(index, { ...player, socketId: m.socketId });
    s.provisional.add(index);
    this.#bySocket.set(m.socketId, { session: s, index });
    return index;
  }

  /** The late joiner on `socketId` finished joining: its seat is no longer provisional. False when it held no provisional seat. */
  confirmSeat(socketId: string): boolean {
    const entry = this.#bySocket.get(socketId);
    if (!entry || !entry.session.provisional.has(entry.index)) return false;
    entry.session.provisional.delete(entry.index);
    return true;
  }

  /**
   * Frees provisional seat `index` of `session` (its late joiner timed
   * out): the seat is free again. Returns the socket id that held it, or
   * `undefined` when the seat was not provisional.
   */
  freeSeat(session: Session, index: number): string | undefined {
    const s = this.#mutable(session);
    if (!s.provisional.has(index)) return undefined;
    s.provisional.delete(index);
    s.players = s.players.filter((p) => p.index !== index);
    const m = s.members.get(index);
    s.members.delete(index);
    if (m) this.#bySocket.delete(m.socketId);
    if (s.members.size === 0) this.#drop(s);
    return m?.socketId;
  }

  /**
   * Binds seat `index` of `session` to `socketId`: a seat has at most one
   * connection, so one already bound to it is unbound and returned as
   * `replaced` (its signals and relay packets no longer reach it).
   *
   * @throws Error when `socketId` already holds another seat, or `index` is not a seat of `session`.
   */
  bind(session: Session, index: number, socketId: string): { replaced?: string } {
    const s = this.#mutable(session);
    const player = s.players.find((p) => p.index === index);
    if (!player) throw new Error(`session ${s.id} has no seat ${index}`);
    const mine = this.#bySocket.get(socketId);
    if (mine && (mine.session !== s || mine.index !== index)) throw new Error(`socket ${socketId} already holds a seat`);
    if (!this.#sessions.has(s.id)) {
      this.#sessions.set(s.id, s);
      if (s.joinKey !== undefined && !this.#open.has(s.joinKey)) this.#open.set(s.joinKey, s);
    }
    const old = s.members.get(index);
    if (old && old.socketId !== socketId) this.#bySocket.delete(old.socketId);
    s.members.set(index, { ...player, socketId });
    this.#bySocket.set(socketId, { session: s, index });
    return old && old.socketId !== socketId ? { replaced: old.socketId } : {};
  }

  /** The session with this id, if it still exists. */
  get(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  /** The session and index of the member on `socketId`, if it is in one. */
  memberOf(socketId: string): { session: Session; index: number } | undefined {
    return this.#bySocket.get(socketId);
  }

  /**
   * Removes the member on `socketId` from its session; removes the session
   * when nobody is left. Returns the session and the members that remain,
   * or `undefined` when the socket was in no session.
   */
  removeMember(socketId: string): { session: Session; index: number; remaining: Member[]; freed: boolean } | undefined {
    const entry = this.#bySocket.get(socketId);
    if (!entry) return undefined;
    const s = entry.session;
    this.#bySocket.delete(socketId);
    s.members.delete(entry.index);
    // A late joiner that never finished joining gives its seat back.
    const freed = s.provisional.delete(entry.index);
    if (freed) s.players = s.players.filter((p) => p.index !== entry.index);
    if (s.members.size === 0) this.#drop(s);
    return { session: s, index: entry.index, remaining: [...s.members.values()], freed };
  }

  #seat(s: MutableSession, player: PlayerInfo): void {
    s.players = [...s.players, player].sort((a, b) => a.index - b.index);
  }

  #drop(s: MutableSession): void {
    this.#sessions.delete(s.id);
    if (s.joinKey !== undefined && this.#open.get(s.joinKey) === s) this.#open.delete(s.joinKey);
  }

  /** Counts one forwarded signalling message. */
  recordSignal(session: Session): void {
    this.#mutable(session).counters.signals++;
    this.#signals++;
  }

  /** Counts one relayed packet of `bytes` bytes. */
  recordRelay(session: Session, bytes: number): void {
    const c = this.#mutable(session).counters;
    c.relayPackets++;
    c.relayBytes += bytes;
    this.#relayPackets++;
    this.#relayBytes += bytes;
  }

  /** Counts one rejected message from a member of `session`. */
  recordRejected(session: Session): void {
    this.#mutable(session).counters.rejected++;
  }

  /** Number of running sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Totals over the server's lifetime. */
  totals(): SessionTotals {
    return {
      sessions: this.#sessions.size,
      sessionsCreated: this.#created,
      signalsForwarded: this.#signals,
      relayedPackets: this.#relayPackets,
      relayedBytes: this.#relayBytes,
    };
  }

  /** Plain-data summaries of the running sessions, oldest first. */
  summaries(): SessionSummary[] {
    return [...this.#sessions.values()].map((s) => ({
      id: s.id,
      createdAt: s.createdAt,
      players: s.seats,
      present: [...s.members.keys()].sort((a, b) => a - b),
      signals: s.counters.signals,
      relayPackets: s.counters.relayPackets,
      relayBytes: s.counters.relayBytes,
      rejected: s.counters.rejected,
    }));
  }

  /** Every `Session` handed out was created by {@link create} as a `MutableSession`. */
  #mutable(session: Session): MutableSession {
    return session as MutableSession;
  }
}
