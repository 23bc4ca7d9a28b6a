/**
 * Research records the server writes as things happen (a session formed, a
 * member left, an RTT probe decided, a join timed out) without waiting for
 * them: written one at a time, in the order they happened (a member's leave
 * never lands before its session's row), from a bounded queue.
 *
 * A write that fails because the database is unavailable (Postgres down) is
 * retried, the queue waiting behind it, with backoff from
 * {@link RETRY_BASE_MS} to {@link RETRY_MAX_MS}, for at most
 * {@link RETRY_FOR_MS}; then it is dropped, counted and logged. Any other
 * failure is logged and counted at once; the next record still runs.
 *
 * Bound: at most {@link MAX_PENDING_HOOK_WRITES} records wait; past that a
 * record is dropped, counted and logged.
 */
import { StoreUnavailableError } from './sql.ts';

/** Most records waiting to be written. */
export const MAX_PENDING_HOOK_WRITES = 10_000;
/** First retry delay of a write the database was unavailable for, ms (doubles each time). */
export const RETRY_BASE_MS = 250;
/** Longest retry delay, ms. */
export const RETRY_MAX_MS = 5000;
/** How long one record is retried before it is dropped, ms. */
export const RETRY_FOR_MS = 5 * 60_000;

/** An ordered, bounded queue of fire-and-forget store writes. */
export class HookWrites {
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;
  #closed = false;
  /** Records dropped (queue full, or unavailable for longer than the retry window, or closing). */
  dropped = 0;
  /** Records whose write failed for another reason than an unavailable database. */
  failed = 0;

  constructor(private readonly limit = MAX_PENDING_HOOK_WRITES) {}

  /** Records waiting (or being written). */
  get pending(): number {
    return this.#pending;
  }

  /** Queues `write` (named `what` in logs) after every earlier one. */
  push(what: string, write: () => Promise<void>): void {
    if (this.#pending >= this.limit) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) console.error(`netroll research store: ${this.dropped} record(s) dropped, ${this.limit} already waiting (${what})`);
      return;
    }
    this.#pending++;
    this.#tail = this.#tail
      .then(() => this.#attempt(what, write))
      .finally(() => {
        this.#pending--;
      });
  }

  async #attempt(what: string, write: () => Promise<void>): Promise<void> {
    const started = Date.now();
    for (let delay = RETRY_BASE_MS; ; delay = Math.min(RETRY_MAX_MS, delay * 2)) {
      try {
        await write();
        return;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (!(e instanceof StoreUnavailableError)) {
          this.failed++;
          console.error(`netroll research store: writing a ${what} record failed:`, message);
          return;
        }
        if (this.#closed || Date.now() - started + delay > RETRY_FOR_MS) {
          this.dropped++;
          console.error(`netroll research store: a ${what} record was dropped, the database stayed unavailable:`, message);
          return;
        }
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** Resolves when every queued record is written, or after `timeoutMs` (records still retrying are then given up). */
  async drain(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.#tail, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.#closed = true;
  }
}
