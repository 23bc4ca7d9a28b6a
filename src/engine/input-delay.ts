/**
 * The input-delay rule: how the local input of a tick enters the local
 * input queue at `frame + delay`, when the delay may change at runtime.
 *
 * - Steady delay: one frame per tick, the tick's input.
 * - Raised delay: the new gap frames hold the input in effect before the
 *   change (the previous tick's), then the tick's input; a tap is never
 *   stretched (a key held across the raise is extended by the gap).
 * - Lowered delay: the queue is already past `frame + delay`. Nothing is
 *   dropped or shortened: the tick's input is still appended, one frame per
 *   tick, except on an idle tick (all zeros and unchanged from the previous
 *   tick), which appends nothing, so the delay comes down one frame per idle
 *   tick.
 *
 * So the confirmed log holds every tap for exactly as long as it was held,
 * as long as the delay changes while no key is held.
 */
import type { InputQueue } from './input-queue.ts';

/**
 * Add the tick's `input` (the previous tick's was `previous`) to the local
 * `queue` for the tick at `frame`, never past `lastFrame`.
 */
export function addLocalInput(queue: InputQueue, input: Uint8Array, previous: Uint8Array, frame: number, delay: number, lastFrame: number): void {
  const target = Math.min(frame + delay, lastFrame);
  if (queue.lastFrame < target) {
    while (queue.lastFrame < target - 1) queue.append(previous);
    queue.append(input);
    return;
  }
  if (queue.lastFrame >= lastFrame) return;
  if (isZero(input) && sameBytes(input, previous) && queue.equals(queue.lastFrame, input)) return;
  queue.append(input);
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
