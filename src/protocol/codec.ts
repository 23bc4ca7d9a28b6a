/**
 * Binary codec for netroll packets (big-endian).
 *
 * Layouts (offsets in bytes):
 * - every packet: `0 version u8`, `1 type u8`
 * - Input:     `2 playerMask u8`, `3 inputSize u8`, `4 startFrame u32`,
 *              `8 frameCount u8`, `9 ackDelta i16`, `11 frameDelta i16`,
 *              `13 inputs` (frameCount × players × inputSize). 13 + n bytes.
 *              ackDelta = ack − startFrame, or −32768 for "no ack".
 *              frameDelta = senderFrame − startFrame (clamped to i16).
 * - Ping/Pong: `2 id u32` (6 bytes)
 * - StateHash: `2 frame u32`, `6 hash u32` (10 bytes)
 * - Close:     `2 reason u8`, `3 length u8`, `4 detail utf-8` (4 + length)
 * - Resync:    `2 frame u32`, `6 length u32`, `10 snapshot` (10 + length)
 *
 * Decoders never throw: any byte string yields a message or a typed error.
 */
import {
  type CloseMessage,
  type DecodeError,
  type DecodeErrorCode,
  type DecodeResult,
  type InputMessage,
  type Message,
  MessageType,
  NO_ACK,
  PROTOCOL_VERSION,
} from './messages.ts';

/** Bytes before the inputs of an Input packet. */
export const INPUT_HEADER_BYTES = 13;
/** Largest frame number the protocol carries. */
export const MAX_FRAME = 0xffff_ffff;
/** Most frames one Input packet carries. */
export const MAX_FRAMES_PER_PACKET = 255;
const NO_ACK_DELTA = -32768;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/** Thrown by encoders only, for messages the caller built wrongly. */
export class EncodeError extends Error {
  override name = 'EncodeError';
}

function clampI16(v: number): number {
  return v < -32768 ? -32768 : v > 32767 ? 32767 : v;
}

function playersToMask(players: readonly number[]): number {
  let mask = 0;
  let prev = -1;
  for (const p of players) {
    if (!Number.isInteger(p) || p < 0 || p > 7 || p <= prev) {
      throw new EncodeError(`players must be ascending unique indices 0..7, got [${players.join(',')}]`);
    }
    mask |= 1 << p;
    prev = p;
  }
  if (mask === 0) throw new EncodeError('an Input message carries at least one player');
  return mask;
}

function maskToPlayers(mask: number): number[] {
  const players: number[] = [];
  for (let p = 0; p < 8; p++) if (mask & (1 << p)) players.push(p);
  return players;
}

function checkU32(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > MAX_FRAME) throw new EncodeError(`${name} must be a uint32, got ${v}`);
}

/** Encode an Input message (see layout above). */
export function encodeInput(msg: Omit<InputMessage, 'type'>): Uint8Array {
  const mask = playersToMask(msg.players);
  const { inputSize, frameCount, startFrame } = msg;
  if (!Number.isInteger(inputSize) || inputSize < 1 || inputSize > 16) {
    throw new EncodeError(`inputSize must be 1..16, got ${inputSize}`);
  }
  if (!Number.isInteger(frameCount) || frameCount < 1 || frameCount > MAX_FRAMES_PER_PACKET) {
    throw new EncodeError(`frameCount must be 1..${MAX_FRAMES_PER_PACKET}, got ${frameCount}`);
  }
  checkU32('startFrame', startFrame);
  const n = frameCount * msg.players.length * inputSize;
  if (msg.inputs.length !== n) throw new EncodeError(`inputs must hold ${n} bytes, got ${msg.inputs.length}`);
  const out = new Uint8Array(INPUT_HEADER_BYTES + n);
  const view = new DataView(out.buffer);
  out[0] = PROTOCOL_VERSION;
  out[1] = MessageType.Input;
  out[2] = mask;
  out[3] = inputSize;
  view.setUint32(4, startFrame);
  out[8] = frameCount;
  // A lower ack is always safe (it only causes resends), so clamp downwards.
  let ackDelta = msg.ack === NO_ACK ? NO_ACK_DELTA : msg.ack - startFrame;
  if (ackDelta < -32767) ackDelta = NO_ACK_DELTA;
  else if (ackDelta > 32767) ackDelta = 32767;
  view.setInt16(9, ackDelta);
  view.setInt16(11, clampI16(msg.senderFrame - startFrame));
  out.set(msg.inputs, INPUT_HEADER_BYTES);
  return out;
}

function header(type: MessageType, bodyBytes: number): { out: Uint8Array; view: DataView } {
  const out = new Uint8Array(2 + bodyBytes);
  out[0] = PROTOCOL_VERSION;
  out[1] = type;
  return { out, view: new DataView(out.buffer) };
}

/** Encode any message. Throws `EncodeError` for a malformed message object. */
export function encode(msg: Message): Uint8Array {
  switch (msg.type) {
    case MessageType.Input:
      return encodeInput(msg);
    case MessageType.Ping:
    case MessageType.Pong: {
      checkU32('id', msg.id);
      const { out, view } = header(msg.type, 4);
      view.setUint32(2, msg.id);
      return out;
    }
    case MessageType.StateHash: {
      checkU32('frame', msg.frame);
      checkU32('hash', msg.hash);
      const { out, view } = header(msg.type, 8);
      view.setUint32(2, msg.frame);
      view.setUint32(6, msg.hash);
      return out;
    }
    case MessageType.Close: {
      if (!Number.isInteger(msg.reason) || msg.reason < 0 || msg.reason > 255) {
        throw new EncodeError(`reason must be a uint8, got ${msg.reason}`);
      }
      let detail = utf8Encoder.encode(msg.detail);
      if (detail.length > 255) detail = detail.subarray(0, 255);
      const { out } = header(msg.type, 2 + detail.length);
      out[2] = msg.reason;
      out[3] = detail.length;
      out.set(detail, 4);
      return out;
    }
    case MessageType.Resync: {
      checkU32('frame', msg.frame);
      const { out, view } = header(msg.type, 8 + msg.snapshot.length);
      view.setUint32(2, msg.frame);
      view.setUint32(6, msg.snapshot.length);
      out.set(msg.snapshot, 10);
      return out;
    }
    default:
      throw new EncodeError(`unknown message type ${(msg as { type: unknown }).type}`);
  }
}

function fail(code: DecodeErrorCode, detail: string): DecodeError {
  return { ok: false, code, detail };
}

function exactLength(bytes: Uint8Array, n: number, what: string): DecodeError | null {
  if (bytes.length < n) return fail('truncated', `${what} needs ${n} bytes, got ${bytes.length}`);
  if (bytes.length > n) return fail('trailing-bytes', `${what} is ${n} bytes, got ${bytes.length}`);
  return null;
}

function decodeInput(bytes: Uint8Array, view: DataView): DecodeResult {
  if (bytes.length < INPUT_HEADER_BYTES) {
    return fail('truncated', `Input header needs ${INPUT_HEADER_BYTES} bytes, got ${bytes.length}`);
  }
  const mask = bytes[2]!;
  const inputSize = bytes[3]!;
  const startFrame = view.getUint32(4);
  const frameCount = bytes[8]!;
  const ackDelta = view.getInt16(9);
  const frameDelta = view.getInt16(11);
  if (mask === 0) return fail('bad-field', 'Input carries no player');
  if (inputSize < 1 || inputSize > 16) return fail('bad-field', `inputSize ${inputSize} is outside 1..16`);
  if (frameCount === 0) return fail('bad-field', 'Input carries zero frames');
  const players = maskToPlayers(mask);
  const n = frameCount * players.length * inputSize;
  const lengthError = exactLength(bytes, INPUT_HEADER_BYTES + n, 'Input');
  if (lengthError) return lengthError;
  const ack = ackDelta === NO_ACK_DELTA ? NO_ACK : startFrame + ackDelta;
  if (ack < NO_ACK) return fail('bad-field', `ack ${ack} is before frame 0`);
  const senderFrame = startFrame + frameDelta;
  if (senderFrame < 0) return fail('bad-field', `sender frame ${senderFrame} is negative`);
  if (startFrame + frameCount - 1 > MAX_FRAME) return fail('bad-field', 'frames run past the largest frame number');
  const message: InputMessage = {
    type: MessageType.Input,
    startFrame,
    frameCount,
    players,
    inputSize,
    ack,
    senderFrame,
    inputs: bytes.subarray(INPUT_HEADER_BYTES),
  };
  return { ok: true, message };
}

function decodeClose(bytes: Uint8Array): DecodeResult {
  if (bytes.length < 4) return fail('truncated', `Close needs at least 4 bytes, got ${bytes.length}`);
  const length = bytes[3]!;
  const lengthError = exactLength(bytes, 4 + length, 'Close');
  if (lengthError) return lengthError;
  const message: CloseMessage = {
    type: MessageType.Close,
    reason: bytes[2]!,
    detail: utf8Decoder.decode(bytes.subarray(4)),
  };
  return { ok: true, message };
}

/**
 * Decode one packet. Never throws: returns `{ ok: false, code, detail }` for
 * anything that is not a well-formed packet of this protocol version.
 * Input and Resync payloads are views into `bytes` (no copy).
 */
export function decode(bytes: Uint8Array): DecodeResult {
  if (!(bytes instanceof Uint8Array)) return fail('empty', 'packet is not a byte array');
  if (bytes.length < 2) return fail(bytes.length === 0 ? 'empty' : 'truncated', `packet has ${bytes.length} bytes`);
  if (bytes[0] !== PROTOCOL_VERSION) {
    return fail('bad-version', `protocol version ${bytes[0]}, this build speaks ${PROTOCOL_VERSION}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = bytes[1];
  switch (type) {
    case MessageType.Input:
      return decodeInput(bytes, view);
    case MessageType.Ping:
    case MessageType.Pong: {
      const err = exactLength(bytes, 6, type === MessageType.Ping ? 'Ping' : 'Pong');
      if (err) return err;
      return { ok: true, message: { type, id: view.getUint32(2) } };
    }
    case MessageType.StateHash: {
      const err = exactLength(bytes, 10, 'StateHash');
      if (err) return err;
      return { ok: true, message: { type, frame: view.getUint32(2), hash: view.getUint32(6) } };
    }
    case MessageType.Close:
      return decodeClose(bytes);
    case MessageType.Resync: {
      if (bytes.length < 10) return fail('truncated', `Resync needs at least 10 bytes, got ${bytes.length}`);
      const length = view.getUint32(6);
      const err = exactLength(bytes, 10 + length, 'Resync');
      if (err) return err;
      return { ok: true, message: { type, frame: view.getUint32(2), snapshot: bytes.subarray(10) } };
    }
    default:
      return fail('unknown-type', `unknown message type ${type}`);
  }
}
