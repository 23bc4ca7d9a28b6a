/**
 * The research store's disk floor. Uploads are the one way a client makes
 * the server write a lot (a report may be several MiB, and anyone can form
 * sessions), so before an upload's body is read, the free space of the
 * filesystem that holds the SQLite database is checked: an upload that could
 * leave less than `minFreeBytes` free is refused, unread, with 507
 * `storage-full` and `Retry-After` (the page's uploader retries 5xx for up
 * to 10 minutes). Games, signaling and the relay go on; only research
 * uploads wait for an operator to free space. Not used with Postgres (its
 * disk is not this machine's) or an in-memory store.
 */
import { statfsSync } from 'node:fs';

/** Free bytes for unprivileged writers on the filesystem holding `dir`. */
export function statfsFreeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** How long one free-space reading is reused, ms. */
export const DISK_CHECK_EVERY_MS = 1000;

/** A stored report is written about twice (the write-ahead log, then the database file). */
const WRITE_FACTOR = 2;

/** How often a refusal is logged at most, ms. */
const LOG_EVERY_MS = 60_000;

export class DiskGuard {
  /** Uploads refused for want of space since start. */
  refused = 0;
  #free = Number.POSITIVE_INFINITY;
  #readAt = Number.NEGATIVE_INFINITY;
  #loggedAt = Number.NEGATIVE_INFINITY;
  #readFailed = false;

  /**
   * @param dir - the SQLite data directory.
   * @param minFreeBytes - the floor; 0 turns the guard off.
   * @param freeBytes - reads the free space (tests pass their own).
   * @param now - a monotonic clock, ms.
   */
  constructor(
    readonly dir: string,
    readonly minFreeBytes: number,
    private readonly freeBytes: (dir: string) => number = statfsFreeBytes,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Free bytes as last read (read again when older than {@link DISK_CHECK_EVERY_MS}); Infinity when it cannot be read. */
  free(): number {
    const t = this.now();
    if (t - this.#readAt >= DISK_CHECK_EVERY_MS) {
      this.#readAt = t;
      try {
        this.#free = this.freeBytes(this.dir);
        this.#readFailed = false;
      } catch (e) {
        // Cannot tell: let uploads through (a full disk still fails the write, which stores nothing).
        if (!this.#readFailed) console.error(`netroll research store: cannot read the free space of ${this.dir}:`, e instanceof Error ? e.message : String(e));
        this.#readFailed = true;
        this.#free = Number.POSITIVE_INFINITY;
      }
    }
    return this.#free;
  }

  /**
   * Whether an upload of at most `bytes` may be read and stored: true when
   * storing it keeps at least `minFreeBytes` free. A refusal is counted and
   * logged (at most once a minute).
   */
  allows(bytes: number): boolean {
    if (this.minFreeBytes === 0) return true;
    const free = this.free();
    if (free - WRITE_FACTOR * bytes >= this.minFreeBytes) return true;
    this.refused++;
    const t = this.now();
    if (t - this.#loggedAt >= LOG_EVERY_MS) {
      this.#loggedAt = t;
      console.error(
        `netroll research store: uploads refused (storage-full, ${this.refused} so far): ${mib(free)} MiB free on ${this.dir}, the floor is ${mib(this.minFreeBytes)} MiB; free space there, the pages retry for up to 10 minutes`,
      );
    }
    return false;
  }
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
