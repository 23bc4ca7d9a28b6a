/**
 * Desync repair (policy `resync`): the lowest-index remaining peer sends its
 * confirmed snapshot over the reliable channel, chunked and checksummed;
 * every other peer reassembles it, checks it and loads it at the start of
 * the frame the sender chose (re-simulating from there with its inputs).
 *
 * The chunking is the state-transfer layer's (`state-transfer.ts`). Bounds:
 * one snapshot is reassembled at a time (a newer id replaces it), at most
 * {@link MAX_RESYNC_BYTES}, in chunks of at most {@link RESYNC_CHUNK_BYTES};
 * memory is allocated as chunks arrive, so a hostile first chunk announcing
 * a huge snapshot costs one chunk, not the announced size.
 */
import type { ResyncMessage } from '../protocol/messages.ts';
import { CHUNK_BYTES, ChunkAssembler, splitChunks } from './state-transfer.ts';

/** Bytes of snapshot per Resync chunk (fits a DataChannel message everywhere). */
export const RESYNC_CHUNK_BYTES = CHUNK_BYTES;
/** Largest snapshot a resync carries. */
export const MAX_RESYNC_BYTES = 64 * 1024 * 1024;

/** Split a snapshot into Resync messages. */
export function resyncChunks(tag: number, id: number, frame: number, snapshot: Uint8Array): ResyncMessage[] {
  return splitChunks(id, frame, snapshot).map((c) => ({ type: 6, tag, ...c }));
}

/** What one chunk did to the reassembly. */
export type ResyncStep =
  | { kind: 'partial' }
  | { kind: 'complete'; frame: number; snapshot: Uint8Array }
  | { kind: 'bad'; detail: string };

/** Reassembles resync snapshots (see the file comment for the bounds). */
export class ResyncAssembler {
  private readonly chunks: ChunkAssembler;

  constructor(maxBytes = MAX_RESYNC_BYTES) {
    this.chunks = new ChunkAssembler(maxBytes);
  }

  /** Snapshot bytes held for the snapshot being reassembled. */
  get bufferedBytes(): number {
    return this.chunks.bufferedBytes;
  }

  /** Take one chunk (from the resync authority). */
  take(m: ResyncMessage): ResyncStep {
    const step = this.chunks.take(m);
    if (step.kind === 'complete') return { kind: 'complete', frame: step.frame, snapshot: step.bytes };
    return step;
  }
}
