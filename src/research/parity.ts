/**
 * Parity between peers: do every peer's confirmed input logs and state
 * hashes agree, frame by frame? Compares over the frames all peers
 * confirmed (a peer that left early has a shorter log).
 */
import { decodeInputLog, type InputLog } from '../engine/input-log.ts';

export interface PeerRecord {
  readonly playerIndex: number;
  /** The encoded confirmed input log. */
  readonly inputLog: Uint8Array;
  readonly hashes: readonly { frame: number; hash: number }[];
}

export interface ParityResult {
  /** `fullySynced`: every compared frame and hash agrees; `mismatch`: see `firstMismatchFrame`. */
  readonly status: 'fullySynced' | 'mismatch';
  /** First frame whose inputs or state hash differ between peers (null when synced). */
  readonly firstMismatchFrame: number | null;
  /** Why it mismatched (null when synced). */
  readonly detail: string | null;
  /** Frames compared (confirmed by every peer). */
  readonly framesCompared: number;
  /** State hashes compared (frames every peer hashed). */
  readonly hashesCompared: number;
}

const mismatch = (frame: number, detail: string, framesCompared: number, hashesCompared: number): ParityResult => ({
  status: 'mismatch',
  firstMismatchFrame: frame,
  detail,
  framesCompared,
  hashesCompared,
});

/** Compare two or more peers' records. */
export function checkParity(records: readonly PeerRecord[]): ParityResult {
  if (records.length < 2) throw new RangeError('parity needs at least two peers');
  const logs: InputLog[] = [];
  for (const r of records) {
    const d = decodeInputLog(r.inputLog);
    if (!d.ok) return mismatch(0, `player ${r.playerIndex}: ${d.error}`, 0, 0);
    logs.push(d.log);
  }
  const first = logs[0]!;
  for (let i = 1; i < logs.length; i++) {
    const l = logs[i]!;
    if (l.spec !== first.spec || l.seed !== first.seed || l.players !== first.players || l.inputSize !== first.inputSize) {
      return mismatch(0, `player ${records[i]!.playerIndex} logged a different game, seed or player count`, 0, 0);
    }
  }
  const frames = Math.min(...logs.map((l) => l.frames));
  const stride = first.players * first.inputSize;
  // hashes: frame -> hash per peer
  const hashMaps = records.map((r) => new Map(r.hashes.map((h) => [h.frame, h.hash])));
  const hashFrames = [...hashMaps[0]!.keys()].filter((f) => hashMaps.every((m) => m.has(f))).sort((a, b) => a - b);
  let firstInputMismatch = -1;
  outer: for (let f = 0; f < frames; f++) {
    const off = f * stride;
    for (let i = 1; i < logs.length; i++) {
      const a = first.inputs;
      const b = logs[i]!.inputs;
      for (let k = 0; k < stride; k++) {
        if (a[off + k] !== b[off + k]) {
          firstInputMismatch = f;
          break outer;
        }
      }
    }
  }
  let firstHashMismatch = -1;
  for (const f of hashFrames) {
    const h = hashMaps[0]!.get(f);
    if (hashMaps.some((m) => m.get(f) !== h)) {
      firstHashMismatch = f;
      break;
    }
  }
  if (firstInputMismatch < 0 && firstHashMismatch < 0) {
    return { status: 'fullySynced', firstMismatchFrame: null, detail: null, framesCompared: frames, hashesCompared: hashFrames.length };
  }
  if (firstHashMismatch >= 0 && (firstInputMismatch < 0 || firstHashMismatch <= firstInputMismatch)) {
    return mismatch(firstHashMismatch, `state hashes differ at frame ${firstHashMismatch}`, frames, hashFrames.length);
  }
  return mismatch(firstInputMismatch, `inputs differ at frame ${firstInputMismatch}`, frames, hashFrames.length);
}
