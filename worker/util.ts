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
