/**
 * What `bench/browser.ts` (Node) and the bench page (`bench/browser-page/main.ts`)
 * exchange. Types only: this file is imported by both and uses no DOM or
 * Node APIs.
 */

/** Where the measured engine runs: nowhere (the UI alone), in a worker, on the page's main thread. */
export type RunMode = 'none' | 'worker' | 'main';

/** The scenarios (see bench/browser.ts). */
export type Scenario = 'A' | 'B';

/** One measured run: a scenario in one mode, with or without the long tasks. */
export interface RunSpec {
  /** Unique within a repetition, e.g. `B:worker`, `A:worker:quiet`. */
  label: string;
  scenario: Scenario;
  mode: RunMode;
  /** Scenario A: inject the main-thread long tasks (false: the same run without them, the baseline of scenario C). */
  longTasks: boolean;
  /**
   * Where the link's end lives: `engine` (default, as shipped: handed to the
   * engine's thread, like each DataChannel with `mesh.channelsInEngine`) or
   * `page` (the page's main thread, `channelsInEngine: false`).
   */
  channels?: 'engine' | 'page';
}

/** The scripted remote peer (bench/browser-page/remote-worker.ts). */
export interface RemoteConfig {
  localPlayer: number;
  seed: number;
  inputSize: number;
  inputDelay: number;
  maxPrediction: number;
  /** One-way link latency, applied in the remote's worker in both directions, ms. */
  latencyMs: number;
  /** The remote's input changes every this many frames. */
  changeEvery: number;
}

/** A scenario's session, link and UI. */
export interface ScenarioOptions {
  /** Game spec of the measured engine. */
  game: string;
  /** One-way latency of the link, ms. */
  latencyMs: number;
  /** The remote's input delay (the measured peer uses netroll's default). */
  remoteInputDelay: number;
  /** The remote's input changes every this many frames (1: every frame, so every remote frame is mispredicted). */
  remoteChangeEvery: number;
  /** The measured peer's input changes every this many ticks. */
  localChangeEvery: number;
  /** Heavy UI work per animation frame, ms (0: only the game layer is drawn). */
  uiBudgetMs: number;
}

/** Options the Node script hands to the page (`window.__netrollBench.run`). */
export interface PageOptions {
  /** Measured window of each run, ms. */
  durationMs: number;
  /** Unmeasured time before each window (UI warm-up; sessions reaching steady state), ms. */
  warmupMs: number;
  /** Heavy UI: DOM nodes and canvas rects (demo/heavy-ui.ts HeavyLoad). */
  domNodes: number;
  rects: number;
  A: ScenarioOptions & {
    /** Long tasks: each lasts a seeded uniform [min, max] ms; one starts every `everyMs`. */
    longTaskMinMs: number;
    longTaskMaxMs: number;
    longTaskEveryMs: number;
  };
  B: ScenarioOptions;
  /** The measured peer's maxPrediction; null: netroll's default (what ships). */
  maxPrediction: number | null;
  /** Seed of the long-task lengths and of the scripts (the same in every repetition). */
  seed: number;
  runs: RunSpec[];
}

/** Engine counters over the measured window (end − start). */
export interface EngineWindow {
  ticks: number;
  rollbacks: number;
  rollbackFrames: number;
  rollbackMs: number;
  stalls: number;
  desyncs: number;
  malformed: number;
  /** Rollback depth → count over the window (host histogram, end − start). */
  rollbackHistogram: Record<number, number>;
  /** Render frames delivered to the page in the window. */
  renders: number;
}

/** The measured peer's confirmed input log and the hashes it took (Node replays the log and checks them). */
export interface HashCheck {
  /** encodeInputLog bytes, as a plain array (structured for page.evaluate). */
  inputLog: number[];
  hashes: { frame: number; hash: number }[];
  hashInterval: number;
}

/** Raw samples of one run (statistics are computed in Node with bench/stats.ts). */
export interface RunSamples {
  spec: RunSpec;
  /** Wall time of the measured window, ms. */
  windowMs: number;
  /** Intervals between consecutive requestAnimationFrame timestamps (the callback's argument; vsync-quantized), ms. */
  rafIntervals: number[];
  /** Intervals between consecutive rAF callback entries (performance.now(); not vsync-quantized), ms. */
  rafCallbackIntervals: number[];
  /** UI work inside each rAF callback (heavy load + game layer), ms. */
  uiWorkMs: number[];
  /** rAF callback start → handler of a MessageChannel message posted at the callback's end, ms. */
  frameBusyMs: number[];
  /** Long tasks (PerformanceObserver 'longtask') that started inside the window: their durations, ms. */
  longTaskDurations: number[];
  /** Long tasks the bench injected in the window (scenario A), ms each. */
  injectedLongTasksMs: number[];
  /** Engine runs: page receive time − RenderFrame.producedAt, ms. */
  renderLatency: number[];
  /** Engine runs: per remote packet, the time it was taken (by the engine's channel, or the page's handler with `channels: 'page'`) − its wire arrival (the remote's `sentAt`), ms. */
  packetDelay: number[];
  /** Runs with `channels: 'page'`: per remote packet, the wait from the page handler to the start of the measured engine's next tick, ms. */
  arrivalToTick: number[];
  /** Engine runs: intervals between the measured engine's tick starts inside the window (host tickHistory), ms. */
  tickIntervals: number[];
  engine: EngineWindow | null;
  /** Engine runs: the scripted remote's stalls (ticks it could not advance) in the window. */
  remoteStalls: number | null;
  hashCheck: HashCheck | null;
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
