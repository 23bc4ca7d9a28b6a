import { describe, expect, it } from 'vitest';
import { checkConditions, ImpairmentModel, inOutage, linkConditions, type LinkConditions, type PacketFate, PERFECT_LINK } from '../../src/sim/impairment.ts';

const N = 20_000;

function fates(seed: number, conditions: Partial<LinkConditions>, n = N): PacketFate[] {
  const model = new ImpairmentModel(seed);
  const c = linkConditions(conditions);
  return Array.from({ length: n }, () => model.fate(c));
}

function delivered(list: PacketFate[]) {
  return list.flatMap((f) => (f.delivered ? [f] : []));
}

describe('ImpairmentModel', () => {
  it('a perfect link delivers every packet once, at once', () => {
    const list = fates(1, {}, 1000);
    expect(list.every((f) => f.delivered && f.delays.length === 1 && f.delays[0] === 0 && !f.duplicated && f.reordered === 0)).toBe(true);
  });

  it.each([0.05, 0.2, 0.5])('drops a fraction %d of packets (within 1.5 points over 20,000 seeded packets)', (loss) => {
    const list = fates(42, { loss });
    const dropped = list.filter((f) => !f.delivered);
    expect(dropped.every((f) => !f.delivered && f.cause === 'loss')).toBe(true);
    expect(Math.abs(dropped.length / N - loss)).toBeLessThan(0.015);
  });

  it('keeps every delay within latency ± jitter, and spreads it over that range', () => {
    const delays = delivered(fates(3, { latencyMs: 100, jitterMs: 30 })).flatMap((f) => f.delays);
    expect(delays.length).toBe(N);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(70);
    expect(Math.max(...delays)).toBeLessThanOrEqual(130);
    expect(Math.min(...delays)).toBeLessThan(71);
    expect(Math.max(...delays)).toBeGreaterThan(129);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(Math.abs(mean - 100)).toBeLessThan(1);
  });

  it('never gives a negative delay when jitter exceeds latency', () => {
    const delays = delivered(fates(4, { latencyMs: 5, jitterMs: 50 })).flatMap((f) => f.delays);
    expect(Math.min(...delays)).toBe(0);
    expect(delays.filter((d) => d === 0).length).toBeGreaterThan(N * 0.3);
  });

  it('duplicates a fraction of packets: two copies, each with its own delay', () => {
    const list = delivered(fates(5, { latencyMs: 50, jitterMs: 20, dup: 0.1 }));
    const dups = list.filter((f) => f.duplicated);
    expect(Math.abs(dups.length / N - 0.1)).toBeLessThan(0.01);
    expect(list.every((f) => f.delays.length === (f.duplicated ? 2 : 1))).toBe(true);
    expect(dups.filter((f) => f.delays[0] !== f.delays[1]).length).toBe(dups.length);
  });

  it('holds back a fraction of packets by up to two base latencies (reordering)', () => {
    const list = delivered(fates(6, { latencyMs: 40, reorder: 0.2 }));
    const held = list.filter((f) => f.reordered > 0);
    expect(Math.abs(held.length / N - 0.2)).toBeLessThan(0.015);
    for (const f of held) {
      expect(f.delays[0]!).toBeGreaterThanOrEqual(40);
      expect(f.delays[0]!).toBeLessThanOrEqual(120);
    }
    expect(list.filter((f) => f.reordered === 0).every((f) => f.delays[0] === 40)).toBe(true);
    expect(held.some((f) => f.delays[0]! > 100)).toBe(true);
  });

  it('drops everything inside an outage window without drawing a random number', () => {
    const outages = [{ startMs: 1000, endMs: 2000 }];
    const c = linkConditions({ latencyMs: 10, jitterMs: 10, loss: 0.1 });
    const a = new ImpairmentModel(7);
    const b = new ImpairmentModel(7);
    const during = [1000, 1500, 1999].map((t) => a.fate(c, t, outages));
    expect(during.every((f) => !f.delivered && f.cause === 'outage')).toBe(true);
    // Both models are now at the same point of their streams.
    const after = Array.from({ length: 100 }, (_, i) => a.fate(c, 2000 + i, outages));
    const reference = Array.from({ length: 100 }, () => b.fate(c));
    expect(after).toEqual(reference);
    expect(inOutage(outages, 999.9)).toBe(false);
    expect(inOutage(outages, 2000)).toBe(false);
  });

  it('is deterministic for a seed, and different seeds give different streams', () => {
    const c = { latencyMs: 80, jitterMs: 40, loss: 0.2, dup: 0.05, reorder: 0.05 };
    expect(fates(11, c, 2000)).toEqual(fates(11, c, 2000));
    expect(fates(11, c, 2000)).not.toEqual(fates(12, c, 2000));
  });
});

describe('conditions', () => {
  it('fills missing fields from the perfect link', () => {
    expect(linkConditions({ loss: 0.3 })).toEqual({ ...PERFECT_LINK, loss: 0.3 });
    expect(linkConditions()).toEqual(PERFECT_LINK);
  });

  it('rejects negative, non-finite and out-of-range values', () => {
    expect(() => checkConditions({ latencyMs: -1 })).toThrow(RangeError);
    expect(() => checkConditions({ jitterMs: Number.NaN })).toThrow(/jitterMs/);
    expect(() => checkConditions({ loss: 1.5 })).toThrow(/loss must be a finite number in 0\.\.1/);
    expect(() => checkConditions({ dup: -0.1 })).toThrow(RangeError);
    expect(() => checkConditions({ reorder: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => checkConditions({ latencyMs: 250, jitterMs: 0, loss: 1, dup: 0, reorder: 1 })).not.toThrow();
  });
});
