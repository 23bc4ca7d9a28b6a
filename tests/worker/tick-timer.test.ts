/** The tick loop's timer arithmetic (worker/tick-timer.ts): whole-ms delays that never fire before the tick, and the early-run tolerance. */
import { describe, expect, it } from 'vitest';
import { TICK_EARLY_MS, tickDelay } from '../../worker/tick-timer.ts';

describe('tickDelay', () => {
  it('rounds the wait up to whole ms, so a browser that truncates the delay does not fire before the tick', () => {
    expect(tickDelay(1016.7, 1000)).toBe(17);
    expect(tickDelay(1016.0, 1000)).toBe(16);
    expect(tickDelay(1000.2, 1000)).toBe(1);
  });

  it('is 0 for a tick that is due or late, never negative', () => {
    expect(tickDelay(1000, 1000)).toBe(0);
    expect(tickDelay(990, 1000)).toBe(0);
  });

  it('a timer that fires at the rounded-up delay is within the early tolerance of its tick even on a coarse clock', () => {
    // a clock coarsened to 0.1 ms may read up to 0.1 ms early: still inside TICK_EARLY_MS, so no extra (clamped) timer is needed
    for (const due of [1016.66, 1033.33, 1050.01]) {
      const firedAt = 1000 + tickDelay(due, 1000) - 0.1;
      expect(firedAt).toBeGreaterThanOrEqual(due - TICK_EARLY_MS);
    }
  });
});
