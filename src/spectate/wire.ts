/**
 * The spectator stream: what a player's page sends a spectator (over a
 * DataChannel, or through the server's fan-out), one binary message at a
 * time, in order, on a reliable path.
 *
 * Every message is `[kind u8][body]`:
 * - `1` info: UTF-8 JSON {@link SpectateInfo} (at most {@link MAX_INFO_BYTES});
 *   what the viewer needs to build the game and check hashes;
 * - `2` snapshot chunk: an encoded Resync message (the resync chunking and
 *   checksum of `src/engine/resync.ts`), the confirmed start state of its frame;
 * - `3` confirmed inputs: `confirmedAt f64` (the sender's epoch-ms clock when
 *   the last frame carried was confirmed), then an encoded Input message
 *   carrying every player's confirmed inputs (frame-major).
 *
 * Decoding never throws: a malformed message is a typed error the receiver counts.
 */
import { z } from 'zod';
import { NO_ACK, type InputMessage, MessageType, type ResyncMessage } from '../protocol/messages.ts';
import { decode, encode, encodeInput, MAX_FRAMES_PER_PACKET } from '../protocol/codec.ts';
import { resyncChunks } from '../engine/resync.ts';
import { MAX_INPUT_SIZE, MAX_PLAYERS } from '../engine/game.ts';

/** Kind byte of each spectator stream message. */
export const SpectateKind = { Info: 1, Snapshot: 2, Inputs: 3 } as const;

/** Largest info message body, bytes. */
export const MAX_INFO_BYTES = 4096;
/**
 * Largest spectator stream message, bytes: a 16 KiB snapshot chunk, or 255
 * frames × 8 players × 16 bytes of inputs, with their headers.
 */
export const MAX_SPECTATE_MESSAGE_BYTES = 34 * 1024;

/** What a viewer is told about the session it watches (sent first, and again before every snapshot). */
export interface SpectateInfo {
  /** Game spec the viewer's worker resolves (as `HostConfig.game`). */
  game: string;
  /** For the drop-in worker: the game module URL (as `HostConfig.gameUrl`). */
  gameUrl?: string | undefined;
  /** Session seed (uint32). */
  seed: number;
  /** Players in the session. */
  players: number;
  /** Bytes per player per frame. */
  inputSize: number;
  /** Confirmed frames between hash samples (0: none), as the players use it. */
  hashInterval: number;
  /** Ticks per second the players run at. */
  tickRate: number;
  /** Session tag of the stream's packets (uint8). */
  sessionTag: number;
  /** The session's end frame, when it has one. */
  endFrame?: number | undefined;
}

/** {@link SpectateInfo} as a zod schema (the viewer validates every info message with it). */
export const spectateInfoSchema: z.ZodType<SpectateInfo> = z.strictObject({
  /** Game spec the viewer's worker resolves (as `HostConfig.game`). */
  game: z.string().min(1).max(512),
  /** For the drop-in worker: the game module URL (as `HostConfig.gameUrl`). */
  gameUrl: z.string().max(2048).optional(),
  /** Session seed (uint32). */
  seed: z.number().int().min(0).max(0xffff_ffff),
  /** Players in the session. */
  players: z.number().int().min(1).max(MAX_PLAYERS),
  /** Bytes per player per frame. */
  inputSize: z.number().int().min(1).max(MAX_INPUT_SIZE),
  /** Confirmed frames between hash samples (0: none), as the players use it. */
  hashInterval: z.number().int().min(0).max(1 << 20),
  /** Ticks per second the players run at. */
  tickRate: z.number().min(1).max(1000),
  /** Session tag of the stream's packets (uint8). */
  sessionTag: z.number().int().min(0).max(255),
  /** The session's end frame, when it has one. */
  endFrame: z.number().int().min(1).max(0xffff_fff0).optional(),
});

/** One decoded spectator stream message. */
export type SpectateMessage =
  | { kind: typeof SpectateKind.Info; info: SpectateInfo }
  | { kind: typeof SpectateKind.Snapshot; chunk: ResyncMessage }
  | { kind: typeof SpectateKind.Inputs; confirmedAt: number; inputs: InputMessage };

/** Why a spectator stream message was refused. */
export type SpectateDecodeResult = { ok: true; message: SpectateMessage } | { ok: false; detail: string };

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function withKind(kind: number, body: Uint8Array, prefix = 0): Uint8Array {
  const out = new Uint8Array(1 + prefix + body.length);
  out[0] = kind;
  out.set(body, 1 + prefix);
  return out;
}

/** The info message. */
export function encodeSpectateInfo(info: SpectateInfo): Uint8Array {
  const body = utf8.encode(JSON.stringify(spectateInfoSchema.parse(info)));
  if (body.length > MAX_INFO_BYTES) throw new RangeError(`spectate info is ${body.length} bytes, over ${MAX_INFO_BYTES}`);
  return withKind(SpectateKind.Info, body);
}

/** A confirmed snapshot as snapshot-chunk messages (resync chunking and checksum). */
export function encodeSpectateSnapshot(tag: number, id: number, frame: number, snapshot: Uint8Array): Uint8Array[] {
  return resyncChunks(tag, id, frame, snapshot).map((m) => withKind(SpectateKind.Snapshot, encode(m)));
}

/**
 * Confirmed inputs of every player (frame-major, `players × inputSize` bytes a
 * frame) as messages of at most 255 frames each. `confirmedAt` is stamped on each.
 */
export function encodeSpectateInputs(
  tag: number,
  players: number,
  inputSize: number,
  startFrame: number,
  frameCount: number,
  inputs: Uint8Array,
  confirmedAt: number,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  const stride = players * inputSize;
  const all = Array.from({ length: players }, (_, p) => p);
  for (let off = 0; off < frameCount; off += MAX_FRAMES_PER_PACKET) {
    const n = Math.min(MAX_FRAMES_PER_PACKET, frameCount - off);
    const body = encodeInput({
      tag,
      startFrame: startFrame + off,
      frameCount: n,
      players: all,
      inputSize,
      ack: NO_ACK,
      senderFrame: startFrame + off + n - 1,
      inputs: inputs.subarray(off * stride, (off + n) * stride),
    });
    const msg = withKind(SpectateKind.Inputs, body, 8);
    new DataView(msg.buffer, msg.byteOffset + 1, 8).setFloat64(0, confirmedAt);
    out.push(msg);
  }
  return out;
}

/** Decode one spectator stream message. Never throws. */
export function decodeSpectate(bytes: Uint8Array): SpectateDecodeResult {
  if (bytes.length === 0) return { ok: false, detail: 'empty message' };
  if (bytes.length > MAX_SPECTATE_MESSAGE_BYTES) return { ok: false, detail: `${bytes.length} bytes, over ${MAX_SPECTATE_MESSAGE_BYTES}` };
  const kind = bytes[0];
  const body = bytes.subarray(1);
  if (kind === SpectateKind.Info) {
    if (body.length > MAX_INFO_BYTES) return { ok: false, detail: 'info too large' };
    let json: unknown;
    try {
      json = JSON.parse(utf8Decoder.decode(body));
    } catch {
      return { ok: false, detail: 'info is not UTF-8 JSON' };
    }
    const info = spectateInfoSchema.safeParse(json);
    if (!info.success) return { ok: false, detail: `bad info: ${info.error.issues[0]?.message ?? 'invalid'}` };
    return { ok: true, message: { kind: SpectateKind.Info, info: info.data } };
  }
  if (kind === SpectateKind.Snapshot) {
    const d = decode(body);
    if (!d.ok) return { ok: false, detail: `snapshot chunk: ${d.code} (${d.detail})` };
    if (d.message.type !== MessageType.Resync) return { ok: false, detail: `snapshot chunk of message type ${d.message.type}` };
    return { ok: true, message: { kind: SpectateKind.Snapshot, chunk: d.message } };
  }
  if (kind === SpectateKind.Inputs) {
    if (body.length < 8) return { ok: false, detail: 'inputs message truncated' };
    const confirmedAt = new DataView(body.buffer, body.byteOffset, 8).getFloat64(0);
    if (!Number.isFinite(confirmedAt)) return { ok: false, detail: 'confirmedAt is not finite' };
    const d = decode(body.subarray(8));
    if (!d.ok) return { ok: false, detail: `inputs: ${d.code} (${d.detail})` };
    if (d.message.type !== MessageType.Input) return { ok: false, detail: `inputs of message type ${d.message.type}` };
    return { ok: true, message: { kind: SpectateKind.Inputs, confirmedAt, inputs: d.message } };
  }
  return { ok: false, detail: `unknown kind ${String(kind)}` };
}
