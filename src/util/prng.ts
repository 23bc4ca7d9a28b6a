/**
 * Seeded integer PRNG for deterministic game code.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG):
 * four 32-bit words of state, integer-only arithmetic, identical results on
 * every JavaScript engine. Games keep the four words inside their snapshot
 * (see {@link Prng.readFrom} / {@link Prng.writeTo}), so a rollback restores
 * the random stream along with everything else.
 */

/** Number of 32-bit words in a {@link Prng} state. */
export const PRNG_STATE_WORDS = 4;

/** murmur3's 32-bit finalizer: a bijective avalanche mix of a uint32. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Hash two uint32s into one uint32 (integer math only). For a fixed `seed`
 * the map `k -> mixSeed(seed, k)` is a bijection, and vice versa, so distinct
 * sub-streams (`mixSeed(seed, 1)`, `mixSeed(seed, 2)`, ...) never collide.
 * Not symmetric: `mixSeed(a, b)` generally differs from `mixSeed(b, a)`.
 */
export function mixSeed(seed: number, k: number): number {
  const h = fmix32((seed ^ 0x9e3779b9) >>> 0);
  return fmix32((h + Math.imul((k ^ 0x85ebca6b) | 0, 0xc2b2ae35)) >>> 0);
}

/** A seeded sfc32 generator. All outputs are integers. */
export class Prng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  /** @param seed - any number; it is reduced to a uint32 with `>>> 0`. */
  constructor(seed: number) {
    this.reseed(seed);
  }

  /** Reset to the stream of `seed`, as if freshly constructed. */
  reseed(seed: number): this {
    const s = seed >>> 0;
    this.a = mixSeed(s, 1) | 0;
    this.b = mixSeed(s, 2) | 0;
    this.c = mixSeed(s, 3) | 0;
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextU32();
    return this;
  }

  /** Next uniformly distributed uint32 (0 .. 2^32-1). */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /**
   * Uniform integer in `0 .. n-1`, without modulo bias (rejection sampling).
   * @param n - integer in `1 .. 2^32`.
   * @throws RangeError when `n` is out of range or not an integer.
   */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) {
      throw new RangeError(`Prng.nextInt: n must be an integer in 1..2^32 (got ${n})`);
    }
    // 2^32 mod n, computed in uint32: (2^32 - n) mod n. Values below it are
    // rejected so that every residue is equally likely.
    const threshold = ((0x100000000 - n) >>> 0) % n;
    for (;;) {
      const x = this.nextU32();
      if (x >= threshold) return x % n;
    }
  }

  /** A copy of the four state words, as uint32s. */
  get state(): number[] {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  /** Replace the state with four words (e.g. a value read from {@link state}). */
  set state(words: ArrayLike<number>) {
    this.readFrom(words, 0);
  }

  /**
   * Load the state from `src[offset .. offset+3]`. Accepts int32 or uint32
   * values (an `Int32Array` slot holding a stored word works as is).
   */
  readFrom(src: ArrayLike<number>, offset = 0): this {
    if (offset < 0 || offset + PRNG_STATE_WORDS > src.length) {
      throw new RangeError(`Prng.readFrom: need ${PRNG_STATE_WORDS} words at offset ${offset}`);
    }
    this.a = src[offset]! | 0;
    this.b = src[offset + 1]! | 0;
    this.c = src[offset + 2]! | 0;
    this.d = src[offset + 3]! | 0;
    return this;
  }

  /**
   * Store the state into `dst[offset .. offset+3]` (an `Int32Array` wraps the
   * words to int32; a `Uint32Array` or `number[]` gets uint32s).
   */
  writeTo(dst: Int32Array | Uint32Array | number[], offset = 0): void {
    if (offset < 0 || offset + PRNG_STATE_WORDS > dst.length) {
      throw new RangeError(`Prng.writeTo: need ${PRNG_STATE_WORDS} words at offset ${offset}`);
    }
    dst[offset] = this.a >>> 0;
    dst[offset + 1] = this.b >>> 0;
    dst[offset + 2] = this.c >>> 0;
    dst[offset + 3] = this.d >>> 0;
  }

  /** Create a generator from stored state words (see {@link readFrom}). */
  static fromState(src: ArrayLike<number>, offset = 0): Prng {
    return new Prng(0).readFrom(src, offset);
  }
}
