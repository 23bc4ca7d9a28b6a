/** AbsenceWatch: a disconnected peer keeps its seat for the window, is dropped after it, and a return within it calls linkUp. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbsenceWatch } from '../../main/absence.ts';

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
afterEach(() => vi.useRealTimers());

function target() {
  const calls: string[] = [];
  return {
    calls,
    markAbsent: async (p: number) => (calls.push(`absent ${p}`), true),
    dropPlayer: async (p: number) => (calls.push(`drop ${p}`), true),
    linkUp: async (p: number) => void calls.push(`up ${p}`),
  };
}

describe('AbsenceWatch', () => {
  it('marks a disconnected peer absent, drops it when the window ends, and leaves later statuses to the leave logic', () => {
    const t = target();
    const w = new AbsenceWatch(t, 60_000);
    expect(w.onStatus(1, 'interrupted')).toBe(false);
    expect(w.onStatus(1, 'disconnected')).toBe(true);
    expect(w.onStatus(1, 'disconnected')).toBe(true); // once
    expect(t.calls).toEqual(['absent 1']);
    vi.advanceTimersByTime(59_999);
    expect(t.calls).toEqual(['absent 1']);
    vi.advanceTimersByTime(1);
    expect(t.calls).toEqual(['absent 1', 'drop 1']);
    expect(w.isGone(1)).toBe(true);
    expect(w.onStatus(1, 'connected')).toBe(false);
  });

  it('a peer back within the window gets linkUp and no drop; it can be absent again later', () => {
    const t = target();
    const w = new AbsenceWatch(t, 20_000);
    w.onStatus(2, 'disconnected');
    vi.advanceTimersByTime(15_000);
    expect(w.onStatus(2, 'connected')).toBe(true);
    vi.advanceTimersByTime(30_000);
    expect(t.calls).toEqual(['absent 2', 'up 2']);
    w.onStatus(2, 'disconnected');
    expect(t.calls.at(-1)).toBe('absent 2');
    w.close();
    vi.advanceTimersByTime(30_000);
    expect(t.calls).not.toContain('drop 2');
  });

  it('a peer that left on purpose is dropped at once, absent or not, and its window timer no longer fires', () => {
    const t = target();
    const w = new AbsenceWatch(t, 60_000);
    w.onStatus(1, 'disconnected');
    expect(w.left(1)).toBe(true);
    expect(w.left(2)).toBe(true);
    expect(w.left(2)).toBe(false); // once
    vi.advanceTimersByTime(120_000);
    expect(t.calls).toEqual(['absent 1', 'drop 1', 'drop 2']);
    expect(w.isGone(1) && w.isGone(2)).toBe(true);
    expect(w.onStatus(1, 'connected')).toBe(false);
  });

  it('with a window of 0 nothing is handled here (players who drop out leave at once)', () => {
    const t = target();
    const w = new AbsenceWatch(t, 0);
    expect(w.onStatus(1, 'disconnected')).toBe(false);
    expect(t.calls).toEqual([]);
  });
});
