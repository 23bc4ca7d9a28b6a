import type { Game } from './game.ts';
import { xxh32 } from './hash.ts';

/** Bytes of engine data in front of the game's bytes in every snapshot. */
export const SNAPSHOT_HEADER_BYTES = 8;

/** Seed of episode `episode` of a session seeded with `seed` (uint32). */
export function episodeSeed(seed: number, episode: number): number {
  if (episode === 0) return seed >>> 0;
  let h = Math.imul((seed ^ 0x5bd1e995) >>> 0, 0x9e3779b1) ^ Math.imul(episode, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae3d);
  h ^= h >>> 13;
  return h >>> 0;
}

/**
 * A game plus the engine's deterministic bookkeeping: which episode is
 * running and the session frame it started at. Episodes roll over inside
 * `step` (a pure function of the state), so a rolled-back episode boundary
 * is rolled back with everything else. Snapshots are
 * `[episode u32][episodeStart u32][game bytes]` (little-endian header).
 */
export class Simulation<S> {
  state: S;
  episode = 0;
  episodeStart = 0;
  /**
   * Called when session frame `frame` ends an episode, with the snapshot of
   * its final state (before the reset), so that state can be hashed.
   */
  onEpisodeEnd: ((frame: number, finalSnapshot: Uint8Array) => void) | undefined;

  constructor(
    readonly game: Game<S>,
    readonly seed: number,
    readonly players: number,
    private readonly hooks: { step?(frame: number, state: S): S | void } = {},
  ) {
    this.state = game.init(episodeSeed(seed, 0), players);
  }

  /** Step session frame `frame` with all players' inputs. */
  step(inputs: Uint8Array, frame: number): void {
    this.state = this.game.step(this.state, inputs, frame - this.episodeStart);
    if (this.hooks.step) {
      const replaced = this.hooks.step(frame, this.state);
      if (replaced !== undefined) this.state = replaced;
    }
    if (this.game.isEpisodeOver?.(this.state)) {
      this.onEpisodeEnd?.(frame, this.save());
      this.episode++;
      this.episodeStart = frame + 1;
      this.state = this.game.init(episodeSeed(this.seed, this.episode), this.players);
    }
  }

  /** Serialize, reusing `reuse` when its size still fits. */
  save(reuse?: Uint8Array): Uint8Array {
    const gamePart = reuse && reuse.length > SNAPSHOT_HEADER_BYTES ? reuse.subarray(SNAPSHOT_HEADER_BYTES) : undefined;
    const bytes = this.game.save(this.state, gamePart);
    let out: Uint8Array;
    if (reuse && gamePart && bytes.buffer === reuse.buffer && bytes.byteOffset === gamePart.byteOffset && bytes.length === gamePart.length) {
      out = reuse;
    } else {
      out = new Uint8Array(SNAPSHOT_HEADER_BYTES + bytes.length);
      out.set(bytes, SNAPSHOT_HEADER_BYTES);
    }
    const view = new DataView(out.buffer, out.byteOffset, SNAPSHOT_HEADER_BYTES);
    view.setUint32(0, this.episode, true);
    view.setUint32(4, this.episodeStart, true);
    return out;
  }

  load(bytes: Uint8Array): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset, SNAPSHOT_HEADER_BYTES);
    this.episode = view.getUint32(0, true);
    this.episodeStart = view.getUint32(4, true);
    this.state = this.game.load(bytes.subarray(SNAPSHOT_HEADER_BYTES), this.state);
  }

  /** Hash of the current state (serializes it). */
  hash(): number {
    return xxh32(this.save());
  }
}

/** Episode number stored in a snapshot's header. */
export function snapshotEpisode(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
}

/** Session frame the snapshot's episode started at. */
export function snapshotEpisodeStart(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(4, true);
}
