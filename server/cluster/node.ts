/**
 * What one server process shares with the other nodes of its cluster, as
 * small interfaces with two implementations: in memory (a single node, the
 * default: nothing is shared, nothing else is needed) and in Redis
 * (redis-node.ts: several nodes behind one Redis).
 */
import { randomBytes } from 'node:crypto';
import { RevokedSeats } from '../resume.ts';
import type { SharedIpBuckets } from './ip-leases.ts';
import { MemoryLobbyStore, type LobbyStore } from './lobby-store.ts';

/** Which connection holds which seat, over every node. */
export interface SeatDirectory {
  /** Seat `index` of `sessionId` is now held by this node's connection `socketId` (until `expiresAt`, ms since the epoch). */
  bound(sessionId: string, index: number, socketId: string, expiresAt: number): void;
  /** This node's connection `socketId` no longer holds seat `index` (a seat taken over since is left alone). */
  unbound(sessionId: string, index: number, socketId: string): void;
  /** Seats of `sessionId` held by a connection on a live node; `local` are this node's. */
  present(sessionId: string, local: readonly number[]): Promise<number[]>;
}

/** Seats that left their session for good (their resume secrets are refused). */
export interface SeatRevocations {
  /** Refuses seat `index` of `sessionId` until `expiresAt`. */
  revoke(sessionId: string, index: number, expiresAt: number, now: number): void;
  /** Whether seat `index` of `sessionId` is refused. */
  has(sessionId: string, index: number): Promise<boolean>;
}

/** Connections per IP address counted over every node (the per-node count stays in IpBudgets). */
export interface SharedConnectionCount {
  /** Counts one more connection of `ip` when the cluster-wide count is under the limit; false otherwise. */
  acquire(ip: string): Promise<boolean>;
  /** Counts one connection of `ip` fewer (one that {@link acquire} counted). */
  release(ip: string): void;
}

/** This process as a node: its id and what it shares. */
export interface ClusterNode {
  /** Unique among running nodes. */
  readonly nodeId: string;
  /** Whether other nodes may exist (signals and relay packets then go through the socket.io adapter to seats on other nodes). */
  readonly clustered: boolean;
  readonly lobby: LobbyStore;
  readonly seats: SeatDirectory;
  readonly revoked: SeatRevocations;
  /** Cluster-wide connection count per IP (absent on a single node: IpBudgets counts them). */
  readonly connections?: SharedConnectionCount;
  /** Cluster-wide per-IP token buckets (messages, joins, relay bytes); absent on a single node: IpBudgets alone keeps them. */
  readonly ipBuckets?: SharedIpBuckets;
  /** Salt of room-secret digests: the same on every node, so a room with a secret is one room everywhere. */
  readonly secretSalt: Buffer;
  /** The key signing resume secrets, when the cluster keeps one (every node must use the same). */
  readonly resumeKey?: string;
  /** Stops heart-beating and closes connections. Idempotent. */
  close(): Promise<void>;
}

/** A single node: everything in this process, exactly as without a cluster. */
export function memoryNode(nodeId: string): ClusterNode {
  const revoked = new RevokedSeats();
  return {
    nodeId,
    clustered: false,
    lobby: new MemoryLobbyStore(),
    seats: {
      bound: () => undefined,
      unbound: () => undefined,
      present: (_sessionId, local) => Promise.resolve([...local]),
    },
    revoked: {
      revoke: (sessionId, index, expiresAt, now) => revoked.revoke(sessionId, index, expiresAt, now),
      has: (sessionId, index) => Promise.resolve(revoked.has(sessionId, index)),
    },
    secretSalt: randomBytes(16),
    close: () => Promise.resolve(),
  };
}
