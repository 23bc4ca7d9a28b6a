/** sessionTagFromId: every peer of a session derives the same uint8 tag from the server's id; different ids spread over the range. */
import { describe, expect, it } from 'vitest';
import { sessionTagFromId } from '../../main/session-tag.ts';

describe('sessionTagFromId', () => {
  it('is a uint8, the same for the same id, and spreads ids over the range', () => {
    const ids = Array.from({ length: 2048 }, (_, i) => `s-${i.toString(36)}-${(i * 7919).toString(16)}`);
    const tags = ids.map(sessionTagFromId);
    for (const t of tags) expect(Number.isInteger(t) && t >= 0 && t <= 255).toBe(true);
    expect(ids.map(sessionTagFromId)).toEqual(tags);
    const counts = new Array<number>(256).fill(0);
    for (const t of tags) counts[t]!++;
    expect(counts.filter((c) => c > 0).length).toBeGreaterThan(200); // 2048 ids over 256 tags: nearly all used
    expect(Math.max(...counts)).toBeLessThan(32); // no tag takes a large share (8 expected)
    expect(sessionTagFromId('abc')).not.toBe(sessionTagFromId('abd'));
  });
});
