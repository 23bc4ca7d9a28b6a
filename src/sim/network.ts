/**
 * A seeded in-memory network between N peers, on a virtual clock.
 * Per directed link: latency, jitter, loss, duplication, reordering, and
 * one-way outages, decided by the shared {@link ImpairmentModel}. Used by the
 * soak runner and the engine tests.
 */
import { ImpairmentModel, type LinkConditions, type OutageWindow, PERFECT_LINK } from './impairment.ts';

export { type LinkConditions, PERFECT_LINK } from './impairment.ts';

/** A one-way outage: nothing from `from` reaches `to` between the two times. */
export interface Outage extends OutageWindow {
  /** Sending peer index. */
  from: number;
  /** Receiving peer index. */
  to: number;
}

const NO_OUTAGES: readonly OutageWindow[] = [];

interface Delivery {
  at: number;
  seq: number;
  from: number;
  to: number;
  bytes: Uint8Array;
}

/** Packet counters of a {@link SimNetwork}. */
export interface NetworkCounters {
  /** Packets sent. */
  sent: number;
  /** Copies delivered (a duplicated packet counts twice). */
  delivered: number;
  /** Packets lost to the link's `loss`. */
  dropped: number;
  /** Packets delivered twice. */
  duplicated: number;
  /** Copies held back (reordered). */
  reordered: number;
  /** Packets lost to an outage. */
  outageDropped: number;
  /** Bytes of the packets sent. */
  bytes: number;
}

/** A seeded in-memory network between engines in one process, on a virtual clock: latency, jitter, loss, duplication, reordering and outages per link. */
export class SimNetwork {
  private readonly model: ImpairmentModel;
  private readonly links = new Map<string, LinkConditions>();
  /** Outage windows per directed link `from>to`. */
  private readonly outages = new Map<string, OutageWindow[]>();
  private readonly heap: Delivery[] = [];
  private seq = 0;
  /** Packet counters since construction. */
  readonly counters: NetworkCounters = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, reordered: 0, outageDropped: 0, bytes: 0 };

  constructor(seed: number, private readonly defaults: LinkConditions = PERFECT_LINK) {
    this.model = new ImpairmentModel(seed);
  }

  /** Set the conditions of the directed link `from → to`. */
  setLink(from: number, to: number, conditions: LinkConditions): void {
    this.links.set(`${from}>${to}`, conditions);
  }

  /** Add a one-way outage window (virtual time) on the link `outage.from → outage.to`. */
  addOutage(outage: Outage): void {
    const key = `${outage.from}>${outage.to}`;
    const list = this.outages.get(key) ?? [];
    list.push({ startMs: outage.startMs, endMs: outage.endMs });
    this.outages.set(key, list);
  }

  /** Send a copy of `bytes` at virtual time `now`. */
  send(from: number, to: number, bytes: Uint8Array, now: number): void {
    this.counters.sent++;
    this.counters.bytes += bytes.length;
    const key = `${from}>${to}`;
    const fate = this.model.fate(this.links.get(key) ?? this.defaults, now, this.outages.get(key) ?? NO_OUTAGES);
    if (!fate.delivered) {
      if (fate.cause === 'outage') this.counters.outageDropped++;
      else this.counters.dropped++;
      return;
    }
    if (fate.duplicated) this.counters.duplicated++;
    this.counters.reordered += fate.reordered;
    for (const delay of fate.delays) this.push({ at: now + delay, seq: this.seq++, from, to, bytes: bytes.slice() });
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
