/**
 * The confirmed input log: every player's input for every confirmed frame,
 * plus what is needed to replay it. Compact binary, big-endian header:
 *
 * `0 magic "NRLG"`, `4 version u8`, `5 players u8`, `6 inputSize u8`,
 * `7 reserved u8`, `8 seed u32`, `12 frames u32`, `16 specLength u16`,
 * `18 spec utf-8`, then `frames × players × inputSize` input bytes,
 * frame-major (frame 0 of players 0..n-1, then frame 1, ...).
 */
import type { Game } from './game.ts';
import { xxh32 } from './hash.ts';
import { Simulation } from './simulation.ts';

const MAGIC = [0x4e, 0x52, 0x4c, 0x47]; // "NRLG"
const LOG_VERSION = 1;
const HEADER_BYTES = 18;

export interface InputLog {
  readonly spec: string;
  readonly seed: number;
  readonly players: number;
  readonly inputSize: number;
  readonly frames: number;
  /** `frames × players × inputSize` bytes, frame-major. */
  readonly inputs: Uint8Array;
}

export type InputLogResult = { ok: true; log: InputLog } | { ok: false; error: string };

/** Serialize an input log. */
export function encodeInputLog(log: InputLog): Uint8Array {
  const spec = new TextEncoder().encode(log.spec);
  if (spec.length > 0xffff) throw new RangeError('game spec is too long');
  const expected = log.frames * log.players * log.inputSize;
  if (log.inputs.length !== expected) {
    throw new RangeError(`input log holds ${log.inputs.length} bytes, expected ${expected}`);
  }
  const out = new Uint8Array(HEADER_BYTES + spec.length + log.inputs.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = LOG_VERSION;
  out[5] = log.players;
  out[6] = log.inputSize;
  view.setUint32(8, log.seed >>> 0);
  view.setUint32(12, log.frames);
  view.setUint16(16, spec.length);
  out.set(spec, HEADER_BYTES);
  out.set(log.inputs, HEADER_BYTES + spec.length);
  return out;
}

/** Parse an input log; never throws. */
export function decodeInputLog(bytes: Uint8Array): InputLogResult {
  if (bytes.length < HEADER_BYTES) return { ok: false, error: 'input log is truncated' };
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) return { ok: false, error: 'not a netroll input log' };
  if (bytes[4] !== LOG_VERSION) return { ok: false, error: `input log version ${bytes[4]} is not supported` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const players = bytes[5]!;
  const inputSize = bytes[6]!;
  if (players < 1 || players > 8 || inputSize < 1 || inputSize > 16) {
    return { ok: false, error: `bad players (${players}) or input size (${inputSize})` };
  }
  const seed = view.getUint32(8);
  const frames = view.getUint32(12);
  const specLength = view.getUint16(16);
  const inputsStart = HEADER_BYTES + specLength;
  const expected = inputsStart + frames * players * inputSize;
  if (bytes.length !== expected) return { ok: false, error: `input log is ${bytes.length} bytes, expected ${expected}` };
  const spec = new TextDecoder().decode(bytes.subarray(HEADER_BYTES, inputsStart));
  return { ok: true, log: { spec, seed, players, inputSize, frames, inputs: bytes.subarray(inputsStart) } };
}

export interface ReplayResult {
  /** Frames replayed. */
  readonly frames: number;
  /** xxHash32 of the snapshot after the last frame (matches the engine's confirmed hash). */
  readonly finalHash: number;
  /** Episodes started, including the running one. */
  readonly episodes: number;
  /** Hashes at every multiple of `hashInterval` (frame → hash), when asked for. */
  readonly hashes: ReadonlyMap<number, number>;
}

/**
 * Re-run a log through its game and return the final state hash.
 * `resolveGame` maps the log's spec to a game (see `gameFromSpec`).
 */
export function replay(
  log: InputLog,
  resolveGame: (spec: string) => Game<unknown>,
  hashInterval = 0,
): ReplayResult {
  const game = resolveGame(log.spec);
  if (game.inputSize !== log.inputSize) {
    throw new Error(`game ${log.spec} takes ${game.inputSize}-byte inputs, the log has ${log.inputSize}`);
  }
  const sim = new Simulation(game, log.seed, log.players);
  const stride = log.players * log.inputSize;
  const hashes = new Map<number, number>();
  for (let f = 0; f < log.frames; f++) {
    if (hashInterval > 0 && f > 0 && f % hashInterval === 0) hashes.set(f, sim.hash());
    sim.step(log.inputs.subarray(f * stride, (f + 1) * stride), f);
  }
  if (hashInterval > 0 && log.frames > 0 && log.frames % hashInterval === 0) hashes.set(log.frames, sim.hash());
  return { frames: log.frames, finalHash: xxh32(sim.save()), episodes: sim.episode + 1, hashes };
}
