/**
 * Parity between peers: do every peer's confirmed input logs and state
 * hashes agree, frame by frame? Each frame is compared among every peer
 * whose log reaches it, and each hash sample among every peer that took it:
 * a peer that left early has a shorter log, and the peers that played on
 * are still compared with one another to the end of their logs.
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
  /** Frames compared: those at least two peers confirmed (the second-longest log's length). */
  readonly framesCompared: number;
  /** State hashes compared: the frames at least two peers hashed. */
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
  // Frames at least two logs reach: up to the second-longest log.
  const frames = logs.map((l) => l.frames).sort((a, b) => b - a)[1]!;
  const stride = first.players * first.inputSize;
  const player = (i: number) => records[i]!.playerIndex;
  let firstInputMismatch = -1;
  let inputPlayers = '';
  outer: for (let f = 0; f < frames; f++) {
    const off = f * stride;
    let ref = -1;
    for (let i = 0; i < logs.length; i++) {
      if (logs[i]!.frames <= f) continue;
      if (ref < 0) {
        ref = i;
        continue;
      }
      const a = logs[ref]!.inputs;
      const b = logs[i]!.inputs;
      for (let k = 0; k < stride; k++) {
        if (a[off + k] !== b[off + k]) {
          firstInputMismatch = f;
          inputPlayers = `players ${player(ref)} and ${player(i)}`;
          break outer;
        }
      }
    }
  }
  // Hash samples: every frame that at least two peers hashed, compared among those peers.
  const hashMaps = records.map((r) => new Map(r.hashes.map((h) => [h.frame, h.hash])));
  const hashFrames = [...new Set(records.flatMap((r) => r.hashes.map((h) => h.frame)))]
    .filter((f) => hashMaps.filter((m) => m.has(f)).length >= 2)
    .sort((a, b) => a - b);
  let firstHashMismatch = -1;
  let hashPlayers = '';
  for (const f of hashFrames) {
    const holders = hashMaps.map((m, i) => [m.get(f), i] as const).filter(([h]) => h !== undefined);
    const [h0, i0] = holders[0]!;
    const other = holders.find(([h]) => h !== h0);
    if (other) {
      firstHashMismatch = f;
      hashPlayers = `players ${player(i0)} and ${player(other[1])}`;
      break;
    }
  }
  if (firstInputMismatch < 0 && firstHashMismatch < 0) {
    return { status: 'fullySynced', firstMismatchFrame: null, detail: null, framesCompared: frames, hashesCompared: hashFrames.length };
  }
  if (firstHashMismatch >= 0 && (firstInputMismatch < 0 || firstHashMismatch <= firstInputMismatch)) {
    return mismatch(firstHashMismatch, `state hashes differ at frame ${firstHashMismatch} (${hashPlayers})`, frames, hashFrames.length);
  }
  return mismatch(firstInputMismatch, `inputs differ at frame ${firstInputMismatch} (${inputPlayers})`, frames, hashFrames.length);
}
