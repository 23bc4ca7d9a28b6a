/**
 * xxHash32 over bytes: a fast, non-cryptographic hash for state snapshots.
 * Aligned little-endian input is read 32 bits at a time (several GB/s in V8);
 * other input falls back to byte reads with identical results.
 */
const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;
const P5 = 0x165667b1 | 0;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function readU32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) | 0;
}

/** xxHash32 of `bytes` with `seed`; returns a uint32. */
export function xxh32(bytes: Uint8Array, seed = 0): number {
  const len = bytes.length;
  const words =
    LITTLE_ENDIAN && (bytes.byteOffset & 3) === 0
      ? new Uint32Array(bytes.buffer, bytes.byteOffset, len >>> 2)
      : null;
  let i = 0;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    const limit = len - 16;
    if (words) {
      let w = 0;
      for (; i <= limit; i += 16, w += 4) {
        v1 = Math.imul(rotl((v1 + Math.imul(words[w]!, P2)) | 0, 13), P1);
        v2 = Math.imul(rotl((v2 + Math.imul(words[w + 1]!, P2)) | 0, 13), P1);
        v3 = Math.imul(rotl((v3 + Math.imul(words[w + 2]!, P2)) | 0, 13), P1);
        v4 = Math.imul(rotl((v4 + Math.imul(words[w + 3]!, P2)) | 0, 13), P1);
      }
    } else {
      for (; i <= limit; i += 16) {
        v1 = Math.imul(rotl((v1 + Math.imul(readU32(bytes, i), P2)) | 0, 13), P1);
        v2 = Math.imul(rotl((v2 + Math.imul(readU32(bytes, i + 4), P2)) | 0, 13), P1);
        v3 = Math.imul(rotl((v3 + Math.imul(readU32(bytes, i + 8), P2)) | 0, 13), P1);
        v4 = Math.imul(rotl((v4 + Math.imul(readU32(bytes, i + 12), P2)) | 0, 13), P1);
      }
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + len) | 0;
  for (; i + 4 <= len; i += 4) {
    const k = words ? words[i >>> 2]! : readU32(bytes, i);
    h = Math.imul(rotl((h + Math.imul(k, P3)) | 0, 17), P4);
  }
  for (; i < len; i++) {
    h = Math.imul(rotl((h + Math.imul(bytes[i]!, P5)) | 0, 11), P1);
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}
