import { describe, expect, it } from 'vitest';
import { InputQueue } from '../../src/engine/input-queue.ts';
import { SnapshotRing } from '../../src/engine/snapshot-ring.ts';

describe('InputQueue', () => {
  it('appends contiguously, grows, and reads back', () => {
    const q = new InputQueue(2, 2);
    expect(q.lastFrame).toBe(-1);
    for (let f = 0; f < 100; f++) q.append(Uint8Array.of(f, f + 1));
    expect(q.lastFrame).toBe(99);
    expect([...q.get(57)]).toEqual([57, 58]);
    expect([...q.range(1, 2)]).toEqual([1, 2, 2, 3]);
    expect(q.equals(3, Uint8Array.of(3, 4))).toBe(true);
    expect(q.equals(3, Uint8Array.of(3, 5))).toBe(false);
  });

  it('rejects unknown frames and wrong sizes', () => {
    const q = new InputQueue(1);
    expect(() => q.get(0)).toThrow(/not known/);
    expect(() => q.append(new Uint8Array(2))).toThrow(/1 bytes/);
  });
});

describe('SnapshotRing', () => {
  it('returns a frame only while its slot was not overwritten', () => {
    const r = new SnapshotRing(4);
    r.put(1, Uint8Array.of(1));
    expect(r.get(1)?.[0]).toBe(1);
    r.put(5, Uint8Array.of(5));
    expect(r.get(1)).toBeUndefined();
    expect(r.reusable(9)?.[0]).toBe(5);
  });
});
