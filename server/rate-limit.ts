/** Token buckets for message and byte rate limits. */
import type { RateLimit } from './config.ts';

/** A token bucket: `burst` tokens, refilled at `perSecond`. */
export class TokenBucket {
  readonly #limit: RateLimit;
  #tokens: number;
  #last: number;

  constructor(limit: RateLimit, now: number) {
    this.#limit = limit;
    this.#tokens = limit.burst;
    this.#last = now;
  }

  /** Takes `amount` tokens (default one) at time `now` (ms); false (and takes nothing) when there are not enough. */
  take(now: number, amount = 1): boolean {
    this.#refill(now);
    if (this.#tokens < amount) return false;
    this.#tokens -= amount;
    return true;
  }

  /** Whether the bucket is full at `now` (an idle client: its entry may be forgotten). */
  full(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.#limit.burst;
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.#limit.burst, this.#tokens + elapsed * this.#limit.perSecond);
  }
}
