/**
 * Gentle time synchronisation by frame advantage (GGPO-style).
 *
 * Every input packet carries the sender's current frame. Adding half the
 * round trip (in frames) estimates where the sender is *now*; our frame minus
 * that is our advantage over the peer. When we are ahead of the slowest peer
 * by more than `threshold` frames on average, the host stretches its tick a
 * few percent until the peers meet, instead of skipping frames.
 */
export interface TimeSyncOptions {
  /** Samples averaged per peer. Default 32. */
  window?: number;
  /** Average advantage (frames) before slowing down. Default 1. */
  threshold?: number;
  /** Stretch per frame of advantage. Default 0.02 (2%). */
  gain?: number;
  /** Largest stretch. Default 0.1 (10%). */
  maxStretch?: number;
}

class Window {
  private readonly values: Float64Array;
  private count = 0;
  private next = 0;
  private sum = 0;

  constructor(size: number) {
    this.values = new Float64Array(size);
  }

  push(v: number): void {
    if (this.count === this.values.length) this.sum -= this.values[this.next]!;
    else this.count++;
    this.values[this.next] = v;
    this.sum += v;
    this.next = (this.next + 1) % this.values.length;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.count = 0;
    this.next = 0;
    this.sum = 0;
  }
}

export class TimeSync {
  private readonly windows: Window[];
  private readonly threshold: number;
  private readonly gain: number;
  private readonly maxStretch: number;

  constructor(players: number, options: TimeSyncOptions = {}) {
    const size = options.window ?? 32;
    this.windows = Array.from({ length: players }, () => new Window(size));
    this.threshold = options.threshold ?? 1;
    this.gain = options.gain ?? 0.02;
    this.maxStretch = options.maxStretch ?? 0.1;
  }

  /** Record one sample: our frame minus the peer's estimated current frame. */
  sample(peer: number, advantage: number): void {
    this.windows[peer]?.push(advantage);
  }

  /** Forget a departed peer (it no longer counts as the slowest). */
  drop(peer: number): void {
    this.windows[peer]?.clear();
  }

  /** Average advantage over `peer` (positive: we are ahead). */
  advantage(peer: number): number {
    return this.windows[peer]?.mean ?? 0;
  }

  /** Our advantage over the slowest peer (0 when we have no samples). */
  aheadOfSlowest(): number {
    let ahead = -Infinity;
    for (const w of this.windows) if (w.size > 0) ahead = Math.max(ahead, w.mean);
    return ahead === -Infinity ? 0 : ahead;
  }

  /** Fraction to stretch the next tick by (0 when in sync or behind). */
  stretch(): number {
    const ahead = this.aheadOfSlowest();
    if (ahead <= this.threshold) return 0;
    return Math.min(this.maxStretch, this.gain * ahead);
  }
}
