import { describe, expect, it } from 'vitest';
import { createSmoother } from '../../main/smoothing.ts';

const lerp = (a: { x: number }, b: { x: number }, t: number) => ({ x: a.x + (b.x - a.x) * t });

describe('correction smoothing', () => {
  it('shows uncorrected states as they are', () => {
    const s = createSmoother({ interpolate: lerp, durationMs: 100 });
    expect(s.current(0)).toBeNull();
    s.push({ x: 1 }, false, 0);
    expect(s.current(0)).toEqual({ x: 1 });
    s.push({ x: 2 }, false, 16);
    expect(s.current(16)).toEqual({ x: 2 });
  });

  it('blends a corrected state in over durationMs instead of teleporting', () => {
    const s = createSmoother({ interpolate: lerp, durationMs: 100 });
    s.push({ x: 0 }, false, 0);
    expect(s.current(0)).toEqual({ x: 0 });
    s.push({ x: 100 }, true, 0); // a rollback moved the object far away
    expect(s.current(0)!.x).toBeCloseTo(0);
    expect(s.current(50)!.x).toBeCloseTo(50);
    expect(s.current(100)).toEqual({ x: 100 });
    s.push({ x: 101 }, false, 116);
    expect(s.current(116)).toEqual({ x: 101 });
  });

  it('restarts the blend from what is on screen when corrected again mid-blend', () => {
    const s = createSmoother({ interpolate: lerp, durationMs: 100 });
    s.push({ x: 0 }, false, 0);
    s.current(0);
    s.push({ x: 100 }, true, 0);
    expect(s.current(50)!.x).toBeCloseTo(50);
    s.push({ x: 0 }, true, 50);
    expect(s.current(50)!.x).toBeCloseTo(50);
    expect(s.current(100)!.x).toBeCloseTo(25);
  });
});
