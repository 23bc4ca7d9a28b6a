/**
 * The contract between netroll's engine and a deterministic game.
 *
 * A game is a pure function of (seed, players, inputs): given the same
 * inputs, every peer must reach byte-identical snapshots. Use integer or
 * fixed-point math and the seeded PRNG from `src/util/prng.ts`; never read
 * clocks or `Math.random` inside a game.
 *
 * @typeParam S - the game's in-memory state. `step` may mutate it in place
 *   and return the same object.
 * @typeParam R - what `render` returns for the UI (defaults to `unknown`).
 */
export interface Game<S, R = unknown> {
  /**
   * Registry name, version and parameters, e.g. `arena@1` or
   * `swarm@1?entities=1000`. Bump the version whenever the game's logic
   * changes: replay refuses logs of another version.
   */
  readonly spec: string;
  /** Bytes of input per player per frame, 1 to 16. */
  readonly inputSize: number;
  /** Fresh state for an episode. `seed` is a uint32. */
  init(seed: number, players: number): S;
  /**
   * Advance one frame. `inputs` holds `players * inputSize` bytes: player
   * `p`'s input is `inputs.subarray(p * inputSize, (p + 1) * inputSize)`.
   * `frame` is the frame index within the current episode (0 at its start).
   * May mutate `state` and return it.
   */
  step(state: S, inputs: Uint8Array, frame: number): S;
  /**
   * Serialize `state`. When `reuse` is given and has the right length the
   * game should write into it and return it (saves an allocation per frame).
   */
  save(state: S, reuse?: Uint8Array): Uint8Array;
  /**
   * Rebuild a state from bytes produced by `save`. When `reuse` is given the
   * game may overwrite and return it instead of allocating. Must copy out of
   * `bytes`: the engine reuses snapshot buffers.
   */
  load(bytes: Uint8Array, reuse?: S): S;
  /** True when the episode this state belongs to is over. */
  isEpisodeOver?(state: S): boolean;
  /**
   * Research outcome columns of a state: flat named numbers (rewards,
   * scores, flags; booleans count as 0/1), e.g. `{ score_0: 3, score_1: 5 }`.
   * The server replays each stored input log and writes these, for the state
   * after every confirmed frame, as columns of `frames.csv` (other value
   * types are left out there). Must be a pure function of the state.
   */
  record?(state: S): unknown;
  /** A plain, structured-cloneable view of the state for the UI. */
  render?(state: S): R;
  /**
   * Predict a remote player's input for `frame` from the last input known.
   * Default: repeat `lastInput`. Must be deterministic.
   */
  predict?(lastInput: Uint8Array, frame: number, player: number): Uint8Array;
  /**
   * The input of a player who left the session, used from the agreed
   * departure frame on (`inputSize` bytes, deterministic). Default: zeros.
   */
  absentInput?(player: number): Uint8Array;
}

/** Maximum players in one session (full mesh). */
export const MAX_PLAYERS = 8;
/** Maximum input bytes per player per frame. */
export const MAX_INPUT_SIZE = 16;
