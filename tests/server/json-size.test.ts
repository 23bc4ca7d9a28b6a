import { describe, expect, it } from 'vitest';
import { measureJson } from '../../src/signaling/json-size.ts';
import { Prng } from '../../src/util/prng.ts';

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** A random JSON value with awkward strings (escapes, astral characters, lone surrogates). */
function randomJson(r: Prng, depth: number): unknown {
  const pick = r.nextInt(depth > 3 ? 5 : 7);
  const pieces = ['a', '"', '\\', '\n', '\u0001', 'é', '€', '😀', '\ud800', '\udc00', ' ', '\u007f', '\u2028'];
  const str = (): string => Array.from({ length: r.nextInt(8) }, () => pieces[r.nextInt(pieces.length)]).join('');
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r.nextInt(2) === 0;
    case 2:
      return [0, -1, 1.5, 1e21, -3.25e-7, 123456789][r.nextInt(6)];
    case 3:
    case 4:
      return str();
    case 5:
      return Array.from({ length: r.nextInt(4) }, () => randomJson(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: r.nextInt(4) }, () => [str(), randomJson(r, depth + 1)]));
  }
}

describe('measureJson', () => {
  it('equals the UTF-8 length of JSON.stringify for random JSON values', () => {
    const r = new Prng(2024);
    for (let i = 0; i < 2000; i++) {
      const v = randomJson(r, 0);
      expect(measureJson(v, 1 << 20), JSON.stringify(v)).toEqual({ ok: true, bytes: utf8(JSON.stringify(v)) });
    }
  });

  it('reports too-large just past the limit', () => {
    const v = { sdp: 'x'.repeat(100) };
    const n = utf8(JSON.stringify(v));
    expect(measureJson(v, n)).toEqual({ ok: true, bytes: n });
    expect(measureJson(v, n - 1)).toEqual({ ok: false, code: 'too-large' });
  });

  it('refuses values that are not plain JSON', () => {
    for (const v of [undefined, NaN, Infinity, () => 1, Symbol('s'), 10n, new Uint8Array(2), new Date(0), { a: undefined }, [1, undefined], new Map()]) {
      expect(measureJson(v, 1 << 20)).toEqual({ ok: false, code: 'invalid-message' });
    }
    expect(measureJson(Object.create(null) as object, 10)).toEqual({ ok: true, bytes: 2 });
  });

  it('survives very deep nesting and cycles without throwing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(measureJson(deep, 16 * 1024)).toEqual({ ok: false, code: 'too-large' });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(measureJson(cyclic, 16 * 1024)).toEqual({ ok: false, code: 'too-large' });
  });
});
