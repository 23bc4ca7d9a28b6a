/**
 * Snapshots of games whose whole state is one Int32Array (arena, swarm):
 * save and load are typed-array byte copies, reusing buffers when they fit.
 */

/** A state that lives in one Int32Array. */
export interface Int32State {
  readonly data: Int32Array;
}

/** Copy `data`'s bytes into `reuse` (when the length fits) or a new buffer. */
export function saveInt32(data: Int32Array, reuse?: Uint8Array): Uint8Array {
  const out = reuse && reuse.length === data.byteLength ? reuse : new Uint8Array(data.byteLength);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return out;
}

/** Copy snapshot bytes into `reuse`'s array (when the length fits) or a new state. */
export function loadInt32<S extends Int32State>(bytes: Uint8Array, reuse?: S): S | Int32State {
  const d = reuse && reuse.data.length * 4 === bytes.length ? reuse.data : new Int32Array(bytes.length >> 2);
  new Uint8Array(d.buffer, d.byteOffset, d.byteLength).set(bytes);
  return reuse && reuse.data === d ? reuse : { data: d };
}
