/** Token buckets for per-connection message rate limits. */
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

  /** Takes one token at time `now` (ms); false when the bucket is empty. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.#limit.burst, this.#tokens + elapsed * this.#limit.perSecond);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
