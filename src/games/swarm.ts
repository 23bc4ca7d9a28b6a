/**
 * Swarm: a configurable-cost game for measuring rollback cost.
 *
 * N entities (100..20000) drift with integer physics, bouncing off the walls
 * and attracted to (or repelled from) one player cursor each. Each player
 * steers a cursor with the arena input bits; holding ACTION makes the cursor
 * repel. Everything lives in one `Int32Array` of 14 words per entity plus a
 * small header, so a snapshot is ~56 KB per 1000 entities and save/load are
 * byte copies.
 */
import { MAX_PLAYERS, type Game } from '../engine/game.ts';
import { Prng, PRNG_STATE_WORDS } from '../util/prng.ts';
import { INPUT_ACTION, INPUT_DOWN, INPUT_LEFT, INPUT_RIGHT, INPUT_UP } from './arena.ts';
import { loadInt32, saveInt32 } from './int32-state.ts';

/** Options for {@link createSwarm}; every field is an integer. */
export interface SwarmOptions {
  /** Number of entities, 100..20000 (default 1000). */
  entities?: number;
  /** Frames per episode, 0..1_000_000; 0 (default) means the episode never ends. */
  episodeFrames?: number;
}

/** Swarm state: everything lives in `data`. */
export interface SwarmState {
  /** The whole state: header, cursors, entities and PRNG state, as int32 words. */
  readonly data: Int32Array;
}

/** UI view of a swarm state; numbers are in field units. */
export interface SwarmRender {
  /** Frames simulated since the episode started. */
  frame: number;
  /** Field width, units (`SWARM_SIZE`). */
  width: number;
  /** Field height, units (`SWARM_SIZE`). */
  height: number;
  /** Each player's cursor position, and whether it repels (ACTION held), by player index. */
  cursors: { x: number; y: number; repel: boolean }[];
  /** Number of entities in the state. */
  entityCount: number;
  /** Interleaved x, y of at most 256 evenly sampled entities. */
  sample: Float32Array;
}

/** Smallest allowed entity count. */
export const SWARM_MIN_ENTITIES = 100;
/** Largest allowed entity count. */
export const SWARM_MAX_ENTITIES = 20000;
/** Int32 words stored per entity. */
export const SWARM_WORDS_PER_ENTITY = 14;
/** Field size in units (the field is square). */
export const SWARM_SIZE = 1024;

const ONE = 256;
const W = SWARM_SIZE * ONE;
const CURSOR_SPEED = 4 * ONE;
const MAX_V = 4 * ONE;
const FEED_DIST = 16 * ONE;
const MAX_ENERGY = 65535;
const MAGIC = 0x5357524d; // 'SWRM'
const SAMPLE_MAX = 256;

const H_MAGIC = 0;
const H_FRAME = 1;
const H_PLAYERS = 2;
const H_ENTITIES = 3;
const H_RNG = 4;
const HEADER = H_RNG + PRNG_STATE_WORDS;
const C_X = 0, C_Y = 1, C_INPUT = 2;
const CS = 3; // words per cursor
// Entity fields, in order; SWARM_WORDS_PER_ENTITY of them.
const E_X = 0, E_Y = 1, E_VX = 2, E_VY = 3, E_AX = 4, E_AY = 5, E_KIND = 6, E_TARGET = 7,
  E_MASS = 8, E_ENERGY = 9, E_AGE = 10, E_WANDER = 11, E_BOUNCES = 12, E_HASH = 13;
const ES = SWARM_WORDS_PER_ENTITY;

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Version of swarm's logic in its spec (`swarm@1`); bumped whenever a change alters any snapshot. */
export const SWARM_VERSION = 1;

/**
 * Create a swarm game.
 * @throws RangeError when `entities` is outside 100..20000 or `episodeFrames`
 *   outside 0..1_000_000 (or either is not an integer).
 */
export function createSwarm(options: SwarmOptions = {}): Game<SwarmState, SwarmRender> {
  const n = options.entities ?? 1000;
  const episodeFrames = options.episodeFrames ?? 0;
  if (!Number.isInteger(n) || n < SWARM_MIN_ENTITIES || n > SWARM_MAX_ENTITIES) {
    throw new RangeError(
      `swarm: entities must be an integer in ${SWARM_MIN_ENTITIES}..${SWARM_MAX_ENTITIES} (got ${n})`,
    );
  }
  if (!Number.isInteger(episodeFrames) || episodeFrames < 0 || episodeFrames > 1_000_000) {
    throw new RangeError(`swarm: episodeFrames must be an integer in 0..1000000 (got ${episodeFrames})`);
  }
  const spec = `swarm@${SWARM_VERSION}?entities=${n}` + (episodeFrames ? `&episodeFrames=${episodeFrames}` : '');
  const entAt = (players: number) => HEADER + players * CS;
  const words = (players: number) => entAt(players) + n * ES;
  const rng = new Prng(0); // scratch; its state is always loaded from `data`
  const head = new Int32Array(HEADER); // scratch for validating snapshots

  function checkSnapshot(bytes: Uint8Array): void {
    let ok = bytes.length >= HEADER * 4;
    if (ok) {
      new Uint8Array(head.buffer).set(bytes.subarray(0, HEADER * 4));
      const p = head[H_PLAYERS]!;
      ok = head[H_MAGIC] === MAGIC && head[H_ENTITIES] === n && p >= 1 && p <= MAX_PLAYERS &&
        bytes.length === words(p) * 4;
    }
    if (!ok) throw new Error(`swarm: a snapshot of ${bytes.length} bytes does not match ${spec}`);
  }

  return {
    spec,
    inputSize: 1,

    init(seed, players) {
      if (!Number.isInteger(players) || players < 1 || players > MAX_PLAYERS) {
        throw new RangeError(`swarm: players must be an integer in 1..${MAX_PLAYERS} (got ${players})`);
      }
      const d = new Int32Array(words(players));
      d[H_MAGIC] = MAGIC;
      d[H_PLAYERS] = players;
      d[H_ENTITIES] = n;
      rng.reseed(seed);
      for (let p = 0; p < players; p++) {
        d[HEADER + p * CS + C_X] = ((W * (2 * p + 1)) / (2 * players)) | 0; // exact int division
        d[HEADER + p * CS + C_Y] = W >> 1;
      }
      for (let i = 0, at = entAt(players); i < n; i++, at += ES) {
        d[at + E_X] = rng.nextInt(W);
        d[at + E_Y] = rng.nextInt(W);
        d[at + E_VX] = rng.nextInt(2 * ONE + 1) - ONE;
        d[at + E_VY] = rng.nextInt(2 * ONE + 1) - ONE;
        d[at + E_KIND] = rng.nextInt(4) === 0 ? 1 : 0; // 1 in 4 shy of its cursor
        d[at + E_TARGET] = rng.nextInt(players);
        d[at + E_MASS] = 1 + rng.nextInt(3);
        d[at + E_ENERGY] = 1000;
        d[at + E_WANDER] = 1 + rng.nextInt(120);
        d[at + E_HASH] = rng.nextU32() | 0;
      }
      rng.writeTo(d, H_RNG);
      return { data: d };
    },

    step(state, inputs) {
      const d = state.data;
      const frame = d[H_FRAME]!;
      if (episodeFrames > 0 && frame >= episodeFrames) return state;
      const players = d[H_PLAYERS]!;
      rng.readFrom(d, H_RNG);
      for (let p = 0; p < players; p++) {
        const at = HEADER + p * CS;
        const inp = inputs[p] ?? 0;
        const dx = (inp & INPUT_RIGHT ? 1 : 0) - (inp & INPUT_LEFT ? 1 : 0);
        const dy = (inp & INPUT_DOWN ? 1 : 0) - (inp & INPUT_UP ? 1 : 0);
        d[at + C_X] = clamp(d[at + C_X]! + dx * CURSOR_SPEED, 0, W);
        d[at + C_Y] = clamp(d[at + C_Y]! + dy * CURSOR_SPEED, 0, W);
        d[at + C_INPUT] = inp;
      }
      for (let i = 0, at = entAt(players); i < n; i++, at += ES) {
        let x = d[at + E_X]!, y = d[at + E_Y]!, vx = d[at + E_VX]!, vy = d[at + E_VY]!;
        let target = d[at + E_TARGET]!, energy = d[at + E_ENERGY]!;
        let wander = d[at + E_WANDER]!, bounces = d[at + E_BOUNCES]!;
        const mass = d[at + E_MASS]!;
        const c = HEADER + target * CS;
        const repel = d[at + E_KIND]! ^ (d[c + C_INPUT]! & INPUT_ACTION ? 1 : 0);
        const dx = d[c + C_X]! - x; // |dx| <= 2^18
        const dy = d[c + C_Y]! - y;
        let ax = clamp(dx >> 11, -24, 24) >> (mass - 1);
        let ay = clamp(dy >> 11, -24, 24) >> (mass - 1);
        if (repel) { ax = -ax; ay = -ay; }
        if (--wander <= 0) {
          wander = 30 + rng.nextInt(90);
          target = rng.nextInt(players);
          vx += rng.nextInt(129) - 64;
          vy += rng.nextInt(129) - 64;
        }
        vx = clamp(vx + ax - (vx >> 5), -MAX_V, MAX_V);
        vy = clamp(vy + ay - (vy >> 5), -MAX_V, MAX_V);
        x += vx;
        y += vy;
        if (x < 0) { x = -x; vx = -vx; bounces++; } else if (x > W) { x = 2 * W - x; vx = -vx; bounces++; }
        if (y < 0) { y = -y; vy = -vy; bounces++; } else if (y > W) { y = 2 * W - y; vy = -vy; bounces++; }
        const near = dx > -FEED_DIST && dx < FEED_DIST && dy > -FEED_DIST && dy < FEED_DIST;
        energy = clamp(energy + (near ? 4 : -1), 0, MAX_ENERGY);
        d[at + E_X] = x;
        d[at + E_Y] = y;
        d[at + E_VX] = vx;
        d[at + E_VY] = vy;
        d[at + E_AX] = ax;
        d[at + E_AY] = ay;
        d[at + E_TARGET] = target;
        d[at + E_ENERGY] = energy;
        d[at + E_AGE] = (d[at + E_AGE]! + 1) | 0;
        d[at + E_WANDER] = wander;
        d[at + E_BOUNCES] = bounces | 0;
        d[at + E_HASH] = Math.imul(d[at + E_HASH]! ^ x, 0x01000193) ^ y;
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
      return episodeFrames > 0 && state.data[H_FRAME]! >= episodeFrames;
    },

    render(state) {
      const d = state.data;
      const players = d[H_PLAYERS]!;
      const cursors: SwarmRender['cursors'] = [];
      for (let p = 0; p < players; p++) {
        const at = HEADER + p * CS;
        cursors.push({ x: d[at + C_X]! / ONE, y: d[at + C_Y]! / ONE, repel: (d[at + C_INPUT]! & INPUT_ACTION) !== 0 });
      }
      const count = Math.min(n, SAMPLE_MAX);
      const sample = new Float32Array(count * 2);
      for (let k = 0; k < count; k++) {
        const at = entAt(players) + Math.floor((k * n) / count) * ES;
        sample[2 * k] = d[at + E_X]! / ONE;
        sample[2 * k + 1] = d[at + E_Y]! / ONE;
      }
      return { frame: d[H_FRAME]!, width: SWARM_SIZE, height: SWARM_SIZE, cursors, entityCount: n, sample };
    },
  };
}
