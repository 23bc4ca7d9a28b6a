/**
 * State transfer: what a peer needs to start playing from the middle of a
 * session (a player rejoining after a reload or a cut, a late joiner, a
 * spectator), sent over the reliable channel as checksummed chunks.
 *
 * Two layers, each usable on its own:
 *
 * - **Chunks.** Any payload is split into chunks of at most
 *   {@link CHUNK_BYTES}; every chunk carries the payload's total size and
 *   xxHash32. {@link ChunkAssembler} reassembles one payload at a time per
 *   sender. It allocates only as chunks arrive (a hostile first chunk that
 *   announces a huge payload costs one chunk of memory, not the announced
 *   size), refuses payloads above its `maxBytes`, and checks the checksum of
 *   the whole. Bad chunks are reported, never thrown. Desync repair
 *   (`resync.ts`) uses the same chunks.
 * - **The transfer payload** ({@link TransferState}): a confirmed snapshot
 *   (its header holds the episode and the episode's start frame), every
 *   player's confirmed inputs before the snapshot's frame (so the receiver's
 *   input log is the senders' log), the players who left or are absent and
 *   when, the session's end frame, and the frame from which the receiver's
 *   own inputs count again. {@link encodeTransfer} and
 *   {@link decodeTransfer} (never throws) define the bytes:
 *
 *   `0 magic "NRST"`, `4 version u8` (1), `5 player u8`, `6 players u8`,
 *   `7 inputSize u8`, `8 frame u32`, `12 returnFrame u32`,
 *   `16 endFrame u32` (0xffffffff: none), `20 departures u8`,
 *   `21 absences u16`, `23 snapshotLength u32`, then `departures ×
 *   (player u8, frame u32)`, `absences × (player u8, from u32, to u32)`
 *   (`to` 0xffffffff: still absent), the snapshot, `frame × players ×
 *   inputSize` input bytes, frame-major, then the *tails*: `count u8`, then
 *   per tail `player u8, frames u32` and `frames × inputSize` bytes: the
 *   inputs from `frame` on of the players who send none themselves (the
 *   receiver, whose real inputs before its absence and neutral ones up to
 *   `returnFrame − 1` the sender holds, and absent or departed players),
 *   then `pauses u16` and `pauses × (player u8, id u16, frame u32,
 *   reason u8, final u8)`: the agreed pauses the sender knows (its log's).
 */
import { PAUSE_REASONS } from '../contracts/vocabulary.ts';
import { xxh32 } from './hash.ts';
import type { PauseRecord } from './pause.ts';
import { SNAPSHOT_HEADER_BYTES } from './simulation.ts';

/** Bytes of payload per chunk (fits a DataChannel message everywhere). */
export const CHUNK_BYTES = 16 * 1024;
/** Largest state transfer a receiver takes by default (the `maxBytes` of its assembler). */
export const MAX_TRANSFER_BYTES = 32 * 1024 * 1024;
/** Most frames of one tail (a transfer's per-player inputs past its snapshot frame). */
export const MAX_TAIL_FRAMES = 1 << 16;
/** Most absence records a transfer (and a session) carries. */
export const MAX_ABSENCES = 1024;
/** `to` of an absence that has not ended, and `endFrame` of a session without one. */
export const OPEN_FRAME = 0xffff_ffff;

const MAGIC = [0x4e, 0x52, 0x53, 0x54]; // "NRST"
const VERSION = 1;
const HEADER_BYTES = 27;

/** One chunk of a payload (the wire message adds type, session tag and a frame). */
export interface ChunkFields {
  /** Which payload this chunk belongs to (uint16, counts up per sender). */
  readonly id: number;
  /** Chunk index, 0..count − 1. */
  readonly index: number;
  /** Chunks in the payload: `max(1, ceil(total / CHUNK_BYTES))`. */
  readonly count: number;
  /** Bytes of the whole payload. */
  readonly total: number;
  /** xxHash32 of the whole payload. */
  readonly checksum: number;
  /** This chunk's bytes. */
  readonly data: Uint8Array;
  /** A frame the payload belongs to (the resync frame, the transfer's snapshot frame). */
  readonly frame: number;
}

/** Split `payload` into chunks of id `id` (views into `payload`). */
export function splitChunks(id: number, frame: number, payload: Uint8Array): ChunkFields[] {
  const count = Math.max(1, Math.ceil(payload.length / CHUNK_BYTES));
  const checksum = xxh32(payload);
  const out: ChunkFields[] = [];
  for (let index = 0; index < count; index++) {
    const data = payload.subarray(index * CHUNK_BYTES, Math.min(payload.length, (index + 1) * CHUNK_BYTES));
    out.push({ id: id & 0xffff, index, count, total: payload.length, checksum, data, frame });
  }
  return out;
}

/** What one chunk did to the reassembly. */
export type ChunkStep =
  | { kind: 'partial' }
  | { kind: 'complete'; frame: number; bytes: Uint8Array }
  | { kind: 'bad'; detail: string };

interface Assembly {
  id: number;
  frame: number;
  total: number;
  checksum: number;
  count: number;
  parts: (Uint8Array | undefined)[];
  received: number;
}

/**
 * Reassembles one chunked payload at a time (a chunk of another id, frame,
 * size or checksum starts over). Memory: the chunks received so far, at most
 * `maxBytes` (plus one reference per announced chunk, at most
 * `maxBytes / CHUNK_BYTES`).
 */
export class ChunkAssembler {
  private current: Assembly | undefined;
  private held = 0;

  /** @param maxBytes - largest payload taken (bigger ones are refused at their first chunk). */
  constructor(readonly maxBytes: number) {}

  /** Payload bytes held for the assembly in progress. */
  get bufferedBytes(): number {
    return this.held;
  }

  /** Drop the assembly in progress. */
  reset(): void {
    this.current = undefined;
    this.held = 0;
  }

  /** Take one chunk. */
  take(m: ChunkFields): ChunkStep {
    if (!Number.isInteger(m.total) || m.total < 0 || m.total > this.maxBytes) {
      return { kind: 'bad', detail: `a ${m.total}-byte payload is over the ${this.maxBytes}-byte limit` };
    }
    if (m.count !== Math.max(1, Math.ceil(m.total / CHUNK_BYTES))) return { kind: 'bad', detail: `${m.count} chunks for ${m.total} bytes` };
    if (!Number.isInteger(m.index) || m.index < 0 || m.index >= m.count) return { kind: 'bad', detail: `chunk ${m.index} of ${m.count}` };
    const expected = Math.min(CHUNK_BYTES, m.total - m.index * CHUNK_BYTES);
    if (m.data.length !== expected) return { kind: 'bad', detail: `chunk ${m.index} holds ${m.data.length} bytes, expected ${expected}` };
    let c = this.current;
    if (!c || c.id !== m.id || c.frame !== m.frame || c.total !== m.total || c.checksum !== m.checksum) {
      c = this.current = { id: m.id, frame: m.frame, total: m.total, checksum: m.checksum, count: m.count, parts: [], received: 0 };
      this.held = 0;
    }
    if (c.parts[m.index]) return { kind: 'partial' };
    c.parts[m.index] = m.data.slice();
    c.received++;
    this.held += m.data.length;
    if (c.received < c.count) return { kind: 'partial' };
    this.reset();
    const bytes = new Uint8Array(c.total);
    for (let i = 0; i < c.count; i++) bytes.set(c.parts[i]!, i * CHUNK_BYTES);
    if (xxh32(bytes) !== c.checksum) return { kind: 'bad', detail: `payload of frame ${c.frame} fails its checksum` };
    return { kind: 'complete', frame: c.frame, bytes };
  }
}

/** A player who is (or was) absent: its input is neutral over frames `from..to − 1`. */
export interface AbsenceRecord {
  /** The player index. */
  readonly player: number;
  /** The agreed first frame of neutral input. */
  readonly from: number;
  /** The agreed frame its real inputs count again (undefined: still absent). */
  readonly to: number | undefined;
}

/** Everything a peer needs to play on from a confirmed frame (see the file comment). */
export interface TransferState {
  /** The receiving player. */
  readonly player: number;
  /** Players in the session. */
  readonly players: number;
  /** Bytes of one player's input. */
  readonly inputSize: number;
  /** The frame whose start state `snapshot` is; every input before it is confirmed and carried. */
  readonly frame: number;
  /** The frame from which the receiver's own inputs count (before it: neutral). */
  readonly returnFrame: number;
  /** The session's end frame (undefined: none). */
  readonly endFrame: number | undefined;
  /** Players who left for good, with their departure frame. */
  readonly departures: readonly { player: number; frame: number }[];
  /** Absences, ended or running, in the order they began. */
  readonly absences: readonly AbsenceRecord[];
  /** The engine snapshot of `frame` (`[episode u32][episodeStart u32][game bytes]`). */
  readonly snapshot: Uint8Array;
  /** `frame × players × inputSize` confirmed input bytes, frame-major. */
  readonly inputs: Uint8Array;
  /** Inputs from `frame` on of players who send none themselves (the receiver, absent and departed players). */
  readonly tails: readonly { player: number; inputs: Uint8Array }[];
  /** The agreed pauses the sender knows (at most 65,535). */
  readonly pauses: readonly PauseRecord[];
}

/** What {@link decodeTransfer} returns. */
export type TransferResult = { ok: true; state: TransferState } | { ok: false; detail: string };

/** Serialize a transfer (the caller built it from its own confirmed state). */
export function encodeTransfer(s: TransferState): Uint8Array {
  const tailBytes = s.tails.reduce((n, t) => n + 5 + t.inputs.length, 1) + 2 + s.pauses.length * 9;
  const out = new Uint8Array(HEADER_BYTES + s.departures.length * 5 + s.absences.length * 9 + s.snapshot.length + s.inputs.length + tailBytes);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  out[5] = s.player;
  out[6] = s.players;
  out[7] = s.inputSize;
  view.setUint32(8, s.frame);
  view.setUint32(12, s.returnFrame);
  view.setUint32(16, s.endFrame ?? OPEN_FRAME);
  out[20] = s.departures.length;
  view.setUint16(21, s.absences.length);
  view.setUint32(23, s.snapshot.length);
  let o = HEADER_BYTES;
  for (const d of s.departures) {
    out[o] = d.player;
    view.setUint32(o + 1, d.frame);
    o += 5;
  }
  for (const a of s.absences) {
    out[o] = a.player;
    view.setUint32(o + 1, a.from);
    view.setUint32(o + 5, a.to ?? OPEN_FRAME);
    o += 9;
  }
  out.set(s.snapshot, o);
  out.set(s.inputs, o + s.snapshot.length);
  o += s.snapshot.length + s.inputs.length;
  out[o++] = s.tails.length;
  for (const t of s.tails) {
    out[o] = t.player;
    view.setUint32(o + 1, t.inputs.length / s.inputSize);
    out.set(t.inputs, o + 5);
    o += 5 + t.inputs.length;
  }
  view.setUint16(o, s.pauses.length);
  o += 2;
  for (const p of s.pauses) {
    out[o] = p.player;
    view.setUint16(o + 1, p.id);
    view.setUint32(o + 3, p.frame);
    out[o + 7] = Math.max(0, PAUSE_REASONS.indexOf(p.reason));
    out[o + 8] = p.final ? 1 : 0;
    o += 9;
  }
  return out;
}

/**
 * Parse and check a transfer against what the receiver knows (its player
 * index, the session's players and input size). Never throws.
 */
export function decodeTransfer(bytes: Uint8Array, expect: { player: number; players: number; inputSize: number }): TransferResult {
  const bad = (detail: string): TransferResult => ({ ok: false, detail });
  if (bytes.length < HEADER_BYTES) return bad('transfer is truncated');
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) return bad('not a state transfer');
  if (bytes[4] !== VERSION) return bad(`state transfer version ${bytes[4]} is not supported`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const player = bytes[5]!;
  const players = bytes[6]!;
  const inputSize = bytes[7]!;
  if (player !== expect.player || players !== expect.players || inputSize !== expect.inputSize) {
    return bad(`transfer for player ${player} of ${players} with ${inputSize}-byte inputs, this is player ${expect.player} of ${expect.players} with ${expect.inputSize}`);
  }
  const frame = view.getUint32(8);
  const returnFrame = view.getUint32(12);
  const end = view.getUint32(16);
  const departureCount = bytes[20]!;
  const absenceCount = view.getUint16(21);
  const snapshotLength = view.getUint32(23);
  if (returnFrame < frame) return bad(`return frame ${returnFrame} is before the snapshot frame ${frame}`);
  if (absenceCount > MAX_ABSENCES) return bad(`${absenceCount} absences, at most ${MAX_ABSENCES}`);
  if (snapshotLength < SNAPSHOT_HEADER_BYTES) return bad(`a ${snapshotLength}-byte snapshot`);
  const stride = players * inputSize;
  const snapStart = HEADER_BYTES + departureCount * 5 + absenceCount * 9;
  const tailStart = snapStart + snapshotLength + frame * stride;
  if (bytes.length < tailStart + 1) return bad(`transfer is ${bytes.length} bytes, expected more than ${tailStart}`);
  let o = HEADER_BYTES;
  const departures: { player: number; frame: number }[] = [];
  for (let i = 0; i < departureCount; i++, o += 5) {
    const p = bytes[o]!;
    const f = view.getUint32(o + 1);
    if (p >= players || p === player || departures.some((d) => d.player === p)) return bad(`departure of player ${p}`);
    departures.push({ player: p, frame: f });
  }
  const absences: AbsenceRecord[] = [];
  const open = new Set<number>();
  for (let i = 0; i < absenceCount; i++, o += 9) {
    const p = bytes[o]!;
    const from = view.getUint32(o + 1);
    const to = view.getUint32(o + 5);
    if (p >= players) return bad(`absence of player ${p}`);
    if (to !== OPEN_FRAME && to < from) return bad(`absence of player ${p} ends at ${to}, before it began at ${from}`);
    if (to === OPEN_FRAME) {
      if (open.has(p) || p === player) return bad(`player ${p} is absent twice, or is the receiver`);
      open.add(p);
    }
    absences.push({ player: p, from, to: to === OPEN_FRAME ? undefined : to });
  }
  const snapshot = bytes.slice(o, o + snapshotLength);
  const inputs = bytes.slice(o + snapshotLength, tailStart);
  const tails: { player: number; inputs: Uint8Array }[] = [];
  const tailCount = bytes[tailStart]!;
  o = tailStart + 1;
  for (let i = 0; i < tailCount; i++) {
    if (bytes.length < o + 5) return bad('transfer tail is truncated');
    const p = bytes[o]!;
    const frames = view.getUint32(o + 1);
    if (p >= players || tails.some((t) => t.player === p)) return bad(`tail of player ${p}`);
    if (frames > MAX_TAIL_FRAMES) return bad(`a tail of ${frames} frames, at most ${MAX_TAIL_FRAMES}`);
    const end = o + 5 + frames * inputSize;
    if (bytes.length < end) return bad('transfer tail is truncated');
    tails.push({ player: p, inputs: bytes.slice(o + 5, end) });
    o = end;
  }
  if (bytes.length < o + 2) return bad('transfer pauses are truncated');
  const pauseCount = view.getUint16(o);
  o += 2;
  if (bytes.length !== o + pauseCount * 9) return bad(`transfer is ${bytes.length} bytes, expected ${o + pauseCount * 9}`);
  const pauses: PauseRecord[] = [];
  for (let i = 0; i < pauseCount; i++, o += 9) {
    const reason = PAUSE_REASONS[bytes[o + 7]!];
    const id = view.getUint16(o + 1);
    if (bytes[o]! >= players || reason === undefined || bytes[o + 8]! > 1 || id === 0) return bad(`pause ${i} is not a pause`);
    pauses.push({ player: bytes[o]!, id, frame: view.getUint32(o + 3), reason, final: bytes[o + 8] === 1 });
  }
  const endFrame = end === OPEN_FRAME ? undefined : end;
  return { ok: true, state: { player, players, inputSize, frame, returnFrame, endFrame, departures, absences, snapshot, inputs, tails, pauses } };
}
