/**
 * Where waiting groups live: {@link LobbyStore} is what the waiting room and
 * the handlers use; {@link MemoryLobbyStore} keeps them in this process (a
 * single node, as always), `RedisLobbyStore` (redis-lobby.ts) in Redis so
 * clients on every node of a cluster wait in the same groups.
 *
 * Queries about one socket (`isWaiting`, `client`) are answered from this
 * node's own view, synchronously: a node only ever asks about its own
 * connections.
 */
import { Lobby, type GroupSummary, type GroupTarget, type GroupView, type LobbyJoinResult, type WaitingClient } from '../lobby.ts';

/** Waiting groups, possibly shared by several nodes. */
export interface LobbyStore {
  /** Adds `client` to `target`'s group, atomically: a socket waits in one group at most, and is seated at most once. */
  join(client: WaitingClient, target: GroupTarget): Promise<LobbyJoinResult>;
  /** Puts `clients` back at the front of `target`'s queue, never grouping the `avoid` pairs (see {@link Lobby.requeue}). */
  requeue(clients: readonly WaitingClient[], target: GroupTarget, avoid: readonly (readonly [string, string])[]): Promise<LobbyJoinResult>;
  /** Removes the client on `socketId` from its group; who is still waiting there (undefined when it was not waiting). */
  leaveGroup(socketId: string): Promise<GroupView | undefined>;
  /** The group the client on `socketId` waits in. */
  groupOf(socketId: string): Promise<GroupView | undefined>;
  /** This node's waiting client on `socketId`. */
  client(socketId: string): WaitingClient | undefined;
  /** Whether this node's client on `socketId` waits in a group. */
  isWaiting(socketId: string): boolean;
  /** A group formed on another node seated this node's client on `socketId`: it waits no longer. */
  seatedElsewhere(socketId: string): void;
  /** Clients of this node waiting. */
  readonly waitingCount: number;
  /** This node's view of the waiting groups (all of them for a single node; those its clients wait in for a cluster). */
  groups(): GroupSummary[];
}

/** {@link LobbyStore} over an in-process {@link Lobby}: every change is made before the returned promise is created. */
export class MemoryLobbyStore implements LobbyStore {
  constructor(readonly lobby: Lobby = new Lobby()) {}

  join(client: WaitingClient, target: GroupTarget): Promise<LobbyJoinResult> {
    return Promise.resolve(this.lobby.join(client, target));
  }

  requeue(clients: readonly WaitingClient[], target: GroupTarget, avoid: readonly (readonly [string, string])[]): Promise<LobbyJoinResult> {
    return Promise.resolve(this.lobby.requeue(clients, target, avoid));
  }

  leaveGroup(socketId: string): Promise<GroupView | undefined> {
    return Promise.resolve(this.lobby.leaveGroup(socketId));
  }

  groupOf(socketId: string): Promise<GroupView | undefined> {
    return Promise.resolve(this.lobby.groupOf(socketId));
  }

  client(socketId: string): WaitingClient | undefined {
    return this.lobby.client(socketId);
  }

  isWaiting(socketId: string): boolean {
    return this.lobby.isWaiting(socketId);
  }

  seatedElsewhere(socketId: string): void {
    // One process: a group is only ever formed here.
    void socketId;
  }

  get waitingCount(): number {
    return this.lobby.waitingCount;
  }

  groups(): GroupSummary[] {
    return this.lobby.groups();
  }
}
