/** The server's observable counters. */
import type { SpectatorCounters } from './spectators.ts';
import type { SessionSummary } from './sessions.ts';
import type { GroupSummary } from './lobby.ts';
import type { DropCounters } from './signaling.ts';

/** A snapshot of the server's state and lifetime counters. */
export interface ServerStats {
  /** Connected socket.io clients. */
  readonly clients: number;
  /** Running sessions. */
  readonly sessions: number;
  /** Sessions formed since start. */
  readonly sessionsCreated: number;
  /** Clients waiting in rooms and queues. */
  readonly waiting: number;
  /** Signalling messages forwarded since start. */
  readonly signalsForwarded: number;
  /** Relay packets forwarded since start. */
  readonly relayedPackets: number;
  /** Bytes of those packets. */
  readonly relayedBytes: number;
  /** Rejected client messages since start, by error code. */
  readonly rejected: Readonly<Record<string, number>>;
  /** Sum of `rejected`. */
  readonly rejectedTotal: number;
  /** The running sessions. */
  readonly sessionList: readonly SessionSummary[];
  /** The waiting groups. */
  readonly groups: readonly GroupSummary[];
  /** What backpressure and byte budgets dropped since start. */
  readonly dropped: Readonly<DropCounters>;
  /** IP addresses tracked by the per-IP budgets. */
  readonly trackedIps: number;
  /** Entries in the live-dashboard table. */
  readonly liveSessions: number;
  /**
   * Research uploads: in flight now, body bytes read by the upload route since
   * start, uploads refused before their body was read (of them, for want of
   * disk space: `refusedStorageFull`), and all bytes (headers included) read
   * from the connections of refused uploads.
   */
  readonly uploads: {
    readonly inFlight: number;
    readonly bodyBytesRead: number;
    readonly refusedBeforeBody: number;
    readonly refusedStorageFull: number;
    readonly socketBytesRefused: number;
  };
  /** Spectators watching now, the spectator counters since start, and the sizes of the spectator tables. */
  readonly spectators: Readonly<SpectatorCounters> & { readonly watching: number; readonly tables: { readonly sessions: number; readonly spectators: number } };
}

/** Counts rejected messages by error code. */
export class RejectionCounter {
  readonly #byCode = new Map<string, number>();
  #total = 0;

  /** Counts one rejection with `code`. */
  add(code: string): void {
    this.#byCode.set(code, (this.#byCode.get(code) ?? 0) + 1);
    this.#total++;
  }

  /** Counts by code, as a plain object. */
  byCode(): Record<string, number> {
    return Object.fromEntries(this.#byCode);
  }

  /** Total rejections. */
  get total(): number {
    return this.#total;
  }
}
