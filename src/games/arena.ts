/**
 * Arena: 1–8 players run around a bounded field collecting coins.
 *
 * Deterministic: positions are fixed-point integers (1/256 field unit), the
 * whole state lives in one `Int32Array` (save/load are byte copies) and coin
 * respawns use the seeded {@link Prng} whose state is part of the snapshot.
 */
import { MAX_PLAYERS, type Game } from '../engine/game.ts';
import { Prng, PRNG_STATE_WORDS } from '../util/prng.ts';
import { loadInt32, saveInt32 } from './int32-state.ts';

/** Input bit: move up. Shared by arena and swarm. */
export const INPUT_UP = 1 << 0;
/** Input bit: move down. */
export const INPUT_DOWN = 1 << 1;
/** Input bit: move left. */
export const INPUT_LEFT = 1 << 2;
/** Input bit: move right. */
export const INPUT_RIGHT = 1 << 3;
/** Input bit: action (arena: dash on press; swarm: repel while held). */
export const INPUT_ACTION = 1 << 4;

/** Options for {@link createArena}; every field is an integer. */
export interface ArenaOptions {
  /** Frames per episode, 1..1_000_000 (default 1200). */
  episodeFrames?: number;
  /** Coins on the field at once, 1..64 (default 8). */
  coins?: number;
  /** Field width in units, 16..4096 (default 96). */
  width?: number;
  /** Field height in units, 16..4096 (default 54). */
  height?: number;
  /** Score that ends the episode early, 1..1_000_000 (default 25). */
  targetScore?: number;
}

/** Arena state: everything lives in `data` (see the layout constants below). */
export interface ArenaState {
  /** The whole state: header, players, coins and PRNG state, as int32 words. */
  readonly data: Int32Array;
}

/** UI view of an arena state; numbers are in field units. */
export interface ArenaRender {
  /** Frames simulated since the episode started. */
  frame: number;
  /** Each player's position and score, by player index. */
  players: { x: number; y: number; score: number }[];
  /** Positions of the coins on the field. */
  coins: { x: number; y: number }[];
  /** Field width, units. */
  width: number;
  /** Field height, units. */
  height: number;
}

/** Version of arena's logic in its spec (`arena@1`); bumped whenever a change alters any snapshot. */
export const ARENA_VERSION = 1;

/** Default option values; options equal to these are left out of `spec`. */
export const ARENA_DEFAULTS: Readonly<Required<ArenaOptions>> = {
  episodeFrames: 1200,
  coins: 8,
  width: 96,
  height: 54,
  targetScore: 25,
};

const ONE = 256; // fixed-point scale: 1 field unit
const PLAYER_R = 384; // 1.5 units
const COIN_R = 256;
const PICKUP = PLAYER_R + COIN_R;
const ACCEL = 32; // per frame, one axis
const ACCEL_DIAG = 23; // ~ACCEL / sqrt(2)
const DASH = 640;
const DASH_COOLDOWN = 45;
const MAX_SPEED = 1024;
const MAGIC = 0x4152454e; // 'AREN'

// Header layout, then players (PS words each), then coins (x, y).
const H_MAGIC = 0;
const H_FRAME = 1;
const H_PLAYERS = 2;
const H_RNG = 3;
const HEADER = H_RNG + PRNG_STATE_WORDS;
const P_X = 0, P_Y = 1, P_VX = 2, P_VY = 3, P_SCORE = 4, P_COOL = 5, P_PREV = 6;
const PS = 7;

const RANGES: Record<keyof ArenaOptions, [number, number]> = {
  episodeFrames: [1, 1_000_000],
  coins: [1, 64],
  width: [16, 4096],
  height: [16, 4096],
  targetScore: [1, 1_000_000],
};

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Create an arena game.
 * @throws RangeError when an option is not an integer in its range.
 */
export function createArena(options: ArenaOptions = {}): Game<ArenaState, ArenaRender> {
  const o: Required<ArenaOptions> = { ...ARENA_DEFAULTS };
  for (const key of Object.keys(RANGES) as (keyof ArenaOptions)[]) {
    const v = options[key];
    if (v === undefined) continue;
    const [lo, hi] = RANGES[key];
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new RangeError(`arena: ${key} must be an integer in ${lo}..${hi} (got ${v})`);
    }
    o[key] = v;
  }
  const params = (Object.keys(o) as (keyof ArenaOptions)[])
    .filter((k) => o[k] !== ARENA_DEFAULTS[k])
    .sort()
    .map((k) => `${k}=${o[k]}`);
  const spec = params.length ? `arena@${ARENA_VERSION}?${params.join('&')}` : `arena@${ARENA_VERSION}`;

  const W = o.width * ONE;
  const H = o.height * ONE;
  const coinsAt = (players: number) => HEADER + players * PS;
  const words = (players: number) => coinsAt(players) + o.coins * 2;
  const rng = new Prng(0); // scratch; its state is always loaded from `data`

  function placeCoin(d: Int32Array, at: number): void {
    d[at] = COIN_R + rng.nextInt(W - 2 * COIN_R + 1);
    d[at + 1] = COIN_R + rng.nextInt(H - 2 * COIN_R + 1);
  }

  function isOver(d: Int32Array): boolean {
    if (d[H_FRAME]! >= o.episodeFrames) return true;
    const n = d[H_PLAYERS]!;
    for (let p = 0; p < n; p++) if (d[HEADER + p * PS + P_SCORE]! >= o.targetScore) return true;
    return false;
  }

  const head = new Int32Array(HEADER); // scratch for validating a snapshot

  /** Throw unless `bytes` look like a snapshot of this arena configuration. */
  function checkSnapshot(bytes: Uint8Array): void {
    let ok = bytes.length >= HEADER * 4;
    if (ok) {
      new Uint8Array(head.buffer).set(bytes.subarray(0, HEADER * 4));
      const n = head[H_PLAYERS]!;
      ok = head[H_MAGIC] === MAGIC && n >= 1 && n <= MAX_PLAYERS && bytes.length === words(n) * 4;
    }
    if (!ok) throw new Error(`arena: a snapshot of ${bytes.length} bytes does not match ${spec}`);
  }

  return {
    spec,
    inputSize: 1,

    init(seed, players) {
      if (!Number.isInteger(players) || players < 1 || players > MAX_PLAYERS) {
        throw new RangeError(`arena: players must be an integer in 1..${MAX_PLAYERS} (got ${players})`);
      }
      const d = new Int32Array(words(players));
      d[H_MAGIC] = MAGIC;
      d[H_PLAYERS] = players;
      rng.reseed(seed);
      for (let p = 0; p < players; p++) {
        const at = HEADER + p * PS;
        // Evenly spaced along the middle row; `(a / b) | 0` is exact integer
        // division for non-negative int32 operands.
        d[at + P_X] = ((W * (2 * p + 1)) / (2 * players)) | 0;
        d[at + P_Y] = H >> 1;
      }
      for (let c = 0; c < o.coins; c++) placeCoin(d, coinsAt(players) + c * 2);
      rng.writeTo(d, H_RNG);
      return { data: d };
    },

    step(state, inputs) {
      const d = state.data;
      if (isOver(d)) return state;
      const n = d[H_PLAYERS]!;
      const frame = d[H_FRAME]!;
      rng.readFrom(d, H_RNG);
      for (let p = 0; p < n; p++) {
        const at = HEADER + p * PS;
        const inp = inputs[p] ?? 0;
        let vx = d[at + P_VX]!;
        let vy = d[at + P_VY]!;
        let cool = d[at + P_COOL]!;
        const ax = (inp & INPUT_RIGHT ? 1 : 0) - (inp & INPUT_LEFT ? 1 : 0);
        const ay = (inp & INPUT_DOWN ? 1 : 0) - (inp & INPUT_UP ? 1 : 0);
        const acc = ax !== 0 && ay !== 0 ? ACCEL_DIAG : ACCEL;
        vx += ax * acc;
        vy += ay * acc;
        const pressed = (inp & INPUT_ACTION) !== 0 && (d[at + P_PREV]! & INPUT_ACTION) === 0;
        if (pressed && cool === 0 && (ax !== 0 || ay !== 0)) {
          vx += ax * DASH;
          vy += ay * DASH;
          cool = DASH_COOLDOWN;
        } else if (cool > 0) {
          cool--;
        }
        // Friction (~1/8 per frame); snap tiny drift to rest. The threshold
        // must be 8: `v >> 3` is 0 for v in 1..7, so a smaller positive speed
        // would never decay (players crept right/down after a move).
        vx -= vx >> 3;
        vy -= vy >> 3;
        if (vx > -8 && vx < 8) vx = 0;
        if (vy > -8 && vy < 8) vy = 0;
        vx = clamp(vx, -MAX_SPEED, MAX_SPEED);
        vy = clamp(vy, -MAX_SPEED, MAX_SPEED);
        let x = d[at + P_X]! + vx;
        let y = d[at + P_Y]! + vy;
        if (x < PLAYER_R || x > W - PLAYER_R) { x = clamp(x, PLAYER_R, W - PLAYER_R); vx = 0; }
        if (y < PLAYER_R || y > H - PLAYER_R) { y = clamp(y, PLAYER_R, H - PLAYER_R); vy = 0; }
        d[at + P_X] = x;
        d[at + P_Y] = y;
        d[at + P_VX] = vx;
        d[at + P_VY] = vy;
        d[at + P_COOL] = cool;
        d[at + P_PREV] = inp;
      }
      // Coin pickup. Ties go to the first player in an order that rotates
      // every frame, so no player index is favoured.
      const coins = coinsAt(n);
      for (let c = 0; c < o.coins; c++) {
        const at = coins + c * 2;
        for (let k = 0; k < n; k++) {
          const pAt = HEADER + ((frame + k) % n) * PS;
          const dx = d[pAt + P_X]! - d[at]!;
          const dy = d[pAt + P_Y]! - d[at + 1]!;
          if (dx <= -PICKUP || dx >= PICKUP || dy <= -PICKUP || dy >= PICKUP) continue;
          if (dx * dx + dy * dy >= PICKUP * PICKUP) continue; // < 2^21, no overflow
          d[pAt + P_SCORE] = d[pAt + P_SCORE]! + 1;
          placeCoin(d, at);
          break;
        }
      }
      d[H_FRAME] = frame + 1;
      rng.writeTo(d, H_RNG);
      return state;
    },

    save: (state, reuse) => saveInt32(state.data, reuse),

    load(bytes, reuse) {
      checkSnapshot(bytes);
      return loadInt32(bytes, reuse);
    },

    isEpisodeOver(state) {
      return isOver(state.data);
    },

    /** Outcome columns: each player's score (`score_0`, `score_1`, …) and whether the episode is over (`episode_over`, 0/1). */
    record(state): Record<string, number> {
      const d = state.data;
      const n = d[H_PLAYERS]!;
      const out: Record<string, number> = {};
      for (let p = 0; p < n; p++) out[`score_${p}`] = d[HEADER + p * PS + P_SCORE]!;
      out['episode_over'] = isOver(d) ? 1 : 0;
      return out;
    },

    render(state) {
      const d = state.data;
      const n = d[H_PLAYERS]!;
      const players: ArenaRender['players'] = [];
      for (let p = 0; p < n; p++) {
        const at = HEADER + p * PS;
        players.push({ x: d[at + P_X]! / ONE, y: d[at + P_Y]! / ONE, score: d[at + P_SCORE]! });
      }
      const coins: ArenaRender['coins'] = [];
      for (let c = 0; c < o.coins; c++) {
        const at = coinsAt(n) + c * 2;
        coins.push({ x: d[at]! / ONE, y: d[at + 1]! / ONE });
      }
      return { frame: d[H_FRAME]!, players, coins, width: o.width, height: o.height };
    },
  };
}
