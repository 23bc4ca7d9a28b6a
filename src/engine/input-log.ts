/**
 * The confirmed input log: every player's input for every confirmed frame,
 * the players who left and when, plus what is needed to replay it. Compact
 * binary, big-endian header:
 *
 * `0 magic "NRLG"`, `4 version u8` (4), `5 players u8`, `6 inputSize u8`,
 * `7 departures u8`, `8 seed u32`, `12 frames u32`, `16 specLength u16`,
 * `18 spec utf-8`, then `departures × (player u8, frame u32)`, then
 * `frames × players × inputSize` input bytes, frame-major (frame 0 of
 * players 0..n-1, then frame 1, ...). A departed player's inputs from its
 * departure frame on are the neutral input the engine used, so replay
 * reproduces the session without special cases.
 *
 * Version 3 adds absences (players whose seat was kept while they were
 * away, `rejoin.ts`): after the departures, `absences u16`, then
 * `absences × (player u8, from u32, to u32)` (`to` 0xffffffff: still
 * absent at the log's end). Over `from..to − 1` the logged inputs are the
 * neutral ones every peer used, so replay needs no special case either.
 *
 * Version 4 adds agreed pauses (`pause.ts`): after the absences, `pauses
 * u16`, then `pauses × (player u8, id u16, frame u32, reason u8, flags u8)`
 * (flags bit 0: final; reason: index into `PAUSE_REASONS`). Frames are
 * session frames, so a range of a log carries the whole log's pauses.
 * Pauses only say when frames were simulated, never what: replay ignores
 * them.
 *
 * Versions 1 (no departures; byte 7 reserved), 2 (no absences) and 3 (no
 * pauses) are still read.
 */
import { type ErrorInfo, errorInfo, NetrollError } from '../contracts/errors.ts';
import { isSampleFrame } from './desync-detector.ts';
import type { Game } from './game.ts';
import { xxh32 } from './hash.ts';
import { Simulation } from './simulation.ts';
import { PAUSE_REASONS } from '../contracts/vocabulary.ts';
import type { PauseRecord } from './pause.ts';

const MAGIC = [0x4e, 0x52, 0x4c, 0x47]; // "NRLG"
const LOG_VERSION = 4;
/** Most pauses a log records (the engine's per-player budget times 8 players fits). */
const MAX_LOGGED_PAUSES = 0xffff;
const PAUSE_BYTES = 9;
const OPEN = 0xffff_ffff;
const HEADER_BYTES = 18;

/** A player who left: from `frame` on, its inputs in the log are neutral. */
export interface LoggedDeparture {
  /** The player index who left. */
  readonly player: number;
  /** The agreed departure frame. */
  readonly frame: number;
}

/** A player whose seat was kept while away: its logged inputs over `from..to − 1` are neutral. */
export interface LoggedAbsence {
  /** The player index. */
  readonly player: number;
  /** The agreed first frame of neutral input. */
  readonly from: number;
  /** The agreed frame its real inputs counted again (undefined: still absent at the log's end). */
  readonly to: number | undefined;
}

/** A session's confirmed inputs: the game spec, seed and players, and every player's input for every confirmed frame. */
export interface InputLog {
  /** The game's spec, version included (`arena@1`). */
  readonly spec: string;
  /** Session seed (uint32). */
  readonly seed: number;
  /** Players in the session. */
  readonly players: number;
  /** Bytes of one player's input for one frame. */
  readonly inputSize: number;
  /** Confirmed frames logged (frames 0..frames-1). */
  readonly frames: number;
  /** `frames × players × inputSize` bytes, frame-major. */
  readonly inputs: Uint8Array;
  /** Players who left during the logged frames. */
  readonly departures?: readonly LoggedDeparture[];
  /** Absences during the logged frames, in the order they began. */
  readonly absences?: readonly LoggedAbsence[];
  /** Agreed pauses within the logged frames, by frame (session frames: a range of a log carries the whole log's). */
  readonly pauses?: readonly PauseRecord[];
}

/** What {@link decodeInputLog} returns: the log, or why the bytes are not one. */
export type InputLogResult = { ok: true; log: InputLog } | { ok: false; error: ErrorInfo };

const bad = (message: string): InputLogResult => ({ ok: false, error: errorInfo('bad-input-log', message) });

/** Serialize an input log. */
export function encodeInputLog(log: InputLog): Uint8Array {
  const spec = new TextEncoder().encode(log.spec);
  if (spec.length > 0xffff) throw new NetrollError('invalid-option', 'game spec is too long');
  const expected = log.frames * log.players * log.inputSize;
  if (log.inputs.length !== expected) {
    throw new NetrollError('invalid-option', `input log holds ${log.inputs.length} bytes, expected ${expected}`);
  }
  const departures = log.departures ?? [];
  if (departures.length > 255) throw new NetrollError('invalid-option', 'too many departures');
  const absences = log.absences ?? [];
  if (absences.length > 0xffff) throw new NetrollError('invalid-option', 'too many absences');
  const depStart = HEADER_BYTES + spec.length;
  const pauses = log.pauses ?? [];
  if (pauses.length > MAX_LOGGED_PAUSES) throw new NetrollError('invalid-option', 'too many pauses');
  const absStart = depStart + departures.length * 5;
  const pauseStart = absStart + 2 + absences.length * 9;
  const inputsStart = pauseStart + 2 + pauses.length * PAUSE_BYTES;
  const out = new Uint8Array(inputsStart + log.inputs.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = LOG_VERSION;
  out[5] = log.players;
  out[6] = log.inputSize;
  out[7] = departures.length;
  view.setUint32(8, log.seed >>> 0);
  view.setUint32(12, log.frames);
  view.setUint16(16, spec.length);
  out.set(spec, HEADER_BYTES);
  departures.forEach((d, i) => {
    out[depStart + i * 5] = d.player;
    view.setUint32(depStart + i * 5 + 1, d.frame);
  });
  view.setUint16(absStart, absences.length);
  absences.forEach((a, i) => {
    const o = absStart + 2 + i * 9;
    out[o] = a.player;
    view.setUint32(o + 1, a.from);
    view.setUint32(o + 5, a.to ?? OPEN);
  });
  view.setUint16(pauseStart, pauses.length);
  pauses.forEach((p, i) => {
    const o = pauseStart + 2 + i * PAUSE_BYTES;
    const reason = PAUSE_REASONS.indexOf(p.reason);
    if (reason < 0) throw new NetrollError('invalid-option', `unknown pause reason ${String(p.reason)}`);
    out[o] = p.player;
    view.setUint16(o + 1, p.id);
    view.setUint32(o + 3, p.frame);
    out[o + 7] = reason;
    out[o + 8] = p.final ? 1 : 0;
  });
  out.set(log.inputs, inputsStart);
  return out;
}

/** Parse an input log; never throws (errors have code `bad-input-log`). */
export function decodeInputLog(bytes: Uint8Array): InputLogResult {
  if (!(bytes instanceof Uint8Array)) return bad('input log is not a byte array');
  if (bytes.length < HEADER_BYTES) return bad('input log is truncated');
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) return bad('not a netroll input log');
  const version = bytes[4]!;
  if (version < 1 || version > LOG_VERSION) return bad(`input log version ${version} is not supported`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const players = bytes[5]!;
  const inputSize = bytes[6]!;
  if (players < 1 || players > 8 || inputSize < 1 || inputSize > 16) {
    return bad(`bad players (${players}) or input size (${inputSize})`);
  }
  const departureCount = version === 1 ? 0 : bytes[7]!;
  const seed = view.getUint32(8);
  const frames = view.getUint32(12);
  const specLength = view.getUint16(16);
  const depStart = HEADER_BYTES + specLength;
  const absStart = depStart + departureCount * 5;
  if (version >= 3 && bytes.length < absStart + 2) return bad('input log is truncated');
  const absenceCount = version >= 3 ? view.getUint16(absStart) : 0;
  const pauseStart = version >= 3 ? absStart + 2 + absenceCount * 9 : absStart;
  if (version >= 4 && bytes.length < pauseStart + 2) return bad('input log is truncated');
  const pauseCount = version >= 4 ? view.getUint16(pauseStart) : 0;
  const inputsStart = version >= 4 ? pauseStart + 2 + pauseCount * PAUSE_BYTES : pauseStart;
  const expected = inputsStart + frames * players * inputSize;
  if (bytes.length !== expected) return bad(`input log is ${bytes.length} bytes, expected ${expected}`);
  const spec = new TextDecoder().decode(bytes.subarray(HEADER_BYTES, depStart));
  const departures: LoggedDeparture[] = [];
  for (let i = 0; i < departureCount; i++) {
    const player = bytes[depStart + i * 5]!;
    const frame = view.getUint32(depStart + i * 5 + 1);
    if (player >= players || frame > frames) return bad(`departure of player ${player} at frame ${frame} does not fit the log`);
    departures.push({ player, frame });
  }
  const absences: LoggedAbsence[] = [];
  for (let i = 0; i < absenceCount; i++) {
    const o = absStart + 2 + i * 9;
    const player = bytes[o]!;
    const from = view.getUint32(o + 1);
    const to = view.getUint32(o + 5);
    if (player >= players || from > frames || (to !== OPEN && (to < from || to > frames))) {
      return bad(`absence of player ${player} over frames ${from}..${to} does not fit the log`);
    }
    absences.push({ player, from, to: to === OPEN ? undefined : to });
  }
  const pauses: PauseRecord[] = [];
  for (let i = 0; i < pauseCount; i++) {
    const o = pauseStart + 2 + i * PAUSE_BYTES;
    const player = bytes[o]!;
    const id = view.getUint16(o + 1);
    const frame = view.getUint32(o + 3);
    const reason = PAUSE_REASONS[bytes[o + 7]!];
    const flags = bytes[o + 8]!;
    if (player >= players || reason === undefined || flags > 1 || id === 0) {
      return bad(`pause ${i} (player ${player}, frame ${frame}) is not a pause`);
    }
    pauses.push({ player, id, frame, reason, final: flags === 1 });
  }
  return { ok: true, log: { spec, seed, players, inputSize, frames, inputs: bytes.subarray(inputsStart), departures, absences, pauses } };
}

/**
 * The name and version of a game spec: `arena@1?coins=3` → `{ name: 'arena', version: 1 }`.
 * A spec without `@` has version 1 (the behaviour before specs carried versions).
 */
export function specVersion(spec: string): { name: string; version: number } {
  const q = spec.indexOf('?');
  const head = q < 0 ? spec : spec.slice(0, q);
  const at = head.indexOf('@');
  if (at < 0) return { name: head, version: 1 };
  const v = Number(head.slice(at + 1));
  return { name: head.slice(0, at), version: Number.isInteger(v) && v >= 0 ? v : -1 };
}

/** What {@link replay} returns: the frames replayed and the final state hash. */
export interface ReplayResult {
  /** Frames replayed. */
  readonly frames: number;
  /** xxHash32 of the snapshot after the last frame (matches the engine's confirmed hash). */
  readonly finalHash: number;
  /** Episodes started, including the running one. */
  readonly episodes: number;
  /**
   * With a `hashInterval`: the engine's hash samples over the log (frame →
   * hash): multiples of the interval, episode starts (hash of the ended
   * episode's final state) and the log's last frame.
   */
  readonly hashes: ReadonlyMap<number, number>;
}

/**
 * Re-run a log through its game and return the final state hash.
 * `resolveGame` maps the log's spec to a game (see `gameFromSpec`).
 * @throws NetrollError `game-version-mismatch` when the resolved game's
 *   version differs from the log's; `bad-input-log` when its input size does.
 */
export function replay(
  log: InputLog,
  resolveGame: (spec: string) => Game<unknown>,
  hashInterval = 0,
): ReplayResult {
  const game = resolveGame(log.spec);
  const want = specVersion(log.spec);
  const got = specVersion(game.spec);
  if (want.name !== got.name || want.version !== got.version) {
    throw new NetrollError(
      'game-version-mismatch',
      `the log was recorded with ${want.name}@${want.version}, this build has ${got.name}@${got.version}`,
    );
  }
  if (game.inputSize !== log.inputSize) {
    throw new NetrollError('bad-input-log', `game ${log.spec} takes ${game.inputSize}-byte inputs, the log has ${log.inputSize}`);
  }
  const sim = new Simulation(game, log.seed, log.players);
  let final: { frame: number; bytes: Uint8Array } | undefined;
  if (hashInterval > 0) sim.onEpisodeEnd = (frame, bytes) => (final = { frame: frame + 1, bytes });
  const stride = log.players * log.inputSize;
  const hashes = new Map<number, number>();
  const sample = (f: number) => {
    if (hashInterval <= 0) return;
    const start = final?.frame === f;
    if (!isSampleFrame(f, hashInterval, start, log.frames)) return;
    hashes.set(f, start ? xxh32(final!.bytes) : sim.hash());
  };
  for (let f = 0; f < log.frames; f++) {
    sample(f);
    sim.step(log.inputs.subarray(f * stride, (f + 1) * stride), f);
  }
  if (log.frames > 0) sample(log.frames);
  return { frames: log.frames, finalHash: xxh32(sim.save()), episodes: sim.episode + 1, hashes };
}
