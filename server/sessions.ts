/**
 * The registry of running sessions: who is in which, at what index, with
 * per-session counters. Knows nothing about sockets beyond their ids.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { PlayerInfo } from '../src/signaling/events.ts';

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
  /** Every member at creation, ordered by index; never changes. */
  readonly players: readonly PlayerInfo[];
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
  readonly members: Map<number, Member>;
  readonly counters: SessionCounters;
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
}

/** A session as a resume secret describes it, for {@link SessionRegistry.restore}. */
export interface RestoredSession {
  readonly id: string;
  readonly seed: number;
  readonly createdAt: number;
  readonly target: string;
  readonly expiresAt: number;
  readonly players: readonly { readonly clientId: string; readonly name: string }[];
}

/** Holds the sessions and which socket is in which. */
export class SessionRegistry {
  readonly #sessions = new Map<string, MutableSession>();
  readonly #bySocket = new Map<string, { session: MutableSession; index: number }>();
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
    const session: MutableSession = {
      id: randomUUID(),
      seed: randomBytes(4).readUInt32BE(0),
      createdAt: now,
      target: meta.target ?? '',
      expiresAt: meta.expiresAt ?? Infinity,
      players,
      members: new Map(members.flatMap((m, index) => (local(m.socketId) ? [[index, { ...players[index]!, socketId: m.socketId }] as const] : []))),
      counters: { signals: 0, relayPackets: 0, relayBytes: 0, rejected: 0 },
    };
    this.#sessions.set(session.id, session);
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
    const existing = this.#sessions.get(r.id);
    if (existing) return { session: existing, restored: false };
    const session: MutableSession = {
      id: r.id,
      seed: r.seed,
      createdAt: r.createdAt,
      target: r.target,
      expiresAt: r.expiresAt,
      players: r.players.map((p, index) => ({ index, clientId: p.clientId, name: p.name })),
      members: new Map(),
      counters: { signals: 0, relayPackets: 0, relayBytes: 0, rejected: 0 },
    };
    this.#sessions.set(session.id, session);
    return { session, restored: true };
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
    const player = s.players[index];
    if (!player) throw new Error(`session ${s.id} has no seat ${index}`);
    const mine = this.#bySocket.get(socketId);
    if (mine && (mine.session !== s || mine.index !== index)) throw new Error(`socket ${socketId} already holds a seat`);
    if (!this.#sessions.has(s.id)) this.#sessions.set(s.id, s);
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
  removeMember(socketId: string): { session: Session; index: number; remaining: Member[] } | undefined {
    const entry = this.#bySocket.get(socketId);
    if (!entry) return undefined;
    this.#bySocket.delete(socketId);
    entry.session.members.delete(entry.index);
    if (entry.session.members.size === 0) this.#sessions.delete(entry.session.id);
    return { session: entry.session, index: entry.index, remaining: [...entry.session.members.values()] };
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
      players: s.players.length,
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
