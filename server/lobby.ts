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
  /** Rooms only: a digest of the room secret (never the secret itself); groups with other digests are other rooms. */
  readonly secretDigest?: string;
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

/** Result of {@link Lobby.join}. `formed` is set (in join order) when this join filled the group. */
export type LobbyJoinResult =
  | { readonly ok: true; readonly waiting: number; readonly formed?: readonly WaitingClient[] }
  | { readonly ok: false; readonly error: ErrorInfo };

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

  /** Adds `client` to the group for `target`; returns the group's members when it is now full. */
  join(client: WaitingClient, target: GroupTarget): LobbyJoinResult {
    if (this.#bySocket.has(client.socketId)) {
      return { ok: false, error: { code: ErrorCode.AlreadyJoined, message: 'already waiting in a room or queue', event: 'join' } };
    }
    const key = target.kind === 'room' ? `room:${target.name}#${target.secretDigest ?? ''}` : `queue:${target.name}:${target.players}`;
    let group = this.#groups.get(key);
    if (group && group.players !== target.players) {
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
    const waiting = group.members.length;
    if (waiting < group.players) {
      this.#bySocket.set(client.socketId, group);
      return { ok: true, waiting };
    }
    this.#groups.delete(key);
    for (const m of group.members) this.#bySocket.delete(m.socketId);
    return { ok: true, waiting, formed: group.members };
  }

  /** Removes the client on `socketId` from its group; returns whether it was waiting. */
  leave(socketId: string): boolean {
    return this.leaveGroup(socketId) !== undefined;
  }

  /** Removes the client on `socketId` from its group; returns who is still waiting there (undefined when it was not waiting). */
  leaveGroup(socketId: string): GroupView | undefined {
    const group = this.#bySocket.get(socketId);
    if (!group) return undefined;
    this.#bySocket.delete(socketId);
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
