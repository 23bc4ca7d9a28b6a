/**
 * The "heavy UI" switch: deliberate main-thread work every animation frame
 * (a dashboard that rewrites DOM nodes, forces layout and draws a canvas), and
 * the frame-time readout that shows what it does to the page — and, next to
 * it, the engine's own tick intervals, which stay flat while the engine runs
 * in its worker.
 *
 * {@link HeavyLoad} is exactly the load of `npm run bench:browser`'s scenario B
 * (the benchmark page imports it), so what a person sees in the demo with the
 * switch on is what the benchmark measures.
 */
import type { TickSample } from '../worker/api.ts';
import { HEAVY_UI_BUDGET_MS, HEAVY_UI_DOM_NODES, HEAVY_UI_RECTS } from './heavy-ui-sizes.ts';

export { HEAVY_UI_BUDGET_MS, HEAVY_UI_DOM_NODES, HEAVY_UI_RECTS };

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

const PALETTE = Array.from({ length: 16 }, (_, i) => `hsl(${i * 22.5}, 70%, 55%)`);
/** Nodes and rects per top-up step once the full frame pass is done. */
const STEP_NODES = 20;
const STEP_RECTS = 100;

/**
 * A heavy dashboard's main-thread work. Each {@link frame} call does one full
 * pass (rewrite the text, transform and colour of every DOM node, force style
 * and layout, clear the canvas and draw every rect, read one pixel back so the
 * drawing is rasterized now), then keeps doing small steps of the same work
 * (20 nodes + layout, 100 rects + read-back) until `budgetMs` have passed since
 * the call began: a UI that takes that much of every frame, whatever the
 * machine's speed. {@link longTask} repeats it for a whole framework-like long
 * task (a route change, a big re-render).
 */
export class HeavyLoad {
  private readonly nodes: HTMLDivElement[] = [];
  private readonly container: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  readonly ctx: CanvasRenderingContext2D;
  private frameNo = 0;
  private cursor = 0;
  private sink = 0;

  constructor(
    root: HTMLElement,
    private readonly options: { domNodes?: number; rects?: number; width?: number; height?: number } = {},
  ) {
    const width = options.width ?? 800;
    this.container = document.createElement('div');
    this.container.style.cssText = `position:relative;width:${width}px;height:300px;overflow:hidden;background:#1a1a1a`;
    for (let i = 0; i < (options.domNodes ?? HEAVY_UI_DOM_NODES); i++) {
      const n = document.createElement('div');
      n.style.cssText = 'position:absolute;left:0;top:0;padding:1px 2px;font:11px monospace;color:#000';
      n.textContent = '0';
      this.container.appendChild(n);
      this.nodes.push(n);
    }
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = options.height ?? 600;
    this.canvas.style.display = 'block';
    root.append(this.container, this.canvas);
    // willReadFrequently: a CPU-backed canvas (it is one anyway with --disable-gpu), read back every frame.
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D canvas context');
    this.ctx = ctx;
  }

  /** One frame of dashboard work, at least one full pass and until `budgetMs` passed. Returns the ms spent. */
  frame(budgetMs: number): number {
    const start = performance.now();
    const f = ++this.frameNo;
    this.writeNodes(0, this.nodes.length, f);
    const w = this.canvas.width;
    const h = this.canvas.height;
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, w, h);
    this.drawRects(this.options.rects ?? HEAVY_UI_RECTS, f);
    while (performance.now() - start < budgetMs) {
      const from = this.cursor;
      this.cursor = (this.cursor + STEP_NODES) % Math.max(1, this.nodes.length);
      this.writeNodes(from, Math.min(this.nodes.length, from + STEP_NODES), f + 1);
      this.drawRects(STEP_RECTS, f + this.cursor);
    }
    return performance.now() - start;
  }

  /** A framework-like long task: dashboard work for `ms` without yielding. */
  longTask(ms: number): void {
    this.frame(ms);
  }

  private writeNodes(from: number, to: number, f: number): void {
    const nodes = this.nodes;
    for (let i = from; i < to; i++) {
      const n = nodes[i]!;
      n.textContent = String((f * 31 + i * 17) % 100000);
      n.style.transform = `translate(${(i * 37 + f * 3) % 740}px, ${(i * 11 + f) % 284}px)`;
      n.style.backgroundColor = PALETTE[(i + f) & 15]!;
    }
    void this.container.offsetHeight; // style + layout now, inside the measured work
  }

  private drawRects(count: number, f: number): void {
    const ctx = this.ctx;
    const w = this.canvas.width;
    const h = this.canvas.height;
    const per = Math.ceil(count / 16);
    let drawn = 0;
    for (let c = 0; c < 16 && drawn < count; c++) {
      ctx.fillStyle = PALETTE[c]!;
      for (let k = 0; k < per && drawn < count; k++, drawn++) {
        ctx.fillRect((k * 73 + c * 191 + f * 5) % (w - 4), (k * 29 + c * 53 + f * 3) % (h - 4), 4, 4);
      }
    }
    // Read one pixel back: the recorded draw calls are rasterized now, inside the measured work.
    this.sink ^= ctx.getImageData(f % w, 0, 1, 1).data[0]!;
  }
}

/** The demo's switch and slider around {@link HeavyLoad}. */
export class HeavyUi {
  private on = false;
  private budgetMs: number;
  private readonly load: HeavyLoad;

  constructor(root: HTMLElement) {
    const toggle = root.querySelector<HTMLInputElement>('input[name="heavy"]')!;
    const amount = root.querySelector<HTMLInputElement>('input[name="heavy-ms"]')!;
    const amountOut = root.querySelector<HTMLOutputElement>('output[for="heavy-ms"]')!;
    // The dashboard lives in a 1-pixel, transparent box: laid out, drawn and rasterized, not seen.
    this.load = new HeavyLoad(root.querySelector<HTMLElement>('.heavy-scratch')!);
    amount.value = String(HEAVY_UI_BUDGET_MS);
    this.budgetMs = Number(amount.value);
    amountOut.textContent = `${this.budgetMs} ms`;
    toggle.addEventListener('change', () => {
      this.on = toggle.checked;
      root.dataset.heavy = String(this.on);
      toggle.blur();
    });
    amount.addEventListener('input', () => {
      this.budgetMs = Number(amount.value);
      amountOut.textContent = `${this.budgetMs} ms`;
    });
    amount.addEventListener('pointerup', () => amount.blur());
  }

  get enabled(): boolean {
    return this.on;
  }

  /** This frame's dashboard work (when on). */
  work(): void {
    if (this.on) this.load.frame(this.budgetMs);
  }
}
