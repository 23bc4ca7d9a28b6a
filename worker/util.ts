/** The `q` quantile (0..1) of an ascending array (0 when empty). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** ArrayBuffers of typed arrays found at the top level or one level down in `value`, for transfer. */
export function collectTransferables(value: unknown): Transferable[] {
  const out = new Set<ArrayBuffer>();
  const visit = (v: unknown, depth: number) => {
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) out.add(v.buffer);
      return;
    }
    if (depth > 1 || typeof v !== 'object' || v === null) return;
    for (const child of Object.values(v)) visit(child, depth + 1);
  };
  visit(value, 0);
  return [...out];
}

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
