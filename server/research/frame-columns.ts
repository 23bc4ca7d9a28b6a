/**
 * The per-frame columns of the frames export beyond the inputs:
 * - outcome columns: the game's `record(state)` after each confirmed frame,
 *   replayed here from the stored input log (no peer uploads outcomes, so no
 *   two peers can disagree about them);
 * - per player, `time_ms_P` (that player's wall clock at the frame, ms since
 *   its session started, interpolated from its report's frame clock) and
 *   `focused_P` (0 while its tab was hidden, from its hidden periods).
 */
import type { Game } from '../../src/engine/game.ts';
import { type InputLog, specVersion } from '../../src/engine/input-log.ts';
import { Simulation } from '../../src/engine/simulation.ts';
import type { FrameClockSample } from '../../src/research/report.ts';
import type { GameResolver } from './games.ts';

/** Frames per second assumed when a player's clock has a single sample (the engine's default tick rate). */
const DEFAULT_FPS = 60;
/** Most outcome columns taken from one game's `record()` (the rest are left out). */
export const MAX_RECORD_COLUMNS = 64;

/** Column names the export already uses: a `record()` key equal to one of them gets the prefix `record_`. */
const BUILT_IN = /^(session_id|frame|episode|player_\d+|time_ms_\d+|focused_\d+)$/;

/** The export column of a `record()` key (keys that are not plain identifiers are left out). */
function columnOf(key: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(key)) return undefined;
  return BUILT_IN.test(key) ? `record_${key}` : key;
}

/**
 * A `record()` result as columns: its number values (booleans as 0/1),
 * sorted by key, at most {@link MAX_RECORD_COLUMNS}; anything else is left out.
 */
export function recordColumns(recorded: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof recorded !== 'object' || recorded === null || Array.isArray(recorded)) return out;
  let n = 0;
  for (const key of Object.keys(recorded).sort()) {
    const v: unknown = (recorded as Record<string, unknown>)[key];
    const value = typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'boolean' ? Number(v) : undefined;
    const column = columnOf(key);
    if (value === undefined || column === undefined) continue;
    if (n++ >= MAX_RECORD_COLUMNS) break;
    out[column] = value;
  }
  return out;
}

/** The game of `spec` if it has a `record()` and is the version the log was made with; else undefined. */
export function recordingGame(spec: string, inputSize: number, resolve: GameResolver | undefined): Game<unknown> | undefined {
  if (!resolve) return undefined;
  let game: Game<unknown>;
  try {
    game = resolve(spec);
  } catch {
    return undefined;
  }
  const want = specVersion(spec);
  const got = specVersion(game.spec);
  if (typeof game.record !== 'function' || want.name !== got.name || want.version !== got.version || game.inputSize !== inputSize) return undefined;
  if ((game as { hasRecord?: boolean }).hasRecord === false) return undefined;
  return game;
}

/** The outcome column names of a game (from the record of its first state), or none. */
export function recordColumnNames(game: Game<unknown> | undefined, seed: number, players: number): string[] {
  if (!game?.record) return [];
  try {
    return Object.keys(recordColumns(game.record(game.init(seed, players))));
  } catch {
    return [];
  }
}

/** Replays a log frame by frame, giving each frame's outcome columns (the state after the frame, before an episode reset). */
export class RecordReplay {
  readonly #sim: Simulation<unknown>;
  readonly #stride: number;
  #last: Record<string, number> = {};

  constructor(
    private readonly game: Game<unknown>,
    private readonly log: InputLog,
  ) {
    this.#stride = log.players * log.inputSize;
    this.#sim = new Simulation(game, log.seed, log.players, {
      step: (_frame, state) => {
        this.#last = recordColumns(this.game.record!(state));
      },
    });
  }

  /** Step frame `frame` (call in order from 0) and return its outcome columns. */
  step(frame: number): Record<string, number> {
    this.#sim.step(this.log.inputs.subarray(frame * this.#stride, (frame + 1) * this.#stride), frame);
    return this.#last;
  }
}

/** A tab-hidden period, ms since the session started (`end` null: hidden until the end). */
export interface HiddenPeriod {
  readonly start: number;
  readonly end: number | null;
}

/**
 * One player's clock: call {@link PlayerClock.at} with frames in increasing
 * order. Times between samples are interpolated linearly; before the first
 * and after the last they are extrapolated from the nearest two (one sample:
 * at 60 frames a second). Never negative.
 */
export class PlayerClock {
  #i = 0;
  #h = 0;
  readonly #samples: readonly FrameClockSample[];
  readonly #hidden: readonly HiddenPeriod[];

  constructor(samples: readonly FrameClockSample[], hidden: readonly HiddenPeriod[]) {
    // keep it strictly increasing in frame (a repeated frame keeps its first time)
    const clean: FrameClockSample[] = [];
    for (const s of samples) if (clean.length === 0 || s.frame > clean.at(-1)!.frame) clean.push(s);
    this.#samples = clean;
    this.#hidden = [...hidden].sort((a, b) => a.start - b.start);
  }

  /** Whether there is any sample to read times from. */
  get known(): boolean {
    return this.#samples.length > 0;
  }

  /** This player's wall clock at `frame`, ms since its session started (rounded), or undefined without samples. */
  timeAt(frame: number): number | undefined {
    const s = this.#samples;
    if (s.length === 0) return undefined;
    if (s.length === 1) return Math.max(0, Math.round(s[0]!.at + ((frame - s[0]!.frame) * 1000) / DEFAULT_FPS));
    while (this.#i < s.length - 2 && s[this.#i + 1]!.frame <= frame) this.#i++;
    const a = s[this.#i]!;
    const b = s[this.#i + 1]!;
    return Math.max(0, Math.round(a.at + ((frame - a.frame) * (b.at - a.at)) / (b.frame - a.frame)));
  }

  /** 0 when `timeMs` falls in a hidden period, else 1 (call with non-decreasing times: a cursor, O(1) amortized). */
  focusedAt(timeMs: number): 0 | 1 {
    const h = this.#hidden;
    while (this.#h < h.length && h[this.#h]!.end !== null && h[this.#h]!.end! <= timeMs) this.#h++;
    const p = h[this.#h];
    return p !== undefined && p.start <= timeMs ? 0 : 1;
  }
}
