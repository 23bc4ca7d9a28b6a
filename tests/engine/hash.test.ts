import { describe, expect, it } from 'vitest';
import { xxh32 } from '../../src/engine/hash.ts';

const text = (s: string) => new TextEncoder().encode(s);

describe('xxh32', () => {
  it('matches the reference test vectors', () => {
    expect(xxh32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxh32(text('a'))).toBe(0x550d7456);
    expect(xxh32(text('abc'))).toBe(0x32d153ff);
    expect(xxh32(text('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
    expect(xxh32(text('abc'), 1)).not.toBe(0x32d153ff);
  });

  it('gives the same result for aligned and unaligned views', () => {
    for (const n of [0, 1, 3, 4, 15, 16, 17, 63, 64, 1000]) {
      const aligned = new Uint8Array(n).map((_, i) => (i * 31 + 7) & 0xff);
      const buf = new Uint8Array(n + 1);
      buf.set(aligned, 1);
      expect(xxh32(buf.subarray(1))).toBe(xxh32(aligned));
    }
  });
});
