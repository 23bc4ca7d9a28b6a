/**
 * Per-IP token buckets shared by the nodes of a cluster, without a Redis
 * round trip per message: the bucket itself lives in Redis (a Lua token
 * bucket, see redis-node.ts), and each node takes tokens from it in small
 * leases that it then spends locally, synchronously.
 *
 * How much an address can use over the whole cluster: the bucket's burst and
 * rate, plus at most one lease ({@link leaseSize}) spent on credit per node
 * (a node lets an address spend one lease ahead while it asks Redis for the
 * next). Every node still applies its own in-memory per-IP bucket first
 * (IpBudgets), so no node ever allows more than a single node would.
 *
 * Redis unreachable: the shared check is skipped for {@link FAIL_OPEN_MS}
 * after a failed request (fail open, down to the per-node budgets): a Redis
 * outage must not cut running sessions' relay traffic, and each node's own
 * budget still bounds what an address can cost it.
 */
import type { RateLimit } from '../config.ts';

/** How long the shared check is skipped after Redis failed to answer a lease request, ms. */
export const FAIL_OPEN_MS = 5000;

/** Token buckets per IP address held by the whole cluster (Redis). */
export interface SharedIpBuckets {
  /**
   * Takes up to `want` tokens from `ip`'s cluster-wide bucket `bucket`
   * (refilled per `limit`); resolves to how many it got (0 when empty).
   * Rejects when the store did not answer (having reported why).
   */
  lease(ip: string, bucket: string, limit: RateLimit, want: number): Promise<number>;
}

/** Tokens taken from Redis at a time for a bucket of `limit`: a sixteenth of its burst, at least 1. */
export function leaseSize(limit: RateLimit): number {
  return Math.max(1, Math.ceil(limit.burst / 16));
}

/** One node's lease on one address's shared bucket. */
export class LeasedBucket {
  /** Leased tokens not spent yet (negative: spent on credit, at most one lease). */
  #balance = 0;
  #asking = false;
  /** Until when the shared bucket is taken as empty (Redis granted less than asked), ms. */
  #emptyUntil = -Infinity;
  /** Until when the shared check is skipped (Redis did not answer), ms. */
  #openUntil = -Infinity;
  readonly #size: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly ask: (want: number) => Promise<number>,
    private readonly clock: () => number,
  ) {
    this.#size = leaseSize(limit);
  }

  /** Whether a request to Redis is in flight (an entry holding one is not idle). */
  get asking(): boolean {
    return this.#asking;
  }

  /** Spends `amount` tokens at `now` (ms); false when the cluster-wide bucket has none for it. */
  take(amount: number, now: number): boolean {
    if (this.#balance >= amount) {
      this.#balance -= amount;
      if (this.#balance < this.#size / 2) this.#refill(now);
      return true;
    }
    if (now < this.#openUntil) return true;
    if (now < this.#emptyUntil) return false;
    this.#refill(now);
    if (this.#balance - amount < -this.#size) return false;
    this.#balance -= amount;
    return true;
  }

  #refill(now: number): void {
    if (this.#asking || now < this.#emptyUntil || now < this.#openUntil) return;
    this.#asking = true;
    // Back up to one lease (repaying what was spent on credit).
    const want = Math.ceil(this.#size - this.#balance);
    this.ask(want).then(
      (got) => {
        this.#asking = false;
        this.#balance += got;
        const t = this.clock();
        // Emptied: ask again once a lease's worth has refilled.
        if (got < want) this.#emptyUntil = t + Math.max(50, (this.#size / this.limit.perSecond) * 1000);
        // Spent (on credit) while asking: ask for the next lease now, not at the next message.
        else if (this.#balance < this.#size / 2) this.#refill(t);
      },
      () => {
        // (the store reports its own failures)
        this.#asking = false;
        this.#openUntil = this.clock() + FAIL_OPEN_MS;
      },
    );
  }
}
