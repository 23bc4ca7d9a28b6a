/**
 * What `bench/browser.ts` (Node) and the bench page (`bench/browser-page/main.ts`)
 * exchange. Types only: this file is imported by both and uses no DOM or
 * Node APIs.
 */

/** The three runs, in the order they execute in one page. */
export type RunMode = 'none' | 'worker' | 'main';

/** Options the Node script hands to the page (`window.__netrollBench.run`). */
export interface PageOptions {
  /** Measured window of each run, ms. */
  durationMs: number;
  /** Unmeasured time before each window (UI warm-up; sessions reaching steady rollbacks), ms. */
  warmupMs: number;
  /** Swarm entity count for the engine runs. */
  entities: number;
  /** One-way latency of the in-page memory network, ms (no jitter, no loss). */
  latencyMs: number;
  /** Engine maxPrediction (inputDelay is always 0). */
  maxPrediction: number;
  /** Heavy UI: DOM nodes whose text and style change every frame. */
  domNodes: number;
  /** Heavy UI: canvas rects drawn every frame. */
  rects: number;
  /** Interval of the echo worker's packets (worker → page → worker), ms. */
  echoIntervalMs: number;
  /** Runs to do, in this order (normally all three). */
  modes: RunMode[];
}

/** Engine counters over the measured window, summed over both sessions. */
export interface EngineWindow {
  ticks: number;
  rollbacks: number;
  rollbackFrames: number;
  /** Engine-reported ms spent in rollbacks (re-simulation), summed. */
  rollbackMs: number;
  stalls: number;
  desyncs: number;
  malformed: number;
  /** Rollback depth → count, over the window (histogram difference end − start). */
  rollbackHistogram: Record<number, number>;
  /** Engine tick interval p99 as the host loop saw it (last 600 ticks), per session. */
  tickIntervalP99Ms: number[];
  /** Render frames delivered to the page in the window (both sessions). */
  renders: number;
  /** Periodic confirmed state hashes both peers took for the same frames all agree (null: none compared). */
  confirmedHashesAgree: boolean | null;
  /**
   * Over the window's confirmed frames (from the confirmed input log), the
   * fraction of (frame, player) whose input differs from the previous frame's.
   */
  inputChangeFraction: number | null;
}

/** Raw samples of one run (statistics are computed in Node with bench/stats.ts). */
export interface RunSamples {
  mode: RunMode;
  /** Wall time of the measured window, ms. */
  windowMs: number;
  /** Intervals between consecutive requestAnimationFrame timestamps (the callback's argument), ms. */
  rafIntervals: number[];
  /** Intervals between consecutive rAF callback starts (performance.now() on entry), ms. */
  rafCallbackIntervals: number[];
  /** JS time of the heavy UI work inside each rAF callback (DOM writes + forced layout + canvas draw + forced canvas raster via a 1-pixel read-back), ms. */
  uiWorkMs: number[];
  /**
   * rAF callback start → handler of a MessageChannel message posted at the end
   * of that callback: the frame's main-thread time including the browser's
   * style/layout/paint after the callback (plus any task queued before it), ms.
   */
  frameBusyMs: number[];
  /** Long tasks (PerformanceObserver 'longtask') that started inside the window: their durations, ms. */
  longTaskDurations: number[];
  /** Echo packets: worker send → page receive (cross-context absolute clocks), ms. */
  echoWorkerToPage: number[];
  /** Echo packets: page re-send → worker receive (cross-context absolute clocks), ms. */
  echoPageToWorker: number[];
  /** Echo packets: worker send → worker receive (one clock), ms. */
  echoRoundTrip: number[];
  /** Engine runs only: page receive time − RenderFrame.producedAt, ms. */
  renderLatency: number[];
  /**
   * Engine runs only: for every packet the memory transport delivered to a
   * session, the start of the first engine tick (from the host's tickHistory)
   * at or after the page-side arrival time, minus that arrival time, ms.
   */
  arrivalToTick: number[];
  /** Packets delivered by the memory network to the sessions in the window. */
  packetsDelivered: number;
  engine: EngineWindow | null;
}

export interface PageResult {
  userAgent: string;
  /** Cross-origin isolated (COOP/COEP): performance.now() is 5 µs instead of 100 µs coarse. */
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  runs: RunSamples[];
}

/** What the page module puts on `window.__netrollBench`. */
export interface PageApi {
  ready: true;
  run(options: PageOptions): Promise<PageResult>;
}
