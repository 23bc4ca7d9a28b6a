/**
 * Measures how many bytes a value takes as UTF-8 JSON, checking on the way
 * that it is plain JSON data (no binary, functions, class instances, cycles).
 * Iterative, so deeply nested input cannot overflow the stack, and it stops
 * as soon as the size passes the limit.
 */

import { ErrorCode } from '../contracts/errors.ts';

/** Result of {@link measureJson}: the size, or why not, as an error code (`too-large` or `invalid-message`). */
export type JsonMeasure =
  | { readonly ok: true; readonly bytes: number }
  | { readonly ok: false; readonly code: typeof ErrorCode.TooLarge | typeof ErrorCode.InvalidMessage; readonly tooDeep?: true };

const TOO_LARGE = { ok: false, code: ErrorCode.TooLarge } as const;
const TOO_DEEP = { ok: false, code: ErrorCode.TooLarge, tooDeep: true } as const;
const NOT_JSON = { ok: false, code: ErrorCode.InvalidMessage } as const;

/**
 * The UTF-8 byte length of `JSON.stringify(value)` when `value` is plain JSON
 * (null, booleans, finite numbers, strings, arrays and plain objects), that
 * length is at most `limit` and arrays and objects nest at most `maxDepth`
 * levels (the value itself is level 0; default: no depth limit). Otherwise says
 * why not: `invalid-message` (not plain JSON) or `too-large` (with `tooDeep`
 * when it is the nesting).
 */
export function measureJson(value: unknown, limit: number, maxDepth = Infinity): JsonMeasure {
  let bytes = 0;
  const stack: unknown[] = [value];
  const depths: number[] = [0];
  while (stack.length > 0) {
    const v = stack.pop();
    const depth = depths.pop()!;
    if (typeof v === 'object' && v !== null && depth >= maxDepth) return TOO_DEEP;
    if (v === null) {
      bytes += 4;
    } else if (typeof v === 'boolean') {
      bytes += v ? 4 : 5;
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return NOT_JSON;
      bytes += String(v).length;
    } else if (typeof v === 'string') {
      bytes += jsonStringBytes(v, limit - bytes);
    } else if (Array.isArray(v)) {
      bytes += 2 + Math.max(0, v.length - 1); // brackets and commas
      if (bytes > limit) return TOO_LARGE;
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push(v[i]);
        depths.push(depth + 1);
      }
    } else if (typeof v === 'object' && isPlainObject(v)) {
      const keys = Object.keys(v);
      bytes += 2 + Math.max(0, keys.length - 1) + keys.length; // braces, commas, colons
      for (const key of keys) {
        bytes += jsonStringBytes(key, limit - bytes);
        if (bytes > limit) return TOO_LARGE;
        stack.push((v as Record<string, unknown>)[key]);
        depths.push(depth + 1);
      }
    } else {
      return NOT_JSON;
    }
    if (bytes > limit) return TOO_LARGE;
  }
  return { ok: true, bytes };
}

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * UTF-8 bytes of `s` as a JSON string literal, quotes and escapes included.
 * Stops counting once past `budget` (the caller only needs "too large").
 */
function jsonStringBytes(s: string, budget: number): number {
  let n = 2;
  for (let i = 0; i < s.length && n <= budget; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) n += 2;
    else if (c < 0x20) n += 6;
    else if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        n += 4;
        i++;
      } else n += 6; // lone surrogate: JSON.stringify writes \udxxx
    } else if (c >= 0xdc00 && c <= 0xdfff) n += 6;
    else n += 3;
  }
  return n;
}
