/**
 * Research records the server writes as things happen (a session formed, a
 * member left, an RTT probe decided, a join timed out) without waiting for
 * them: written one at a time, in the order they happened (a member's leave
 * never lands before its session's row), from a bounded queue.
 *
 * Bound: at most {@link MAX_PENDING_HOOK_WRITES} records wait; past that a
 * record is dropped, counted and logged (the database is down or far too
 * slow). A failed write is logged and counted; the next one still runs.
 */

/** Most records waiting to be written. */
export const MAX_PENDING_HOOK_WRITES = 10_000;

/** An ordered, bounded queue of fire-and-forget store writes. */
export class HookWrites {
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;
  /** Records dropped because the queue was full. */
  dropped = 0;
  /** Records whose write failed. */
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
      .then(write)
      .catch((e: unknown) => {
        this.failed++;
        console.error(`netroll research store: writing a ${what} record failed:`, e instanceof Error ? e.message : String(e));
      })
      .finally(() => {
        this.#pending--;
      });
  }

  /** Resolves when every queued record is written, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.#tail, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }
}
