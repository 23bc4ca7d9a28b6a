/**
 * Small statistics and timing helpers shared by the benchmarks in `bench/`.
 *
 * - {@link median}, {@link percentile}, {@link p95}: order statistics of a
 *   sample list (the input is never mutated).
 * - {@link measure}: times a function repeatedly with `performance.now()`.
 *   Fast functions are batched (the batch size is calibrated so one sample
 *   lasts about `targetSampleMs`), so every sample is "ms per call" averaged
 *   over its batch. The loop is bounded both in count (`maxSamples`) and in
 *   time (`maxMs`, with a hard stop at `hardMs` even before `minSamples`).
 *
 * Benchmarks report numbers; nothing here (or anywhere in bench/) asserts on
 * timings.
 */
import { performance } from 'node:perf_hooks';

/** Value at quantile `q` (0..1) with linear interpolation; NaN for no samples. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const pos = Math.min(Math.max(q, 0), 1) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Median of the samples (NaN for none). */
export function median(samples: readonly number[]): number {
  return percentile(samples, 0.5);
}

/** 95th percentile of the samples (NaN for none). */
export function p95(samples: readonly number[]): number {
  return percentile(samples, 0.95);
}

/** Arithmetic mean (NaN for none). */
export function mean(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  let sum = 0;
  for (const s of samples) sum += s;
  return sum / samples.length;
}

/** Summary of a list of samples (all in the unit of the samples). */
export interface Summary {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    median: median(samples),
    p95: p95(samples),
    min: samples.length ? Math.min(...samples) : Number.NaN,
    max: samples.length ? Math.max(...samples) : Number.NaN,
    mean: mean(samples),
  };
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Samples to collect before `maxMs` may end the loop. Default 10. */
  minSamples?: number;
  /** Stop after this many samples. Default 1000. */
  maxSamples?: number;
  /** Stop once this much time was spent sampling (and `minSamples` are in). Default 500. */
  maxMs?: number;
  /** Stop regardless of `minSamples` after this long (at least 1 sample). Default 4 × maxMs. */
  hardMs?: number;
  /** Untimed calls before sampling (JIT warm-up). Default 5. */
  warmup?: number;
  /** Calls per sample; calibrated from `targetSampleMs` when omitted. */
  batch?: number;
  /** Wanted duration of one sample when calibrating the batch. Default 0.5 ms. */
  targetSampleMs?: number;
}

/** Result of {@link measure}: per-call times in ms. */
export interface Measurement extends Summary {
  /** Calls per sample. */
  batch: number;
  /** Per-call ms of every sample. */
  samples: number[];
}

/** Calls per sample so that one sample lasts about `targetMs` (at most 1e6). */
function calibrate(fn: () => void, targetMs: number): number {
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const elapsed = performance.now() - t0;
    if (elapsed >= targetMs || batch >= 1_000_000) return batch;
    // Aim a little past the target from the observed rate, at least doubling.
    const scale = elapsed > 0 ? Math.ceil((targetMs * 1.2) / elapsed) : 10;
    batch = Math.min(1_000_000, batch * Math.max(2, scale));
  }
}

/**
 * Time `fn` repeatedly; each sample is the mean ms per call over one batch.
 * Bounded by `maxSamples` and by `maxMs` / `hardMs` of sampling time.
 */
export function measure(fn: () => void, options: MeasureOptions = {}): Measurement {
  const minSamples = options.minSamples ?? 10;
  const maxSamples = options.maxSamples ?? 1000;
  const maxMs = options.maxMs ?? 500;
  const hardMs = options.hardMs ?? maxMs * 4;
  for (let i = 0; i < (options.warmup ?? 5); i++) fn();
  const batch = options.batch ?? calibrate(fn, options.targetSampleMs ?? 0.5);
  const samples: number[] = [];
  const start = performance.now();
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const t1 = performance.now();
    samples.push((t1 - t0) / batch);
    const spent = t1 - start;
    if (samples.length >= maxSamples) break;
    if (spent >= maxMs && samples.length >= minSamples) break;
    if (spent >= hardMs) break;
  }
  return { ...summarize(samples), batch, samples };
}

/** A time budget: `left()` is false once `ms` have passed since creation. */
export function deadline(ms: number): { left: () => boolean; elapsed: () => number } {
  const start = performance.now();
  return {
    left: () => performance.now() - start < ms,
    elapsed: () => performance.now() - start,
  };
}

/** Round to `digits` significant digits (keeps JSON readable). */
export function sig(x: number, digits = 4): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}
