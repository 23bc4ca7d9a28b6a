/**
 * The "heavy UI" switch: deliberate main-thread work every animation frame
 * (busy computation plus layout thrashing, like a busy dashboard), and the
 * frame-time readout that shows what it does to the page — and, next to it,
 * the engine's own tick intervals, which stay flat while the engine runs in
 * its worker.
 */
import type { TickSample } from '../worker/api.ts';

/** Frame-interval statistics over the last second. */
export interface FrameTimes {
  readonly avgMs: number;
  readonly maxMs: number;
  readonly fps: number;
}

/** Average and longest interval between consecutive timestamps (ms). */
export function intervalStats(stamps: readonly number[]): FrameTimes {
  if (stamps.length < 2) return { avgMs: 0, maxMs: 0, fps: 0 };
  let max = 0;
  for (let i = 1; i < stamps.length; i++) max = Math.max(max, stamps[i]! - stamps[i - 1]!);
  const avg = (stamps[stamps.length - 1]! - stamps[0]!) / (stamps.length - 1);
  return { avgMs: avg, maxMs: max, fps: avg > 0 ? 1000 / avg : 0 };
}

/** Records requestAnimationFrame timestamps; summarises the last second. */
export class FrameMeter {
  private readonly stamps: number[] = [];

  tick(now: number): void {
    this.stamps.push(now);
    while (this.stamps.length > 2 && now - this.stamps[0]! > 1000) this.stamps.shift();
  }

  summary(): FrameTimes {
    return intervalStats(this.stamps);
  }
}

/** Engine tick intervals over the last second of `history` (absolute ms timestamps). */
export function tickTimes(history: readonly TickSample[]): FrameTimes {
  const last = history[history.length - 1];
  if (!last) return intervalStats([]);
  return intervalStats(history.filter((h) => last.t - h.t <= 1000).map((h) => h.t));
}

export class HeavyUi {
  private on = false;
  private workMs: number;
  private readonly scratch: HTMLElement;

  constructor(root: HTMLElement) {
    const toggle = root.querySelector<HTMLInputElement>('input[name="heavy"]')!;
    const amount = root.querySelector<HTMLInputElement>('input[name="heavy-ms"]')!;
    const amountOut = root.querySelector<HTMLOutputElement>('output[for="heavy-ms"]')!;
    this.scratch = root.querySelector<HTMLElement>('.heavy-scratch')!;
    this.workMs = Number(amount.value);
    amountOut.textContent = `${this.workMs} ms`;
    toggle.addEventListener('change', () => {
      this.on = toggle.checked;
      root.dataset.heavy = String(this.on);
      toggle.blur();
    });
    amount.addEventListener('input', () => {
      this.workMs = Number(amount.value);
      amountOut.textContent = `${this.workMs} ms`;
    });
    amount.addEventListener('pointerup', () => amount.blur());
  }

  get enabled(): boolean {
    return this.on;
  }

  /** Burn this frame's budget on the main thread (when on). */
  work(now: number): void {
    if (!this.on) return;
    const until = now + this.workMs;
    let x = 0;
    let i = 0;
    while (performance.now() < until) {
      for (let k = 0; k < 2000; k++) x += Math.sqrt(k * 1.0001 + x) % 7;
      // layout thrash: write a style, then read layout back
      this.scratch.style.width = `${(i++ % 50) + 50}%`;
      x += this.scratch.offsetWidth;
    }
    this.scratch.dataset.sink = String(x % 10);
  }
}
