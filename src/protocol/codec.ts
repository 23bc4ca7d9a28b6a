/**
 * Binary codec for netroll packets (big-endian).
 *
 * Layouts (offsets in bytes):
 * - every packet: `0 version u8`, `1 type u8`, `2 session tag u8`
 * - Input:     `3 playerMask u8`, `4 (inputSize − 1) u4 | extension flags u4`,
 *              `5 startFrame u32`, `9 frameCount u8`, `10 ackDelta i16`,
 *              `12 frameDelta i8`, `13 inputs` (frameCount × players ×
 *              inputSize), then the extensions whose flag is set, in order:
 *              ping `id u32` (flag 1), pong `id u32` (flag 2), hash sample
 *              `frame u32, hash u32` (flag 4), and a list (flag 8):
 *              `count u8` then `count` items, each `kind u8` + body:
 *              kind 1 hash ack `frame u32`; kind 2 leave notice
 *              `player u8, frozenFrame+1 u32, heldFrame+1 u32`; kind 3
 *              return notice `player u8, frame u32`.
 *              13 + n bytes without extensions: 2 players, 1-byte input,
 *              3 frames = 16 bytes.
 *              ackDelta = ack − startFrame, or −32768 for "no ack".
 *              frameDelta = senderFrame − (startFrame + frameCount − 1), clamped to i8.
 * - Ping/Pong: `3 id u32` (7 bytes)
 * - StateHash: `3 frame u32`, `7 hash u32` (11 bytes)
 * - Close:     `3 reason u8`, `4 length u8`, `5 detail utf-8` (5 + length)
 * - Resync, Transfer: `3 frame u32`, `7 id u16`, `9 index u16`, `11 count u16`,
 *              `13 total u32`, `17 checksum u32`, `21 data` (21 + chunk bytes)
 * - Hello:     `3 flags u8` (bit 0: joining; others 0), `4 absentMask u8`,
 *              `5 since u32` (9 bytes)
 * - Pause:     `3 kind u8`, `4 id u16`, `6 frame u32`, `10 reason u8`,
 *              `11 flags u8` (bit 0: final) (12 bytes)
 * - Presence:  `3 kind u8` (1 state, 2 ack), `4 seq u16`, `6 focused u8` (0/1) (7 bytes)
 *
 * Decoders never throw: any byte string yields a message or a typed error.
 */
import {
  type CloseMessage,
  type DecodeError,
  type DecodeErrorCode,
  type DecodeResult,
  type InputMessage,
  type LeaveNotice,
  type Message,
  type ReturnNotice,
  MessageType,
  NO_ACK,
  PauseKind,
  PROTOCOL_VERSION,
} from './messages.ts';

/** Bytes before the inputs of an Input packet. */
export const INPUT_HEADER_BYTES = 13;
/** Largest frame number the protocol carries. */
export const MAX_FRAME = 0xffff_ffff;
/** Most frames one Input packet carries. */
export const MAX_FRAMES_PER_PACKET = 255;
/** Most hash acks one Input packet carries. */
export const MAX_HASH_ACKS = 8;
/** Most leave notices one Input packet carries. */
export const MAX_LEAVES = 7;
/** Most return notices one Input packet carries. */
export const MAX_RETURNS = 7;
const NO_ACK_DELTA = -32768;
const FLAG_PING = 1;
const FLAG_PONG = 2;
const FLAG_HASH = 4;
const FLAG_LIST = 8;
const ITEM_HASH_ACK = 1;
const ITEM_LEAVE = 2;
const ITEM_RETURN = 3;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/** Thrown by encoders only, for messages the caller built wrongly. */
export class EncodeError extends Error {
  override name = 'EncodeError';
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

function checkTag(v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new EncodeError(`tag must be a uint8, got ${v}`);
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
  checkTag(msg.tag);
  if (startFrame + frameCount - 1 > MAX_FRAME) throw new EncodeError('frames run past the largest frame number');
  const n = frameCount * msg.players.length * inputSize;
  if (msg.inputs.length !== n) throw new EncodeError(`inputs must hold ${n} bytes, got ${msg.inputs.length}`);
  const acks = msg.hashAcks ?? [];
  const leaves = msg.leaves ?? [];
  const returns = msg.returns ?? [];
  if (returns.length > MAX_RETURNS) throw new EncodeError(`at most ${MAX_RETURNS} return notices, got ${returns.length}`);
  if (acks.length > MAX_HASH_ACKS) throw new EncodeError(`at most ${MAX_HASH_ACKS} hash acks, got ${acks.length}`);
  if (leaves.length > MAX_LEAVES) throw new EncodeError(`at most ${MAX_LEAVES} leave notices, got ${leaves.length}`);
  let flags = 0;
  let extBytes = 0;
  if (msg.ping !== undefined) {
    checkU32('ping', msg.ping);
    flags |= FLAG_PING;
    extBytes += 4;
  }
  if (msg.pong !== undefined) {
    checkU32('pong', msg.pong);
    flags |= FLAG_PONG;
    extBytes += 4;
  }
  if (msg.hash !== undefined) {
    checkU32('hash.frame', msg.hash.frame);
    checkU32('hash.hash', msg.hash.hash);
    flags |= FLAG_HASH;
    extBytes += 8;
  }
  if (acks.length + leaves.length + returns.length > 0) {
    flags |= FLAG_LIST;
    extBytes += 1 + acks.length * 5 + leaves.length * 10 + returns.length * 6;
  }
  const out = new Uint8Array(INPUT_HEADER_BYTES + n + extBytes);
  const view = new DataView(out.buffer);
  out[0] = PROTOCOL_VERSION;
  out[1] = MessageType.Input;
  out[2] = msg.tag;
  out[3] = mask;
  out[4] = ((inputSize - 1) << 4) | flags;
  view.setUint32(5, startFrame);
  out[9] = frameCount;
  // A lower ack is always safe (it only causes resends), so clamp downwards.
  let ackDelta = msg.ack === NO_ACK ? NO_ACK_DELTA : msg.ack - startFrame;
  if (ackDelta < -32767) ackDelta = NO_ACK_DELTA;
  else if (ackDelta > 32767) ackDelta = 32767;
  view.setInt16(10, ackDelta);
  const frameDelta = msg.senderFrame - (startFrame + frameCount - 1);
  view.setInt8(12, frameDelta < -128 ? -128 : frameDelta > 127 ? 127 : frameDelta);
  out.set(msg.inputs, INPUT_HEADER_BYTES);
  let o = INPUT_HEADER_BYTES + n;
  if (msg.ping !== undefined) {
    view.setUint32(o, msg.ping);
    o += 4;
  }
  if (msg.pong !== undefined) {
    view.setUint32(o, msg.pong);
    o += 4;
  }
  if (msg.hash !== undefined) {
    view.setUint32(o, msg.hash.frame);
    view.setUint32(o + 4, msg.hash.hash);
    o += 8;
  }
  if (flags & FLAG_LIST) {
    out[o++] = acks.length + leaves.length + returns.length;
    for (const a of acks) {
      checkU32('hash ack', a);
      out[o++] = ITEM_HASH_ACK;
      view.setUint32(o, a);
      o += 4;
    }
    for (const l of leaves) {
      if (!Number.isInteger(l.player) || l.player < 0 || l.player > 7) throw new EncodeError(`leave player must be 0..7, got ${l.player}`);
      checkU32('leave frozenFrame + 1', l.frozenFrame + 1);
      checkU32('leave heldFrame + 1', l.heldFrame + 1);
      out[o++] = ITEM_LEAVE;
      out[o++] = l.player;
      view.setUint32(o, l.frozenFrame + 1);
      view.setUint32(o + 4, l.heldFrame + 1);
      o += 8;
    }
    for (const r of returns) {
      if (!Number.isInteger(r.player) || r.player < 0 || r.player > 7) throw new EncodeError(`return player must be 0..7, got ${r.player}`);
      checkU32('return frame', r.frame);
      out[o++] = ITEM_RETURN;
      out[o++] = r.player;
      view.setUint32(o, r.frame);
      o += 4;
    }
  }
  return out;
}

function header(type: MessageType, tag: number, bodyBytes: number): { out: Uint8Array; view: DataView } {
  checkTag(tag);
  const out = new Uint8Array(3 + bodyBytes);
  out[0] = PROTOCOL_VERSION;
  out[1] = type;
  out[2] = tag;
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
      const { out, view } = header(msg.type, msg.tag, 4);
      view.setUint32(3, msg.id);
      return out;
    }
    case MessageType.StateHash: {
      checkU32('frame', msg.frame);
      checkU32('hash', msg.hash);
      const { out, view } = header(msg.type, msg.tag, 8);
      view.setUint32(3, msg.frame);
      view.setUint32(7, msg.hash);
      return out;
    }
    case MessageType.Close: {
      if (!Number.isInteger(msg.reason) || msg.reason < 0 || msg.reason > 255) {
        throw new EncodeError(`reason must be a uint8, got ${msg.reason}`);
      }
      let detail = utf8Encoder.encode(msg.detail);
      if (detail.length > 255) detail = detail.subarray(0, 255);
      const { out } = header(msg.type, msg.tag, 2 + detail.length);
      out[3] = msg.reason;
      out[4] = detail.length;
      out.set(detail, 5);
      return out;
    }
    case MessageType.Hello: {
      if (!Number.isInteger(msg.absentMask) || msg.absentMask < 0 || msg.absentMask > 255) {
        throw new EncodeError(`absentMask must be a uint8, got ${msg.absentMask}`);
      }
      checkU32('since', msg.since);
      const { out, view } = header(msg.type, msg.tag, 6);
      out[3] = msg.joining ? 1 : 0;
      out[4] = msg.absentMask;
      view.setUint32(5, msg.since);
      return out;
    }
    case MessageType.Resync:
    case MessageType.Transfer: {
      checkU32('frame', msg.frame);
      checkU32('total', msg.total);
      checkU32('checksum', msg.checksum);
      for (const [name, v] of [['id', msg.id], ['index', msg.index], ['count', msg.count]] as const) {
        if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new EncodeError(`${name} must be a uint16, got ${v}`);
      }
      if (msg.count < 1 || msg.index >= msg.count) throw new EncodeError(`chunk ${msg.index} of ${msg.count}`);
      const { out, view } = header(msg.type, msg.tag, 18 + msg.data.length);
      view.setUint32(3, msg.frame);
      view.setUint16(7, msg.id);
      view.setUint16(9, msg.index);
      view.setUint16(11, msg.count);
      view.setUint32(13, msg.total);
      view.setUint32(17, msg.checksum);
      out.set(msg.data, 21);
      return out;
    }
    case MessageType.Pause: {
      if (!Number.isInteger(msg.kind) || msg.kind < PauseKind.Request || msg.kind > PauseKind.AckResume) {
        throw new EncodeError(`pause kind must be 1..4, got ${msg.kind}`);
      }
      if (!Number.isInteger(msg.id) || msg.id < 1 || msg.id > 0xffff) throw new EncodeError(`pause id must be 1..65535, got ${msg.id}`);
      checkU32('frame', msg.frame);
      if (!Number.isInteger(msg.reason) || msg.reason < 0 || msg.reason > 255) throw new EncodeError(`pause reason must be a uint8, got ${msg.reason}`);
      const { out, view } = header(msg.type, msg.tag, 9);
      out[3] = msg.kind;
      view.setUint16(4, msg.id);
      view.setUint32(6, msg.frame);
      out[10] = msg.reason;
      out[11] = msg.final ? 1 : 0;
      return out;
    }
    case MessageType.Presence: {
      if (msg.kind !== 'state' && msg.kind !== 'ack') throw new EncodeError(`presence kind must be state or ack, got ${String(msg.kind)}`);
      if (!Number.isInteger(msg.seq) || msg.seq < 0 || msg.seq > 0xffff) throw new EncodeError(`presence seq must be a uint16, got ${msg.seq}`);
      const { out, view } = header(msg.type, msg.tag, 4);
      out[3] = msg.kind === 'state' ? 1 : 2;
      view.setUint16(4, msg.seq);
      out[6] = msg.focused ? 1 : 0;
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
  const tag = bytes[2]!;
  const mask = bytes[3]!;
  const inputSize = (bytes[4]! >> 4) + 1;
  const flags = bytes[4]! & 0x0f;
  const startFrame = view.getUint32(5);
  const frameCount = bytes[9]!;
  const ackDelta = view.getInt16(10);
  const frameDelta = view.getInt8(12);
  if (mask === 0) return fail('bad-field', 'Input carries no player');
  if (frameCount === 0) return fail('bad-field', 'Input carries zero frames');
  const players = maskToPlayers(mask);
  const n = frameCount * players.length * inputSize;
  let o = INPUT_HEADER_BYTES + n;
  if (bytes.length < o) return fail('truncated', `Input needs ${o} bytes, got ${bytes.length}`);
  const lastFrame = startFrame + frameCount - 1;
  if (lastFrame > MAX_FRAME) return fail('bad-field', 'frames run past the largest frame number');
  const ack = ackDelta === NO_ACK_DELTA ? NO_ACK : startFrame + ackDelta;
  if (ack < NO_ACK) return fail('bad-field', `ack ${ack} is before frame 0`);
  const senderFrame = lastFrame + frameDelta;
  if (senderFrame < 0) return fail('bad-field', `sender frame ${senderFrame} is negative`);
  const message: {
    -readonly [K in keyof InputMessage]: InputMessage[K];
  } = {
    type: MessageType.Input,
    tag,
    startFrame,
    frameCount,
    players,
    inputSize,
    ack,
    senderFrame,
    inputs: bytes.subarray(INPUT_HEADER_BYTES, o),
  };
  const need = (k: number, what: string): DecodeError | null =>
    bytes.length < o + k ? fail('truncated', `Input ${what} needs ${o + k} bytes, got ${bytes.length}`) : null;
  if (flags & FLAG_PING) {
    const e = need(4, 'ping');
    if (e) return e;
    message.ping = view.getUint32(o);
    o += 4;
  }
  if (flags & FLAG_PONG) {
    const e = need(4, 'pong');
    if (e) return e;
    message.pong = view.getUint32(o);
    o += 4;
  }
  if (flags & FLAG_HASH) {
    const e = need(8, 'hash');
    if (e) return e;
    message.hash = { frame: view.getUint32(o), hash: view.getUint32(o + 4) };
    o += 8;
  }
  if (flags & FLAG_LIST) {
    const e = need(1, 'list');
    if (e) return e;
    const count = bytes[o++]!;
    if (count === 0 || count > MAX_HASH_ACKS + MAX_LEAVES + MAX_RETURNS) return fail('bad-extension', `list of ${count} items`);
    const acks: number[] = [];
    const leaves: LeaveNotice[] = [];
    const returns: ReturnNotice[] = [];
    for (let i = 0; i < count; i++) {
      const kindError = need(1, 'list item');
      if (kindError) return kindError;
      const kind = bytes[o++]!;
      if (kind === ITEM_HASH_ACK) {
        const e2 = need(4, 'hash ack');
        if (e2) return e2;
        acks.push(view.getUint32(o));
        o += 4;
      } else if (kind === ITEM_LEAVE) {
        const e2 = need(9, 'leave notice');
        if (e2) return e2;
        const player = bytes[o]!;
        if (player > 7) return fail('bad-extension', `leave notice for player ${player}`);
        leaves.push({ player, frozenFrame: view.getUint32(o + 1) - 1, heldFrame: view.getUint32(o + 5) - 1 });
        o += 9;
      } else if (kind === ITEM_RETURN) {
        const e2 = need(5, 'return notice');
        if (e2) return e2;
        const player = bytes[o]!;
        if (player > 7) return fail('bad-extension', `return notice for player ${player}`);
        returns.push({ player, frame: view.getUint32(o + 1) });
        o += 5;
      } else {
        return fail('bad-extension', `unknown list item kind ${kind}`);
      }
    }
    if (acks.length > MAX_HASH_ACKS || leaves.length > MAX_LEAVES || returns.length > MAX_RETURNS) return fail('bad-extension', 'too many list items');
    if (acks.length) message.hashAcks = acks;
    if (leaves.length) message.leaves = leaves;
    if (returns.length) message.returns = returns;
  }
  if (bytes.length > o) return fail('trailing-bytes', `Input is ${o} bytes, got ${bytes.length}`);
  return { ok: true, message };
}

function decodeClose(bytes: Uint8Array): DecodeResult {
  if (bytes.length < 5) return fail('truncated', `Close needs at least 5 bytes, got ${bytes.length}`);
  const length = bytes[4]!;
  const lengthError = exactLength(bytes, 5 + length, 'Close');
  if (lengthError) return lengthError;
  const message: CloseMessage = {
    type: MessageType.Close,
    tag: bytes[2]!,
    reason: bytes[3]!,
    detail: utf8Decoder.decode(bytes.subarray(5)),
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
  if (bytes.length < 3) return fail(bytes.length === 0 ? 'empty' : 'truncated', `packet has ${bytes.length} bytes`);
  if (bytes[0] !== PROTOCOL_VERSION) {
    return fail('bad-version', `protocol version ${bytes[0]}, this build speaks ${PROTOCOL_VERSION}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = bytes[1];
  const tag = bytes[2]!;
  switch (type) {
    case MessageType.Input:
      return decodeInput(bytes, view);
    case MessageType.Ping:
    case MessageType.Pong: {
      const err = exactLength(bytes, 7, type === MessageType.Ping ? 'Ping' : 'Pong');
      if (err) return err;
      return { ok: true, message: { type, tag, id: view.getUint32(3) } };
    }
    case MessageType.StateHash: {
      const err = exactLength(bytes, 11, 'StateHash');
      if (err) return err;
      return { ok: true, message: { type, tag, frame: view.getUint32(3), hash: view.getUint32(7) } };
    }
    case MessageType.Close:
      return decodeClose(bytes);
    case MessageType.Hello: {
      const err = exactLength(bytes, 9, 'Hello');
      if (err) return err;
      if (bytes[3]! > 1) return fail('bad-field', `Hello flags ${bytes[3]}`);
      return { ok: true, message: { type, tag, joining: bytes[3] === 1, absentMask: bytes[4]!, since: view.getUint32(5) } };
    }
    case MessageType.Resync:
    case MessageType.Transfer: {
      const name = type === MessageType.Resync ? 'Resync' : 'Transfer';
      if (bytes.length < 21) return fail('truncated', `${name} needs at least 21 bytes, got ${bytes.length}`);
      const count = view.getUint16(11);
      const index = view.getUint16(9);
      if (count === 0 || index >= count) return fail('bad-field', `${name} chunk ${index} of ${count}`);
      return {
        ok: true,
        message: {
          type,
          tag,
          frame: view.getUint32(3),
          id: view.getUint16(7),
          index,
          count,
          total: view.getUint32(13),
          checksum: view.getUint32(17),
          data: bytes.subarray(21),
        },
      };
    }
    case MessageType.Pause: {
      const err = exactLength(bytes, 12, 'Pause');
      if (err) return err;
      const kind = bytes[3]!;
      const id = view.getUint16(4);
      const flags = bytes[11]!;
      if (kind < PauseKind.Request || kind > PauseKind.AckResume) return fail('bad-field', `Pause kind ${kind}`);
      if (id === 0) return fail('bad-field', 'Pause id 0');
      if (flags > 1) return fail('bad-field', `Pause flags ${flags}`);
      return {
        ok: true,
        message: { type, tag, kind: kind as PauseKind, id, frame: view.getUint32(6), reason: bytes[10]!, final: flags === 1 },
      };
    }
    case MessageType.Presence: {
      const err = exactLength(bytes, 7, 'Presence');
      if (err) return err;
      const kind = bytes[3]!;
      const focused = bytes[6]!;
      if (kind !== 1 && kind !== 2) return fail('bad-field', `Presence kind ${kind}`);
      if (focused > 1) return fail('bad-field', `Presence focused ${focused}`);
      return { ok: true, message: { type, tag, kind: kind === 1 ? 'state' : 'ack', seq: view.getUint16(4), focused: focused === 1 } };
    }
    default:
      return fail('unknown-type', `unknown message type ${type}`);
  }
}
