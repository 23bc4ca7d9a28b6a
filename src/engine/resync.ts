/**
 * Desync repair (policy `resync`): the lowest-index remaining peer sends its
 * confirmed snapshot over the reliable channel, chunked and checksummed;
 * every other peer reassembles it, checks it and loads it at the start of
 * the frame the sender chose (re-simulating from there with its inputs).
 *
 * Bounds: one snapshot is reassembled at a time (a newer id replaces it),
 * at most {@link MAX_RESYNC_BYTES}, in chunks of at most
 * {@link RESYNC_CHUNK_BYTES}.
 */
import type { ResyncMessage } from '../protocol/messages.ts';
import { xxh32 } from './hash.ts';

/** Bytes of snapshot per Resync chunk (fits a DataChannel message everywhere). */
export const RESYNC_CHUNK_BYTES = 16 * 1024;
/** Largest snapshot a resync carries. */
export const MAX_RESYNC_BYTES = 64 * 1024 * 1024;

/** Split a snapshot into Resync messages. */
export function resyncChunks(tag: number, id: number, frame: number, snapshot: Uint8Array): ResyncMessage[] {
  const count = Math.max(1, Math.ceil(snapshot.length / RESYNC_CHUNK_BYTES));
  const checksum = xxh32(snapshot);
  const out: ResyncMessage[] = [];
  for (let index = 0; index < count; index++) {
    const data = snapshot.subarray(index * RESYNC_CHUNK_BYTES, Math.min(snapshot.length, (index + 1) * RESYNC_CHUNK_BYTES));
    out.push({ type: 6, tag, frame, id: id & 0xffff, index, count, total: snapshot.length, checksum, data });
  }
  return out;
}

/** What one chunk did to the reassembly. */
export type ResyncStep =
  | { kind: 'partial' }
  | { kind: 'complete'; frame: number; snapshot: Uint8Array }
  | { kind: 'bad'; detail: string };

export class ResyncAssembler {
  private current: { id: number; frame: number; total: number; checksum: number; count: number; bytes: Uint8Array; got: Uint8Array; received: number } | undefined;

  /** Take one chunk (from the resync authority). */
  take(m: ResyncMessage): ResyncStep {
    if (m.total > MAX_RESYNC_BYTES) return { kind: 'bad', detail: `a ${m.total}-byte snapshot is over the ${MAX_RESYNC_BYTES}-byte limit` };
    if (m.count !== Math.max(1, Math.ceil(m.total / RESYNC_CHUNK_BYTES))) return { kind: 'bad', detail: `${m.count} chunks for ${m.total} bytes` };
    const expected = Math.min(RESYNC_CHUNK_BYTES, m.total - m.index * RESYNC_CHUNK_BYTES);
    if (m.data.length !== expected) return { kind: 'bad', detail: `chunk ${m.index} holds ${m.data.length} bytes, expected ${expected}` };
    let c = this.current;
    if (!c || c.id !== m.id || c.frame !== m.frame || c.total !== m.total || c.checksum !== m.checksum) {
      c = this.current = {
        id: m.id,
        frame: m.frame,
        total: m.total,
        checksum: m.checksum,
        count: m.count,
        bytes: new Uint8Array(m.total),
        got: new Uint8Array(m.count),
        received: 0,
      };
    }
    if (c.got[m.index]) return { kind: 'partial' };
    c.got[m.index] = 1;
    c.received++;
    c.bytes.set(m.data, m.index * RESYNC_CHUNK_BYTES);
    if (c.received < c.count) return { kind: 'partial' };
    this.current = undefined;
    if (xxh32(c.bytes) !== c.checksum) return { kind: 'bad', detail: `snapshot of frame ${c.frame} fails its checksum` };
    return { kind: 'complete', frame: c.frame, snapshot: c.bytes };
  }
}
