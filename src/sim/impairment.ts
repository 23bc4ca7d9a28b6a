/**
 * The network-impairment model: what happens to one packet on an impaired
 * one-way path. Pure and seeded: the same seed and the same sequence of calls
 * give the same fates on every JavaScript engine, so a run can be repeated.
 *
 * Used by the in-memory {@link SimNetwork} (virtual clock), the page's
 * transport wrapper and memory network (timers), and the UDP proxy of the
 * end-to-end tests (datagrams). Each caller only schedules the deliveries the
 * model decides.
 */
import { Prng } from '../util/prng.ts';

/** Conditions of one direction of a link. Probabilities are 0..1, times in ms. */
export interface LinkConditions {
  /** One-way base delay, ms. */
  latencyMs: number;
  /** Uniform jitter added to the delay, ±ms. */
  jitterMs: number;
  /** Probability a packet is dropped. */
  loss: number;
  /** Probability a packet is delivered twice. */
  dup: number;
  /** Probability a copy is held back by up to two base latencies (overtaken by later packets). */
  reorder: number;
}

/**
 * Packets an impaired path may hold while they wait out their delay (the
 * page's transport wrapper and the engine's channels each); more are dropped
 * and counted, so a long latency cannot grow a timer set without end.
 */
export const MAX_DELAYED_PACKETS = 4096;

/** No delay, no loss, no duplication, no reordering. */
export const PERFECT_LINK: Readonly<LinkConditions> = Object.freeze({ latencyMs: 0, jitterMs: 0, loss: 0, dup: 0, reorder: 0 });

/** A time window in which the path delivers nothing. */
export interface OutageWindow {
  /** Start of the window, ms (inclusive). */
  startMs: number;
  /** End of the window, ms (exclusive). */
  endMs: number;
}

/** What happens to one packet. */
export type PacketFate =
  | { readonly delivered: false; readonly cause: 'loss' | 'outage' }
  | {
      readonly delivered: true;
      /** Delay of each copy, ms, each >= 0: one entry, or two when duplicated. */
      readonly delays: readonly number[];
      readonly duplicated: boolean;
      /** How many of the copies were held back (reordered). */
      readonly reordered: number;
    };

const PROBABILITIES: readonly (keyof LinkConditions)[] = ['loss', 'dup', 'reorder'];

/**
 * Check a (partial) set of conditions: every given value is a finite number
 * >= 0, and probabilities are at most 1.
 * @throws RangeError naming the first bad field.
 */
export function checkConditions(conditions: Partial<LinkConditions>): void {
  for (const [k, v] of Object.entries(conditions) as [keyof LinkConditions, unknown][]) {
    if (v === undefined) continue;
    const probability = PROBABILITIES.includes(k);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (probability && v > 1)) {
      throw new RangeError(`${k} must be a finite number ${probability ? 'in 0..1' : '>= 0'}, got ${String(v)}`);
    }
  }
}

/** Full conditions from a partial set (missing fields are those of {@link PERFECT_LINK}); checked with {@link checkConditions}. */
export function linkConditions(partial: Partial<LinkConditions> = {}): LinkConditions {
  checkConditions(partial);
  const out: LinkConditions = { ...PERFECT_LINK };
  for (const [k, v] of Object.entries(partial) as [keyof LinkConditions, number | undefined][]) if (v !== undefined) out[k] = v;
  return out;
}

/** True when `now` lies in one of `outages` (start inclusive, end exclusive). */
export function inOutage(outages: readonly OutageWindow[], now: number): boolean {
  return outages.some((o) => now >= o.startMs && now < o.endMs);
}

/** A seeded impairment model: one random stream, one decision per packet. */
export class ImpairmentModel {
  private readonly rng: Prng;

  /** @param seed - any number (reduced to a uint32). */
  constructor(seed: number) {
    this.rng = new Prng(seed);
  }

  /**
   * Decide the fate of one packet sent at `now` under `conditions`: dropped
   * (by an outage, which draws no random number, or by loss), or delivered
   * once or twice, each copy after latency ± jitter, plus up to two base
   * latencies when held back for reordering.
   */
  fate(conditions: LinkConditions, now = 0, outages: readonly OutageWindow[] = []): PacketFate {
    if (outages.length > 0 && inOutage(outages, now)) return { delivered: false, cause: 'outage' };
    const c = conditions;
    if (this.chance(c.loss)) return { delivered: false, cause: 'loss' };
    const duplicated = this.chance(c.dup);
    const delays: number[] = [];
    let reordered = 0;
    for (let i = duplicated ? 2 : 1; i > 0; i--) {
      let delay = c.latencyMs + (this.uniform() * 2 - 1) * c.jitterMs;
      if (this.chance(c.reorder)) {
        reordered++;
        delay += this.uniform() * 2 * Math.max(c.latencyMs, 1);
      }
      delays.push(Math.max(0, delay));
    }
    return { delivered: true, delays, duplicated, reordered };
  }

  /** Uniform in [0, 1). */
  private uniform(): number {
    return this.rng.nextU32() / 0x1_0000_0000;
  }

  /** True with probability `p`; draws nothing when `p` is 0. */
  private chance(p: number): boolean {
    return p > 0 && this.uniform() < p;
  }
}
