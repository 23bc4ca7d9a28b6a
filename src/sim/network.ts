/**
 * A seeded in-memory network between N peers, on a virtual clock.
 * Per directed link: latency, jitter, loss, duplication, reordering, and
 * one-way outages. Used by the soak runner and the engine tests.
 */
import { Prng } from '../util/prng.ts';

/** Conditions of one direction of a link. Probabilities are 0..1. */
export interface LinkConditions {
  /** One-way base delay, ms. */
  latencyMs: number;
  /** Uniform jitter added to the delay, ±ms. */
  jitterMs: number;
  /** Probability a packet is dropped. */
  loss: number;
  /** Probability a packet is delivered twice. */
  dup: number;
  /** Probability a packet is held back by up to two base latencies (overtaken). */
  reorder: number;
}

/** A one-way outage: nothing from `from` reaches `to` between the two times. */
export interface Outage {
  from: number;
  to: number;
  startMs: number;
  endMs: number;
}

export const PERFECT_LINK: LinkConditions = { latencyMs: 0, jitterMs: 0, loss: 0, dup: 0, reorder: 0 };

interface Delivery {
  at: number;
  seq: number;
  from: number;
  to: number;
  bytes: Uint8Array;
}

export interface NetworkCounters {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  outageDropped: number;
  bytes: number;
}

export class SimNetwork {
  private readonly rng: Prng;
  private readonly links = new Map<string, LinkConditions>();
  private readonly outages: Outage[] = [];
  private readonly heap: Delivery[] = [];
  private seq = 0;
  readonly counters: NetworkCounters = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, reordered: 0, outageDropped: 0, bytes: 0 };

  constructor(seed: number, private readonly defaults: LinkConditions = PERFECT_LINK) {
    this.rng = new Prng(seed);
  }

  /** Set the conditions of the directed link `from → to`. */
  setLink(from: number, to: number, conditions: LinkConditions): void {
    this.links.set(`${from}>${to}`, conditions);
  }

  addOutage(outage: Outage): void {
    this.outages.push(outage);
  }

  /** Send a copy of `bytes` at virtual time `now`. */
  send(from: number, to: number, bytes: Uint8Array, now: number): void {
    this.counters.sent++;
    this.counters.bytes += bytes.length;
    if (this.outages.some((o) => o.from === from && o.to === to && now >= o.startMs && now < o.endMs)) {
      this.counters.outageDropped++;
      return;
    }
    const c = this.links.get(`${from}>${to}`) ?? this.defaults;
    if (this.chance(c.loss)) {
      this.counters.dropped++;
      return;
    }
    const copies = this.chance(c.dup) ? 2 : 1;
    if (copies === 2) this.counters.duplicated++;
    for (let i = 0; i < copies; i++) {
      let delay = c.latencyMs + (this.uniform() * 2 - 1) * c.jitterMs;
      if (this.chance(c.reorder)) {
        this.counters.reordered++;
        delay += this.uniform() * 2 * Math.max(c.latencyMs, 1);
      }
      this.push({ at: now + Math.max(0, delay), seq: this.seq++, from, to, bytes: bytes.slice() });
    }
  }

  /** Time of the next delivery, or Infinity. */
  nextTime(): number {
    return this.heap[0]?.at ?? Number.POSITIVE_INFINITY;
  }

  /** Remove and return every delivery due at or before `now`, in time order. */
  due(now: number): { from: number; to: number; bytes: Uint8Array }[] {
    const out: { from: number; to: number; bytes: Uint8Array }[] = [];
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const d = this.pop();
      this.counters.delivered++;
      out.push({ from: d.from, to: d.to, bytes: d.bytes });
    }
    return out;
  }

  private uniform(): number {
    return this.rng.nextU32() / 0x1_0000_0000;
  }

  private chance(p: number): boolean {
    return p > 0 && this.uniform() < p;
  }

  private less(a: Delivery, b: Delivery): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(d: Delivery): void {
    const h = this.heap;
    h.push(d);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Delivery {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
