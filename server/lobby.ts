/**
 * Lobby and matchmaking: clients wait in named rooms or in queues until
 * their group is full; a full group is handed back to form a session and
 * its name is free again for the next group.
 *
 * - room `R`: one waiting group per name and secret; the first member fixes
 *   the player count, later joins must ask for the same count. Clients with
 *   another secret (or none) wait in another group: they can neither take a
 *   seat nor fix the count of a room they were not invited to.
 * - queue `Q`: one waiting group per (name, player count); clients asking
 *   for another count wait in another group.
 */
import { ErrorCode, type ErrorInfo, type ParticipantMetadata, type SpectatorMode } from '../src/signaling/events.ts';

/** Where a client asked to wait. */
export interface GroupTarget {
  readonly kind: 'room' | 'queue';
  readonly name: string;
  /** Group size that starts the session. */
  readonly players: number;
  /** Seats of the session, when more than `players` (free seats for late joiners; `join`'s `players` with `startPlayers`). */
  readonly seats?: number;
  /** Rooms only: a digest of the room secret (never the secret itself); groups with other digests are other rooms. */
  readonly secretDigest?: string;
  /** Queues only: a latency gate (a formed group is probed before it is confirmed); queues with another limit are other queues. */
  readonly maxRttMs?: number;
}

/** A client waiting in a group. */
export interface WaitingClient {
  readonly socketId: string;
  readonly clientId: string;
  readonly name?: string;
  /** The study participant's id, when the join gave one. */
  readonly participantId?: string;
  /** The participant's metadata, when the join gave it. */
  readonly metadata?: ParticipantMetadata;
  /** The client's spectator setting (`join`'s `spectators`); default `p2p`. */
  readonly spectators?: SpectatorMode;
}

/** A waiting group's members and size, e.g. after one of them left. */
export interface GroupView {
  readonly members: readonly WaitingClient[];
  /** Group size that starts the session. */
  readonly needed: number;
}

/**
 * How a join whose answer never came from a shared lobby (Redis too slow) was
 * settled afterwards, once the store could be asked again:
 * - `cancelled`: it never seated the client and never will;
 * - `formed`: it formed this group (the other members still need their session; the client's seat is refused);
 * - `seated`: another join's group seated the client (its seat is refused when that group is announced);
 * - `unknown`: the store stayed unreachable for the whole lifetime of a waiting entry (after which no group can take it).
 */
export type JoinSettlement =
  | { readonly kind: 'cancelled' | 'seated' | 'unknown' }
  | { readonly kind: 'formed'; readonly formed: readonly WaitingClient[] };

/**
 * Result of {@link Lobby.join}. `formed` is set (in join order) when this join
 * filled the group; `seated` when a group formed by another join already took
 * this client (a repeated join whose first answer was lost). A failure with
 * `settling` (code `unavailable`) is a join whose outcome the store could not
 * learn in time: `settling` resolves once it is cancelled or known.
 */
export type LobbyJoinResult =
  | { readonly ok: true; readonly waiting: number; readonly formed?: readonly WaitingClient[]; readonly seated?: boolean }
  | { readonly ok: false; readonly error: ErrorInfo; readonly settling?: Promise<JoinSettlement> };

/** A plain-data view of a waiting group. */
export interface GroupSummary extends GroupTarget {
  readonly waiting: number;
}

interface Group extends GroupTarget {
  readonly key: string;
  readonly members: WaitingClient[];
}

/** Waiting groups, keyed by room name or by queue name and size. */
export class Lobby {
  readonly #groups = new Map<string, Group>();
  readonly #bySocket = new Map<string, Group>();
  /** Pairs never to group together (failed RTT probes), by socket id; entries go when a member stops waiting. */
  readonly #avoid = new Map<string, Set<string>>();

  /** Adds `client` to the group for `target`; returns the group's members when it is now full. */
  join(client: WaitingClient, target: GroupTarget): LobbyJoinResult {
    if (this.#bySocket.has(client.socketId)) {
      return { ok: false, error: { code: ErrorCode.AlreadyJoined, message: 'already waiting in a room or queue', event: 'join' } };
    }
    const key = groupKey(target);
    let group = this.#groups.get(key);
    if (group && (group.players !== target.players || group.seats !== target.seats)) {
      return {
        ok: false,
        error: {
          code: ErrorCode.PlayersMismatch,
          message: `room ${target.name} is waiting for ${group.players} players, not ${target.players}`,
          event: 'join',
        },
      };
    }
    if (group?.members.some((m) => m.clientId === client.clientId)) {
      return {
        ok: false,
        error: { code: ErrorCode.DuplicateClient, message: `client id ${client.clientId} is already waiting in this ${target.kind}`, event: 'join' },
      };
    }
    if (!group) {
      group = { ...target, key, members: [] };
      this.#groups.set(key, group);
    }
    group.members.push(client);
    this.#bySocket.set(client.socketId, group);
    return this.#form(group);
  }

  /**
   * Puts `clients` (of a gated group whose RTT probe failed) back at the
   * front of `target`'s queue, in order, ahead of everyone waiting there;
   * each pair in `avoid` is never grouped together again while they wait.
   * Returns like {@link Lobby.join} (the group may form again at once).
   */
  requeue(clients: readonly WaitingClient[], target: GroupTarget, avoid: readonly (readonly [string, string])[]): LobbyJoinResult {
    const key = groupKey(target);
    let group = this.#groups.get(key);
    if (!group) {
      group = { ...target, key, members: [] };
      this.#groups.set(key, group);
    }
    const fresh = clients.filter((c) => !this.#bySocket.has(c.socketId));
    group.members.unshift(...fresh);
    for (const c of fresh) this.#bySocket.set(c.socketId, group);
    for (const [a, b] of avoid) {
      this.#avoidSet(a).add(b);
      this.#avoidSet(b).add(a);
    }
    return this.#form(group);
  }

  /**
   * Forms a session from `group` when it can: the first members (in order)
   * of which no two must be avoided, `players` of them. Bounded: one pass
   * over the group, `players` checks per member.
   */
  #form(group: Group): LobbyJoinResult {
    const waiting = group.members.length;
    const chosen: WaitingClient[] = [];
    for (const m of group.members) {
      if (chosen.length === group.players) break;
      const avoid = this.#avoid.get(m.socketId);
      if (avoid && chosen.some((c) => avoid.has(c.socketId))) continue;
      chosen.push(m);
    }
    if (chosen.length < group.players) return { ok: true, waiting };
    const picked = new Set(chosen.map((c) => c.socketId));
    group.members.splice(0, group.members.length, ...group.members.filter((m) => !picked.has(m.socketId)));
    if (group.members.length === 0) this.#groups.delete(group.key);
    for (const c of chosen) this.#forget(c.socketId);
    return { ok: true, waiting, formed: chosen };
  }

  #avoidSet(socketId: string): Set<string> {
    let set = this.#avoid.get(socketId);
    if (!set) this.#avoid.set(socketId, (set = new Set()));
    return set;
  }

  #forget(socketId: string): void {
    this.#bySocket.delete(socketId);
    const avoid = this.#avoid.get(socketId);
    if (avoid) for (const other of avoid) this.#avoid.get(other)?.delete(socketId);
    this.#avoid.delete(socketId);
  }

  /** Removes the client on `socketId` from its group; returns whether it was waiting. */
  leave(socketId: string): boolean {
    return this.leaveGroup(socketId) !== undefined;
  }

  /** Removes the client on `socketId` from its group; returns who is still waiting there (undefined when it was not waiting). */
  leaveGroup(socketId: string): GroupView | undefined {
    const group = this.#bySocket.get(socketId);
    if (!group) return undefined;
    this.#forget(socketId);
    const i = group.members.findIndex((m) => m.socketId === socketId);
    if (i >= 0) group.members.splice(i, 1);
    if (group.members.length === 0) this.#groups.delete(group.key);
    return { members: [...group.members], needed: group.players };
  }

  /** The group the client on `socketId` waits in (undefined when it is not waiting). */
  groupOf(socketId: string): GroupView | undefined {
    const group = this.#bySocket.get(socketId);
    return group && { members: [...group.members], needed: group.players };
  }

  /** The waiting client on `socketId`. */
  client(socketId: string): WaitingClient | undefined {
    return this.#bySocket.get(socketId)?.members.find((m) => m.socketId === socketId);
  }

  /** Whether the client on `socketId` is waiting in a group. */
  isWaiting(socketId: string): boolean {
    return this.#bySocket.has(socketId);
  }

  /** Number of clients waiting over all groups. */
  get waitingCount(): number {
    return this.#bySocket.size;
  }

  /** The waiting groups. */
  groups(): GroupSummary[] {
    return [...this.#groups.values()].map((g) => ({ kind: g.kind, name: g.name, players: g.players, waiting: g.members.length }));
  }
}

/** The key of `target`'s group: the same on every node of a cluster (also the key late joins find its running session by). */
export function groupKey(target: GroupTarget): string {
  if (target.kind === 'room') return `room:${target.name}#${target.secretDigest ?? ''}`;
  return `queue:${target.name}:${target.players}${target.seats !== undefined ? `/${target.seats}` : ''}${target.maxRttMs !== undefined ? `:rtt${target.maxRttMs}` : ''}`;
}
