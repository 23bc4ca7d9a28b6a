/** The tick loops' timer arithmetic (pure: also tested in Node). */

/**
 * A tick whose timer fires this little before its time runs now: browsers
 * take setTimeout delays in whole ms (16.7 becomes 16) and clamp a chained
 * timer's 0 ms to 4 ms, so waiting out the last fraction would make that
 * tick 4 ms late.
 */
export const TICK_EARLY_MS = 1;

/** The setTimeout delay to the tick due at `nextAt` (performance.now() ms): whole ms, rounded up. */
export function tickDelay(nextAt: number, now: number): number {
  return Math.max(0, Math.ceil(nextAt - now));
}
