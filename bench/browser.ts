/**
 * netroll browser benchmark: `npm run bench:browser` (readable table) or
 * `npm run bench:browser -- --json` (one JSON object on the last line).
 *
 * Does netroll's worker keep a page smooth on a 2-core machine? Starts a Vite
 * dev server (programmatic, inline config), launches Debian's Chromium
 * through Playwright and opens `bench/browser-page/index.html`. Every run
 * measures ONE engine in the page, as in real use: the measured peer
 * (player 0, netroll's default inputDelay 2 and maxPrediction 8) runs in a
 * module worker (`worker`), on the page's main thread (`main`), or not at all
 * (`none`: the UI alone). Its peer is a scripted remote
 * (`bench/browser-page/remote-worker.ts`): netroll's real engine (protocol,
 * acks, pings, time sync, stall rule) with a stateless game, in its own
 * worker, costing microseconds a tick, so the page is the only thing that
 * simulates (not two engines on two cores, as before). Chosen over a real
 * remote with a larger input delay: that one would still simulate every frame
 * (10000 swarm entities: ~1 ms a tick on a quiet machine, another busy
 * thread on 2 cores) and would roll back whenever the measured peer's input
 * changes. The measured peer's correctness is checked by replaying its
 * confirmed input log here in Node and comparing every state hash it took.
 *
 * - Scenario A, long tasks: a light UI (the game layer) plus a framework-like
 *   long task (DOM writes, forced layout, canvas, no yielding) of a seeded
 *   100–300 ms every 2 s. Runs `A:worker`, `A:main`, and `A:worker:quiet`
 *   (the same without the long tasks). Reports the measured engine's tick
 *   intervals and the stalls the remote sees.
 * - Scenario B, continuous load: the demo's heavy UI (`demo/heavy-ui.ts`
 *   HeavyLoad: 7 ms of script a frame, which with the browser's style,
 *   layout and paint keeps the page's main thread busy ~70% of every
 *   16.7 ms frame, measured per thread from /proc: uiMainThreadShareNone)
 *   and a remote whose input changes every frame, 125 ms away: every remote
 *   frame arrives ~7.5 frames late, so the measured engine rolls back every
 *   tick, 7 frames deep in steady state (with the default maxPrediction 8 a
 *   depth of 8 stalls that tick instead; `--max-prediction 9` gives 8-frame
 *   rollbacks). `swarm?entities=16500` is sized for one to cost ≥ 6 ms
 *   (rollbackMsPerRollback). `--remote-change-every N` makes the rollbacks
 *   bursts every N ticks instead. Runs `B:none`, `B:worker`, `B:main`.
 * - Scenario C, the price of the design. As shipped, each DataChannel is
 *   handed to the engine's thread (`mesh.channelsInEngine`), and here the
 *   link's end is too: the delay added to remote packets with vs without the
 *   long tasks is measured where the engine takes them (A:worker vs
 *   A:worker:quiet). For comparison, `A:worker:page` and
 *   `A:worker:page:quiet` keep the link's end on the page's main thread
 *   (`channelsInEngine: false`, the design before): the delay the page adds
 *   then, and the rollback depths and remote stalls it causes.
 *
 * The page collects raw samples; this script computes every statistic with
 * `bench/stats.ts` (linear-interpolated percentiles). The definition of every
 * figure is in `DEFINITIONS` below and is printed with the JSON. Nothing
 * asserts on timings. The browser and the Vite server are closed at the end,
 * also on errors and on SIGINT/SIGTERM.
 *
 * Options: --json, --repeat N (default 1: run everything N times, report the
 * median of every figure and the spread of each), --wait-quiet-ms N (default
 * 0: before each measured window, wait up to N ms until the rest of the
 * machine uses < 0.1 cores), --scenarios A,B, --duration-ms N (per run,
 * default 10000), --warmup-ms N (default 2000), --entities N (B, default
 * 16500), --latency-ms N (B, default 125), --max-prediction N (the measured
 * peer's; default: netroll's), --ui-ms N (B's UI script per frame, default
 * 7), --remote-change-every N (B, default 1), --a-entities N (default 1000), --a-latency-ms N (default 50),
 * --long-task-min-ms / --long-task-max-ms / --long-task-every-ms (100 / 300 /
 * 2000), --dom-nodes N, --rects N, --trace LABEL FILE (a DevTools trace of
 * run LABEL's measured window, e.g. `--trace B:worker /tmp/b-worker.json`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright';
import { createServer, type ViteDevServer } from 'vite';
import { HEAVY_UI_BUDGET_MS, HEAVY_UI_DOM_NODES, HEAVY_UI_RECTS } from '../demo/heavy-ui-sizes.ts';
import { decodeInputLog, replay } from '../src/engine/input-log.ts';
import { gameFromSpec } from '../src/games/index.ts';
import type { HashCheck, PageApi, PageOptions, PageResult, RunSamples, RunSpec, Scenario } from './browser-page/types.ts';
import { median, percentile, sig } from './stats.ts';
import { chromiumArgs, chromiumPath } from '../harness/chromium.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = chromiumPath;
/** Idle time after the page loaded, before the first run (Chromium start-up work settles). */
const SETTLE_MS = 4000;
/** --wait-quiet-ms: the rest of the machine counts as quiet below this many cores. */
const QUIET_CORES = 0.1;
/** The same Chromium flags the test suites use. */
const CHROMIUM_ARGS = [...chromiumArgs];
/** netroll's default tick length, ms. */
const TICK_MS = 1000 / 60;

const DEFINITIONS = {
  setup:
    'One engine per measured page: the measured peer (player 0, default inputDelay 2, maxPrediction 8, hashInterval 60) in a module worker (worker), on the page main thread (main) or absent (none). Its peer is a scripted remote in its own worker: netroll\'s Engine with a stateless game (ticks and rollbacks cost microseconds), inputDelay and input script per scenario, hashInterval 0. The link latency is applied inside the remote worker, both directions. The link\'s end is handed to the measured engine\'s thread, as the mesh hands it each DataChannel by default (mesh.channelsInEngine), except in the A:worker:page runs, where the page main thread handles each packet once per direction, like a DataChannel kept there.',
  longTaskTick:
    'Scenario A. longTask{Worker,Main}TickP99Ms / TickMaxMs: p99 / max of the intervals between consecutive tick starts of the measured engine (EngineHost tickHistory, absolute clock) inside the window. longTask{Worker,Main}TicksMissing: round(window / 16.67 ms) − ticks that started in the window (negative when the host ran catch-up ticks back to back after a hold-up). longTaskRemoteStalls{Worker,Main}: ticks in the window on which the scripted remote could not advance (it was maxPrediction frames past the last measured input it had); longTaskRemoteStallsQuiet: the same without long tasks (worker). The injected long tasks are listed per run (injectedLongTasksMs).',
  droppedFrames:
    'Scenario B. Number of rAF intervals (callback timestamps, vsync-quantized) in the window longer than 1.5 × the median rAF interval of the same repetition\'s B:none run.',
  rafIntervalP99:
    'Scenario B. rafIntervalP99Ms{None,Worker,Main}: p99 of the intervals between consecutive rAF callback entries measured with performance.now() (not vsync-quantized). mainThreadFrameP99Ms*: p99 of the vsync-quantized rAF timestamp intervals (kept from the earlier bench).',
  ratios:
    'droppedFramesRatioWorkerVsNone = droppedFramesWorker / droppedFramesNone; droppedFramesRatioMainVsWorker = droppedFramesMain / droppedFramesWorker (same repetition; 1 when both are 0; infinite when only the denominator is 0, which JSON prints as null: in spread.<key>.values such a null is an infinite ratio, and the median counts it as the largest value, so a top-level null means the median repetition dropped frames with the engine and none without). With --repeat, every top-level figure is the median over the repetitions (hashesChecked and hashesMismatched: the sum; otherCpuCoresMax: the maximum) and spread.<key> gives min, max and the per-repetition values.',
  longTasks:
    "Number of PerformanceObserver({type:'longtask'}) entries (main-thread tasks > 50 ms) whose startTime lies inside the window.",
  packetDelay:
    "Scenario C. Per remote packet: the time it was taken − sentAt, where sentAt is when the remote worker released the packet from the simulated wire (both performance.timeOrigin + performance.now(); page/worker clocks agree within 0.1 ms in Chromium). As shipped (A:worker, A:worker:quiet) the link's end is in the engine's worker and the time is taken there (HostStats.directChannels.transitMs); in A:worker:page(:quiet) the end is on the page main thread (mesh.channelsInEngine: false) and the time is taken in the page's handler. packetDelayAddedByLongTasksP99Ms = p99 in A:worker − p99 in A:worker:quiet; packetDelayAddedByLongTasksP99MsChannelsOnPage = the same for the A:worker:page runs. rollbackDepth{P99,Mean}{Quiet,LongTasks}[ChannelsOnPage]: from the measured engine's rollback-depth histogram over the window.",
  arrivalToTick:
    "A:worker:page runs only (the link's end on the page): per remote packet, start of the measured engine's first tick at or after the page handler time, minus that time (mostly the wait for the next 60 Hz tick; it includes the page→worker hop).",
  renderLatency:
    'p50/p99 of (page time in the Session.onRender handler − RenderFrame.producedAt) over the window. Cross-context clocks in worker runs; one clock in main-thread runs.',
  rollbacks:
    'From the measured engine over the window: rollbacksPerTick = rollbacks / ticks; medianRollbackDepth from the rollback-depth histogram; rollbackMsPerRollback = engine-reported re-simulation ms / rollbacks (includes DevTools profiling, on by default).',
  hashCheck:
    "After each engine run, the measured peer's confirmed input log is replayed in Node (src/engine/input-log.ts replay) and every state hash the engine took is compared: hashesChecked, hashesMismatched (summed over all runs).",
  cpu:
    "otherCpuCoresMax / Median over every window of every repetition: CPU the rest of the machine took (anything above ~0.1 cores on a 2-core machine disturbs the timings). runs.<label>.cpu: average cores busy during the window from Linux /proc: allCores = whole machine, chromiumCores = Chromium's processes descending from this Node process, benchNodeCores = this Node process (Vite + Playwright), otherCores = the rest; chromiumThreads = Chromium's threads using ≥ 0.01 cores, by process type/thread name (renderer/main: the page's main thread; renderer/DedicatedWorker: the measured engine's worker; renderer/DedicatedWorker (remote): the scripted remote's worker, told apart by its thread id, taken when the remote runs and before the engine's worker is made). uiMainThreadShareNone = renderer/main cores in B:none: the share of every frame the heavy UI keeps the page's main thread busy (script, style, layout, paint); pageMainThreadCores{Worker,Main} the same in B:worker and B:main; workerThreadsCoresWorker = renderer/DedicatedWorker in B:worker (the measured engine's worker alone). waitedForQuietMs: time spent waiting for otherCores < 0.1 (1 s samples) before the window (--wait-quiet-ms).",
    speedProbe:
      "runs.<label>.cpu.speedProbeMs: CPU time (ms; user + system of the bench's Node process, so waiting for a core does not count) of a fixed integer and memory workload run just before the window, the fastest of 5 rounds: how fast the host ran then (a shared virtual machine drifts; the page's script and the engine's rollbacks drift with it). speedProbeMsMedian: its median over the repetition's windows; speedProbeSpread: slowest ÷ fastest window of a repetition (the top level: the largest over the repetitions). A spread above ~1.1 means the runs being compared did not run on an equally fast machine.",
  uiWork:
    'JS time inside each rAF callback spent on the UI (HeavyLoad.frame: DOM writes + forced layout + canvas + 1-pixel read-back, topped up to the budget; plus the game layer). frameBusyMs: rAF callback start → handler of a MessageChannel message posted at the callback end.',
};

/** Trace categories of `--trace` (what the DevTools Performance panel records, plus V8's function calls). */
const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame', 'toplevel', 'v8.execute', 'blink.user_timing'];

interface Args {
  /** --trace LABEL FILE: record a DevTools trace (open it in the Performance panel) of run LABEL (e.g. B:worker), first repetition. */
  trace?: { label: string; file: string };
  json: boolean;
  repeat: number;
  waitQuietMs: number;
  scenarios: Scenario[];
  durationMs: number;
  warmupMs: number;
  entities: number;
  latencyMs: number;
  /** The measured peer's maxPrediction (0: netroll's default). */
  maxPrediction: number;
  uiMs: number;
  /** Scenario B: the remote's input changes every this many frames (each change arrives late: one rollback burst). */
  remoteChangeEvery: number;
  aEntities: number;
  aLatencyMs: number;
  longTaskMinMs: number;
  longTaskMaxMs: number;
  longTaskEveryMs: number;
  domNodes: number;
  rects: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    json: false,
    repeat: 1,
    waitQuietMs: 0,
    scenarios: ['A', 'B'],
    durationMs: 10_000,
    warmupMs: 2_000,
    // A 7-frame rollback (the steady depth below) costs 6.2-7.3 ms on a quiet 2-core machine
    // (measured: rollbackMsPerRollback; linear in the entity count).
    entities: 16500,
    latencyMs: 125,
    maxPrediction: 0,
    uiMs: HEAVY_UI_BUDGET_MS,
    remoteChangeEvery: 1,
    aEntities: 1000,
    aLatencyMs: 50,
    longTaskMinMs: 100,
    longTaskMaxMs: 300,
    longTaskEveryMs: 2000,
    domNodes: HEAVY_UI_DOM_NODES,
    rects: HEAVY_UI_RECTS,
  };
  const numeric: Record<string, keyof Omit<Args, 'json' | 'scenarios' | 'trace'>> = {
    '--repeat': 'repeat',
    '--wait-quiet-ms': 'waitQuietMs',
    '--duration-ms': 'durationMs',
    '--warmup-ms': 'warmupMs',
    '--entities': 'entities',
    '--latency-ms': 'latencyMs',
    '--max-prediction': 'maxPrediction',
    '--ui-ms': 'uiMs',
    '--remote-change-every': 'remoteChangeEvery',
    '--a-entities': 'aEntities',
    '--a-latency-ms': 'aLatencyMs',
    '--long-task-min-ms': 'longTaskMinMs',
    '--long-task-max-ms': 'longTaskMaxMs',
    '--long-task-every-ms': 'longTaskEveryMs',
    '--dom-nodes': 'domNodes',
    '--rects': 'rects',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') args.json = true;
    else if (a === '--trace') {
      args.trace = { label: argv[++i] ?? '', file: resolve(argv[++i] ?? 'trace.json') };
    } else if (a === '--scenarios') {
      const list = (argv[++i] ?? '').toUpperCase().split(',');
      if (!list.length || !list.every((x) => x === 'A' || x === 'B')) throw new Error('--scenarios takes A, B or A,B');
      args.scenarios = [...new Set(list)] as Scenario[];
    } else if (a in numeric) {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a non-negative number`);
      args[numeric[a]!] = v;
    } else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(args.repeat) || args.repeat < 1 || args.repeat > 20) throw new Error('--repeat is an integer 1..20');
  if (args.durationMs > 18_000) throw new Error('--duration-ms is at most 18000 (the host keeps 1200 ticks of history)');
  if (args.longTaskMaxMs < args.longTaskMinMs) throw new Error('--long-task-max-ms is below --long-task-min-ms');
  if (args.longTaskEveryMs <= args.longTaskMaxMs) throw new Error('--long-task-every-ms must exceed --long-task-max-ms');
  if (!Number.isInteger(args.remoteChangeEvery) || args.remoteChangeEvery < 1) throw new Error('--remote-change-every is an integer ≥ 1');
  return args;
}

/** The runs of one repetition, in order. */
function runSpecs(args: Args): RunSpec[] {
  const runs: RunSpec[] = [];
  if (args.scenarios.includes('B')) {
    for (const mode of ['none', 'worker', 'main'] as const) runs.push({ label: `B:${mode}`, scenario: 'B', mode, longTasks: false });
  }
  if (args.scenarios.includes('A')) {
    runs.push({ label: 'A:worker:quiet', scenario: 'A', mode: 'worker', longTasks: false });
    runs.push({ label: 'A:worker', scenario: 'A', mode: 'worker', longTasks: true });
    runs.push({ label: 'A:main', scenario: 'A', mode: 'main', longTasks: true });
    runs.push({ label: 'A:worker:page:quiet', scenario: 'A', mode: 'worker', longTasks: false, channels: 'page' });
    runs.push({ label: 'A:worker:page', scenario: 'A', mode: 'worker', longTasks: true, channels: 'page' });
  }
  return runs;
}

// ------------------------------------------------------------------ statistics

const p50 = (xs: readonly number[]) => sig(percentile(xs, 0.5));
const p99 = (xs: readonly number[]) => sig(percentile(xs, 0.99));
const max = (xs: readonly number[]) => (xs.length ? sig(Math.max(...xs)) : Number.NaN);
/** a / b; 1 when both are 0 (the same: nothing dropped in either); Infinity when only b is 0; NaN when either is missing. */
const ratio = (a: number, b: number) => {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Number.NaN;
  if (b === 0) return a === 0 ? 1 : Number.POSITIVE_INFINITY;
  return sig(a / b);
};

/** The median of values that may include Infinity (it sorts last), so an infinite ratio counts as the largest. */
function medianOrInfinite(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (n % 2 === 1) return sorted[(n - 1) / 2]!;
  const a = sorted[n / 2 - 1]!;
  const b = sorted[n / 2]!;
  return a === Number.POSITIVE_INFINITY || b === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : sig((a + b) / 2);
}

/** Expand a depth → count histogram into its samples. */
function histogramSamples(h: Record<number, number>): number[] {
  const out: number[] = [];
  for (const [d, c] of Object.entries(h)) for (let i = 0; i < c; i++) out.push(Number(d));
  return out;
}

/** Replay the measured peer's confirmed input log and compare every hash it took. */
function checkHashes(h: HashCheck): { checked: number; mismatched: number; unchecked: number } {
  const decoded = decodeInputLog(Uint8Array.from(h.inputLog));
  if (!decoded.ok) return { checked: 0, mismatched: 0, unchecked: h.hashes.length };
  const replayed = replay(decoded.log, gameFromSpec, h.hashInterval).hashes;
  let checked = 0;
  let mismatched = 0;
  for (const { frame, hash } of h.hashes) {
    const expected = replayed.get(frame);
    if (expected === undefined) continue;
    checked++;
    if (expected !== hash) mismatched++;
  }
  return { checked, mismatched, unchecked: h.hashes.length - checked };
}

type CpuWindow = (NonNullable<ReturnType<typeof cpuWindow>> & { waitedForQuietMs?: number; speedProbeMs?: number }) | null;

function runSummary(run: RunSamples, noEngineMedianInterval: number, cpu: CpuWindow) {
  const e = run.engine;
  const depths = e ? histogramSamples(e.rollbackHistogram) : [];
  return {
    windowMs: sig(run.windowMs),
    cpu,
    frames: run.rafIntervals.length,
    frameP50Ms: p50(run.rafIntervals),
    frameP99Ms: p99(run.rafIntervals),
    frameMaxMs: max(run.rafIntervals),
    rafIntervalP99Ms: p99(run.rafCallbackIntervals),
    rafIntervalMaxMs: max(run.rafCallbackIntervals),
    droppedFrames: run.rafIntervals.filter((x) => x > 1.5 * noEngineMedianInterval).length,
    longTasks: run.longTaskDurations.length,
    longTaskMaxMs: max(run.longTaskDurations),
    injectedLongTasksMs: run.injectedLongTasksMs.map((x) => Math.round(x)),
    uiWorkMsP50: p50(run.uiWorkMs),
    uiWorkMsP99: p99(run.uiWorkMs),
    frameBusyMsP50: p50(run.frameBusyMs),
    frameBusyMsP99: p99(run.frameBusyMs),
    pageMainThreadCores: cpu?.chromiumThreads['renderer/main'] ?? Number.NaN,
    workerThreadsCores: cpu?.chromiumThreads['renderer/DedicatedWorker'] ?? Number.NaN,
    ...(e
      ? {
          ticks: e.ticks,
          ticksMissing: run.tickIntervals.length ? Math.round(run.windowMs / TICK_MS) - (run.tickIntervals.length + 1) : Number.NaN,
          tickIntervalP50Ms: p50(run.tickIntervals),
          tickIntervalP99Ms: p99(run.tickIntervals),
          tickIntervalMaxMs: max(run.tickIntervals),
          renders: e.renders,
          renderLatencyP50Ms: p50(run.renderLatency),
          renderLatencyP99Ms: p99(run.renderLatency),
          packets: run.packetDelay.length,
          packetDelayP50Ms: p50(run.packetDelay),
          packetDelayP99Ms: p99(run.packetDelay),
          packetDelayMaxMs: max(run.packetDelay),
          arrivalToTickP50Ms: p50(run.arrivalToTick),
          arrivalToTickP99Ms: p99(run.arrivalToTick),
          rollbacks: e.rollbacks,
          rollbacksPerTick: e.ticks ? sig(e.rollbacks / e.ticks) : Number.NaN,
          medianRollbackDepth: p50(depths),
          rollbackDepthP99: p99(depths),
          rollbackDepthMean: depths.length ? sig(depths.reduce((a, b) => a + b, 0) / depths.length) : Number.NaN,
          rollbackHistogram: e.rollbackHistogram,
          rollbackMsPerRollback: e.rollbacks ? sig(e.rollbackMs / e.rollbacks) : Number.NaN,
          stalls: e.stalls,
          remoteStalls: run.remoteStalls,
          desyncsTotal: e.desyncs,
          malformedTotal: e.malformed,
          hashes: run.hashCheck ? checkHashes(run.hashCheck) : null,
        }
      : {}),
  };
}

type RunSummary = ReturnType<typeof runSummary>;

/** The top-level figures of one repetition (NaN where a run is missing). */
function figures(runs: Record<string, RunSummary>) {
  const g = (label: string) => runs[label];
  const num = (label: string, key: keyof RunSummary): number => {
    const v = g(label)?.[key];
    return typeof v === 'number' ? v : Number.NaN;
  };
  const cpus = Object.values(runs).map((r) => r.cpu?.otherCores ?? Number.NaN).filter(Number.isFinite);
  const speeds = Object.values(runs).map((r) => r.cpu?.speedProbeMs ?? Number.NaN).filter(Number.isFinite);
  const hashes = Object.values(runs).map((r) => r.hashes).filter((h) => h != null);
  return {
    // Scenario A: long tasks
    longTaskWorkerTickP99Ms: num('A:worker', 'tickIntervalP99Ms'),
    longTaskMainTickP99Ms: num('A:main', 'tickIntervalP99Ms'),
    longTaskWorkerTickMaxMs: num('A:worker', 'tickIntervalMaxMs'),
    longTaskMainTickMaxMs: num('A:main', 'tickIntervalMaxMs'),
    longTaskWorkerTicksMissing: num('A:worker', 'ticksMissing'),
    longTaskMainTicksMissing: num('A:main', 'ticksMissing'),
    longTaskRemoteStallsWorker: num('A:worker', 'remoteStalls'),
    longTaskRemoteStallsMain: num('A:main', 'remoteStalls'),
    longTaskRemoteStallsQuiet: num('A:worker:quiet', 'remoteStalls'),
    longTaskStallsWorker: num('A:worker', 'stalls'),
    longTaskStallsMain: num('A:main', 'stalls'),
    longTasksInjected: g('A:worker')?.injectedLongTasksMs.length ?? Number.NaN,
    // Scenario B: continuous load
    droppedFramesNone: num('B:none', 'droppedFrames'),
    droppedFramesWorker: num('B:worker', 'droppedFrames'),
    droppedFramesMain: num('B:main', 'droppedFrames'),
    rafIntervalP99MsNone: num('B:none', 'rafIntervalP99Ms'),
    rafIntervalP99MsWorker: num('B:worker', 'rafIntervalP99Ms'),
    rafIntervalP99MsMain: num('B:main', 'rafIntervalP99Ms'),
    droppedFramesRatioWorkerVsNone: ratio(num('B:worker', 'droppedFrames'), num('B:none', 'droppedFrames')),
    droppedFramesRatioMainVsWorker: ratio(num('B:main', 'droppedFrames'), num('B:worker', 'droppedFrames')),
    longTasksNone: num('B:none', 'longTasks'),
    longTasksWorker: num('B:worker', 'longTasks'),
    longTasksMain: num('B:main', 'longTasks'),
    mainThreadFrameP99MsNoEngine: num('B:none', 'frameP99Ms'),
    mainThreadFrameP99MsWorker: num('B:worker', 'frameP99Ms'),
    mainThreadFrameP99MsMainThread: num('B:main', 'frameP99Ms'),
    renderLatencyP50MsWorker: num('B:worker', 'renderLatencyP50Ms'),
    renderLatencyP99MsWorker: num('B:worker', 'renderLatencyP99Ms'),
    renderLatencyP50MsMain: num('B:main', 'renderLatencyP50Ms'),
    renderLatencyP99MsMain: num('B:main', 'renderLatencyP99Ms'),
    uiWorkMsP50: num('B:none', 'uiWorkMsP50'),
    uiMainThreadShareNone: num('B:none', 'pageMainThreadCores'),
    pageMainThreadCoresWorker: num('B:worker', 'pageMainThreadCores'),
    pageMainThreadCoresMain: num('B:main', 'pageMainThreadCores'),
    workerThreadsCoresWorker: num('B:worker', 'workerThreadsCores'),
    rollbacksPerTick: num('B:worker', 'rollbacksPerTick'),
    medianRollbackDepth: num('B:worker', 'medianRollbackDepth'),
    rollbackMsPerRollback: num('B:worker', 'rollbackMsPerRollback'),
    rollbacksPerTickMain: num('B:main', 'rollbacksPerTick'),
    rollbackMsPerRollbackMain: num('B:main', 'rollbackMsPerRollback'),
    // Scenario C: the DataChannel on the main thread
    packetDelayAddedByLongTasksP99Ms: sig(num('A:worker', 'packetDelayP99Ms') - num('A:worker:quiet', 'packetDelayP99Ms')),
    packetDelayP99MsQuiet: num('A:worker:quiet', 'packetDelayP99Ms'),
    packetDelayP99MsLongTasks: num('A:worker', 'packetDelayP99Ms'),
    packetDelayMaxMsLongTasks: num('A:worker', 'packetDelayMaxMs'),
    rollbackDepthMeanQuiet: num('A:worker:quiet', 'rollbackDepthMean'),
    rollbackDepthMeanLongTasks: num('A:worker', 'rollbackDepthMean'),
    rollbackDepthP99Quiet: num('A:worker:quiet', 'rollbackDepthP99'),
    rollbackDepthP99LongTasks: num('A:worker', 'rollbackDepthP99'),
    rollbacksPerTickQuiet: num('A:worker:quiet', 'rollbacksPerTick'),
    rollbacksPerTickLongTasks: num('A:worker', 'rollbacksPerTick'),
    // Scenario C for comparison: the link's end on the page main thread (mesh.channelsInEngine: false)
    packetDelayAddedByLongTasksP99MsChannelsOnPage: sig(num('A:worker:page', 'packetDelayP99Ms') - num('A:worker:page:quiet', 'packetDelayP99Ms')),
    packetDelayP99MsQuietChannelsOnPage: num('A:worker:page:quiet', 'packetDelayP99Ms'),
    packetDelayP99MsLongTasksChannelsOnPage: num('A:worker:page', 'packetDelayP99Ms'),
    longTaskRemoteStallsChannelsOnPage: num('A:worker:page', 'remoteStalls'),
    longTaskWorkerTickP99MsChannelsOnPage: num('A:worker:page', 'tickIntervalP99Ms'),
    rollbackDepthMeanLongTasksChannelsOnPage: num('A:worker:page', 'rollbackDepthMean'),
    rollbackDepthP99LongTasksChannelsOnPage: num('A:worker:page', 'rollbackDepthP99'),
    // Correctness and disturbance
    hashesChecked: hashes.reduce((s, h) => s + h.checked, 0),
    hashesMismatched: hashes.reduce((s, h) => s + h.mismatched, 0),
    otherCpuCoresMax: cpus.length ? Math.max(...cpus) : Number.NaN,
    otherCpuCoresMedian: cpus.length ? sig(median(cpus), 3) : Number.NaN,
    speedProbeMsMedian: speeds.length ? sig(median(speeds), 3) : Number.NaN,
    speedProbeSpread: speeds.length ? sig(Math.max(...speeds) / Math.min(...speeds), 3) : Number.NaN,
  };
}

type Figures = ReturnType<typeof figures>;

/** Figures summed over the repetitions (a mismatch in any one must show), or their maximum. */
const SUMMED: readonly string[] = ['hashesChecked', 'hashesMismatched'];
const MAXED: readonly string[] = ['otherCpuCoresMax', 'speedProbeSpread'];

/** Each figure over the repetitions (median; sum or max for the keys above), and its spread. */
function combine(reps: Figures[]) {
  const keys = Object.keys(reps[0]!) as (keyof Figures)[];
  const med = {} as Record<keyof Figures, number>;
  const spread = {} as Record<string, { min: number; max: number; values: number[] }>;
  for (const k of keys) {
    const values = reps.map((r) => r[k]);
    const finite = values.filter(Number.isFinite);
    const infinite = values.filter((v) => v === Number.POSITIVE_INFINITY);
    if (infinite.length) med[k] = medianOrInfinite([...finite, ...infinite]);
    else if (!finite.length) med[k] = Number.NaN;
    else if (SUMMED.includes(k)) med[k] = finite.reduce((a, b) => a + b, 0);
    else if (MAXED.includes(k)) med[k] = Math.max(...finite);
    else med[k] = sig(median(finite));
    if (reps.length > 1) spread[k] = { min: finite.length ? Math.min(...finite) : Number.NaN, max: finite.length ? Math.max(...finite) : Number.NaN, values };
  }
  return { med, spread };
}

function printTable(f: Figures, args: Args, chromiumVersion: string, cores: number): void {
  const line = (name: string, ...cells: unknown[]) => console.log(`${name.padEnd(34)}${cells.map((c) => String(c).padStart(12)).join('')}`);
  console.log(`netroll browser bench — ${chromiumVersion}, ${cores} cores, median of ${args.repeat} repetition(s)`);
  const hasA = args.scenarios.includes('A');
  if (hasA) {
    console.log(`\nScenario A: long tasks (${args.longTaskMinMs}–${args.longTaskMaxMs} ms every ${args.longTaskEveryMs} ms), light UI`);
    line('', 'worker', 'main');
    line('engine tick interval p99 (ms)', f.longTaskWorkerTickP99Ms, f.longTaskMainTickP99Ms);
    line('engine tick interval max (ms)', f.longTaskWorkerTickMaxMs, f.longTaskMainTickMaxMs);
    line('ticks missing in the window', f.longTaskWorkerTicksMissing, f.longTaskMainTicksMissing);
    line('remote stalls (quiet: ' + f.longTaskRemoteStallsQuiet + ')', f.longTaskRemoteStallsWorker, f.longTaskRemoteStallsMain);
    line('measured engine stalls', f.longTaskStallsWorker, f.longTaskStallsMain);
  }
  if (args.scenarios.includes('B')) {
    const every = args.remoteChangeEvery <= 1 ? 'every tick' : `every ${args.remoteChangeEvery} ticks`;
    console.log(`\nScenario B: heavy UI (${f.uiWorkMsP50} ms script p50, page main thread busy ${f.uiMainThreadShareNone} of the time) + a 7-frame rollback ${every}`);
    line('', 'none', 'worker', 'main');
    line('page main thread (cores)', f.uiMainThreadShareNone, f.pageMainThreadCoresWorker, f.pageMainThreadCoresMain);
    line('worker threads (cores)', '-', f.workerThreadsCoresWorker, '-');
    line('dropped frames', f.droppedFramesNone, f.droppedFramesWorker, f.droppedFramesMain);
    line('rAF callback interval p99 (ms)', f.rafIntervalP99MsNone, f.rafIntervalP99MsWorker, f.rafIntervalP99MsMain);
    line('rAF timestamp interval p99 (ms)', f.mainThreadFrameP99MsNoEngine, f.mainThreadFrameP99MsWorker, f.mainThreadFrameP99MsMainThread);
    line('long tasks', f.longTasksNone, f.longTasksWorker, f.longTasksMain);
    line('render latency p50 / p99 (ms)', '-', `${f.renderLatencyP50MsWorker}/${f.renderLatencyP99MsWorker}`, `${f.renderLatencyP50MsMain}/${f.renderLatencyP99MsMain}`);
    line('ms per rollback', '-', f.rollbackMsPerRollback, f.rollbackMsPerRollbackMain);
    line('rollbacks per tick', '-', f.rollbacksPerTick, f.rollbacksPerTickMain);
    console.log(`dropped frames: worker / none = ${f.droppedFramesRatioWorkerVsNone}; main / worker = ${f.droppedFramesRatioMainVsWorker}`);
  }
  if (hasA) {
    console.log('\nScenario C: the delay remote packets wait for, worker engine (channel in the worker as shipped, or on the page)');
    line('', 'quiet', 'long tasks', 'page quiet', 'page long');
    line('packet delay p99 (ms)', f.packetDelayP99MsQuiet, f.packetDelayP99MsLongTasks, f.packetDelayP99MsQuietChannelsOnPage, f.packetDelayP99MsLongTasksChannelsOnPage);
    line('rollback depth mean', f.rollbackDepthMeanQuiet, f.rollbackDepthMeanLongTasks, '-', f.rollbackDepthMeanLongTasksChannelsOnPage);
    line('rollback depth p99', f.rollbackDepthP99Quiet, f.rollbackDepthP99LongTasks, '-', f.rollbackDepthP99LongTasksChannelsOnPage);
    line('remote stalls', f.longTaskRemoteStallsQuiet, f.longTaskRemoteStallsWorker, '-', f.longTaskRemoteStallsChannelsOnPage);
    console.log(`packet delay added by the long tasks (p99) = ${f.packetDelayAddedByLongTasksP99Ms} ms (channel on the page: ${f.packetDelayAddedByLongTasksP99MsChannelsOnPage} ms)`);
  }
  console.log(`\nhashes checked by replay: ${f.hashesChecked}, mismatched: ${f.hashesMismatched}; other CPU (cores) max ${f.otherCpuCoresMax}, median ${f.otherCpuCoresMedian}`);
  console.log(`host speed probe: ${f.speedProbeMsMedian} ms (median), slowest ÷ fastest window ${f.speedProbeSpread}`);
}

// ------------------------------------------------------------------ CPU accounting (Linux /proc)

/** Clock ticks per second of /proc times (USER_HZ; 100 on Linux). */
const CLK_TCK = 100;

interface CpuSample {
  at: number;
  /** Busy time of all CPUs (everything but idle and iowait), seconds. */
  busy: number;
  /** CPU time of this process's descendants (Chromium, launched by Playwright), seconds. */
  chromium: number;
  /** Command names of those descendants. */
  childNames: string[];
  /** CPU seconds of those descendants' threads, by `process type/thread name` (e.g. `renderer/main`, `renderer/DedicatedWorker`; Linux keeps 15 characters of a name). */
  threads: Map<string, number>;
  /** CPU time of this Node process (Vite server + Playwright), seconds. */
  self: number;
}

/** CPU seconds of the Chromium processes descending from `rootPid`, and their command names. */
function descendantsCpu(rootPid: number): { seconds: number; names: string[]; threads: Map<string, number> } {
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      comm.set(Number(name), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After the comm: state(3) ppid(4) ... utime(14) stime(15), 1-based in proc(5).
      parent.set(Number(name), Number(f[1]));
      cpu.set(Number(name), (Number(f[11]) + Number(f[12])) / CLK_TCK);
    } catch {
      // the process ended meanwhile
    }
  }
  let seconds = 0;
  const names = new Set<string>();
  const threads = new Map<string, number>();
  for (const [pid, t] of cpu) {
    if (pid === rootPid) continue;
    // Count it when it descends from rootPid through a Chromium process (itself included),
    // so helpers the Node process may spawn (e.g. esbuild) are not counted as Chromium.
    let viaChromium = false;
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; p = parent.get(p), hops++) {
      if (p === rootPid) {
        if (viaChromium) {
          seconds += t;
          names.add(comm.get(pid) ?? '?');
          for (const [name, secs] of threadsCpu(pid)) threads.set(name, (threads.get(name) ?? 0) + secs);
        }
        break;
      }
      if (/chrom|headless/i.test(comm.get(p) ?? '')) viaChromium = true;
    }
  }
  return { seconds, names: [...names].sort(), threads };
}

/**
 * Thread ids of the scripted remote's workers: every Chromium `DedicatedWorker`
 * thread that exists when a run's page says its remote runs and its measured
 * engine's worker is not made yet (the `remote` mark; taken anew each run,
 * after the previous run's workers were terminated).
 */
const remoteWorkerTids = new Set<string>();
/** The name {@link threadsCpu} gives the remote's worker threads. */
const REMOTE_WORKER_THREAD = 'DedicatedWorker (remote)';

function markRemoteWorkerThreads(): void {
  remoteWorkerTids.clear();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!/--type=renderer/.test(readFileSync(`/proc/${name}/cmdline`, 'utf8'))) continue;
      for (const tid of readdirSync(`/proc/${name}/task`)) {
        if (readFileSync(`/proc/${name}/task/${tid}/comm`, 'utf8').trim() === 'DedicatedWorker') remoteWorkerTids.add(tid);
      }
    } catch {
      // ended meanwhile, or not ours to read
    }
  }
}

/**
 * CPU seconds of one process's threads, by `process type/thread name` (e.g.
 * `renderer/main`, `renderer/Compositor`; same names summed; the remote's
 * workers as `renderer/DedicatedWorker (remote)`).
 */
function threadsCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out; // the process ended meanwhile
  }
  let kind = 'browser';
  try {
    kind = /--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 'browser';
  } catch {
    // keep 'browser'
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // A process's main thread carries the executable's name: call it `main`.
      const name = tid === String(pid) ? 'main' : remoteWorkerTids.has(tid) ? REMOTE_WORKER_THREAD : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const key = `${kind}/${name}`;
      out.set(key, (out.get(key) ?? 0) + (Number(f[11]) + Number(f[12])) / CLK_TCK);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

function cpuSample(): CpuSample | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = line.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = line[3]! + line[4]!;
    const u = process.cpuUsage();
    const children = descendantsCpu(process.pid);
    return {
      at: performance.now(),
      busy: (total - idle) / CLK_TCK,
      chromium: children.seconds,
      childNames: children.names,
      threads: children.threads,
      self: (u.user + u.system) / 1e6,
    };
  } catch {
    return null; // not Linux
  }
}

/** Average cores used during a window, by whom. */
function cpuWindow(a: CpuSample | undefined, b: CpuSample | undefined) {
  if (!a || !b) return null;
  const secs = (b.at - a.at) / 1000;
  const busy = (b.busy - a.busy) / secs;
  const chromium = (b.chromium - a.chromium) / secs;
  const self = (b.self - a.self) / secs;
  const threads: Record<string, number> = {};
  for (const [name, t] of [...b.threads].map(([n, v]) => [n, (v - (a.threads.get(n) ?? 0)) / secs] as const).sort((x, y) => y[1] - x[1])) {
    if (t >= 0.01) threads[name] = sig(t, 3);
  }
  return {
    allCores: sig(busy, 3),
    chromiumCores: sig(chromium, 3),
    childProcesses: b.childNames,
    benchNodeCores: sig(self, 3),
    /** Chromium's busiest threads (≥ 0.01 cores), by thread name: where the page's frames and the engine ran. */
    chromiumThreads: threads,
    /** Everything else on the machine (other users' builds and tests): disturbance. */
    otherCores: sig(Math.max(0, busy - chromium - self), 3),
  };
}

/** Rounds of the speed probe's fixed work; the fastest counts. */
const SPEED_PROBE_ROUNDS = 5;

/**
 * How fast this machine runs right now: the CPU time (ms, user + system of
 * this process, so waiting for a core does not count) of a fixed integer
 * and memory workload, the fastest of {@link SPEED_PROBE_ROUNDS} rounds. It
 * runs before each measured window, outside it. A host whose speed drifts
 * (a shared virtual machine) shows here: a probe 10% slower means the
 * page's script and the engine's rollbacks are slower by about as much.
 */
function speedProbe(): number {
  const data = new Int32Array(1 << 16);
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let round = 0; round < SPEED_PROBE_ROUNDS; round++) {
    const before = process.cpuUsage();
    let x = 0x9e3779b9 | 0;
    for (let i = 0; i < 5_000_000; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      data[i & 0xffff] = (data[(x >>> 16) & 0xffff]! + x) | 0;
    }
    sink ^= data[x & 0xffff]!;
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return sink === 0.5 ? Number.NaN : sig(best, 3); // `sink` keeps the loop from being optimised away
}

/**
 * Wait (at most `maxMs`) until the rest of the machine (everything but
 * Chromium and this process) used less than QUIET_CORES over a 1 s sample.
 * Returns how long it waited.
 */
async function waitForQuiet(maxMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const a = cpuSample();
    await new Promise((r) => setTimeout(r, 1000));
    const w = cpuWindow(a ?? undefined, cpuSample() ?? undefined);
    if (!w || w.otherCores < QUIET_CORES || performance.now() - t0 >= maxMs) return Math.round(performance.now() - t0);
  }
}

// ------------------------------------------------------------------ driver

/** A free TCP port on 127.0.0.1 (asked from the OS), so Vite's client knows the real port. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = a && typeof a === 'object' ? a.port : 0;
      srv.close(() => (port ? resolvePort(port) : reject(new Error('no free port'))));
    });
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (msg: string) => {
    if (!args.json) console.log(msg);
    else process.stderr.write(`${msg}\n`);
  };
  let server: ViteDevServer | null = null;
  let browser: Browser | null = null;
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await browser?.close().catch(() => {});
      await server?.close().catch(() => {});
    })());
  const onSignal = (sig: NodeJS.Signals) => {
    void cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const specs = runSpecs(args);
  const perRunMs = args.durationMs + args.warmupMs + args.waitQuietMs + 5_000;
  const budgetMs = args.repeat * specs.length * perRunMs + 90_000;
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench:browser: gave up after ${budgetMs} ms\n`);
    void cleanup().finally(() => process.exit(1));
  }, budgetMs);
  watchdog.unref();

  try {
    server = await createServer({
      configFile: false,
      root: ROOT,
      logLevel: 'warn',
      clearScreen: false,
      // Keep Vite's cache out of the repository and node_modules.
      cacheDir: join(tmpdir(), 'netroll-bench-browser-vite'),
      // Serve comlink (ESM) as is: no dependency optimization, so no reload mid-run.
      optimizeDeps: { noDiscovery: true, include: [] },
      server: {
        host: '127.0.0.1',
        port: await freePort(),
        strictPort: false,
        // Others edit the tree while this runs: no file watching, no HMR, so the page never reloads.
        hmr: false,
        watch: null,
        // Cross-origin isolation: performance.now() resolution 5 µs instead of 100 µs.
        headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
      },
    });
    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('vite did not report a TCP address');
    const url = `http://127.0.0.1:${address.port}/bench/browser-page/index.html`;
    log(`vite dev server on ${url}`);

    const loadAvgBefore = loadavg();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const chromiumVersion = browser.version();
    const page = await browser.newPage({ viewport: { width: 1000, height: 1000 } });
    // The page marks each measured window's start and end (outside the window) for CPU accounting.
    let rep = 0;
    const marks = new Map<string, CpuSample | null>();
    const waitedMs: Record<string, number> = {};
    const speedMs: Record<string, number> = {};
    await page.exposeFunction('__netrollBenchMark', async (label: string, phase: string) => {
      if (phase === 'wait') {
        if (args.waitQuietMs > 0) waitedMs[`${rep}:${label}`] = await waitForQuiet(args.waitQuietMs);
        speedMs[`${rep}:${label}`] = speedProbe();
        return;
      }
      if (phase === 'remote') {
        markRemoteWorkerThreads();
        return;
      }
      marks.set(`${rep}:${label}:${phase}`, cpuSample());
      // --trace LABEL FILE: a DevTools trace of that run's first measured window.
      if (args.trace && label === args.trace.label && rep === 0) {
        if (phase === 'start') await browser!.startTracing(page, { path: args.trace.file, categories: TRACE_CATEGORIES });
        else await browser!.stopTracing();
      }
    });
    page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
    page.on('response', (r) => {
      if (r.status() >= 400) process.stderr.write(`[page] HTTP ${r.status()} ${r.url()}\n`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') process.stderr.write(`[page ${m.type()}] ${m.text()}\n`);
    });
    await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForFunction(
      () => (globalThis as unknown as { __netrollBench?: PageApi }).__netrollBench?.ready === true,
      undefined,
      { timeout: 60_000 },
    );
    const scenario = (game: string, latencyMs: number, remoteInputDelay: number, remoteChangeEvery: number, uiBudgetMs: number) => ({
      game,
      latencyMs,
      remoteInputDelay,
      remoteChangeEvery,
      localChangeEvery: 6,
      uiBudgetMs,
    });
    const options: PageOptions = {
      durationMs: args.durationMs,
      warmupMs: args.warmupMs,
      domNodes: args.domNodes,
      rects: args.rects,
      // A: a remote like a netroll peer (input delay 2) changing input ~10 times a second, 50 ms away.
      A: {
        ...scenario(`swarm?entities=${args.aEntities}`, args.aLatencyMs, 2, 6, 0),
        longTaskMinMs: args.longTaskMinMs,
        longTaskMaxMs: args.longTaskMaxMs,
        longTaskEveryMs: args.longTaskEveryMs,
      },
      // B: every remote frame mispredicted (by default) and ~7.5 frames late: a 7-frame rollback every tick (default maxPrediction).
      B: scenario(`swarm?entities=${args.entities}`, args.latencyMs, 0, args.remoteChangeEvery, args.uiMs),
      seed: 1234,
      maxPrediction: args.maxPrediction || null,
      runs: specs,
    };
    // Chromium's own start-up work takes a few seconds of CPU: let it finish before the first run.
    await page.waitForTimeout(SETTLE_MS);
    speedProbe(); // once unmeasured: the JIT settles on the probe loop before the first window's probe
    const results: PageResult[] = [];
    const repRuns: Record<string, RunSummary>[] = [];
    for (rep = 0; rep < args.repeat; rep++) {
      log(`repetition ${rep + 1}/${args.repeat}: ${specs.map((s) => s.label).join(', ')} — ${args.durationMs} ms each (+${args.warmupMs} ms warm-up)…`);
      const result = await page.evaluate(
        (opts) => (globalThis as unknown as { __netrollBench: PageApi }).__netrollBench.run(opts),
        options,
      );
      results.push(result);
      const noneRun = result.runs.find((r) => r.spec.label === 'B:none');
      const runs: Record<string, RunSummary> = {};
      for (const r of result.runs) {
        const base = median((noneRun ?? r).rafIntervals);
        const w = cpuWindow(marks.get(`${rep}:${r.spec.label}:start`) ?? undefined, marks.get(`${rep}:${r.spec.label}:end`) ?? undefined);
        runs[r.spec.label] = runSummary(r, base, w && { ...w, waitedForQuietMs: waitedMs[`${rep}:${r.spec.label}`] ?? 0, speedProbeMs: speedMs[`${rep}:${r.spec.label}`] ?? Number.NaN });
      }
      repRuns.push(runs);
    }
    const loadAvgAfter = loadavg();
    const perRep = repRuns.map(figures);
    const { med, spread } = combine(perRep);
    const first = results[0]!;
    const out = {
      ...med,
      repeat: args.repeat,
      spread,
      chromium: chromiumVersion,
      date: new Date().toISOString(),
      config: {
        durationMsPerRun: args.durationMs,
        warmupMsPerRun: args.warmupMs,
        waitQuietMs: args.waitQuietMs,
        measuredPeer: { players: 2, inputDelay: 'default (2)', maxPrediction: args.maxPrediction || 'default (8)', hashInterval: 'default (60)', profile: 'default (on)' },
        A: options.A,
        B: options.B,
        heavyUi: { domNodes: args.domNodes, rects: args.rects, canvas: '800x600 2D', budgetMs: args.uiMs },
        hardwareConcurrency: first.hardwareConcurrency,
        crossOriginIsolated: first.crossOriginIsolated,
        userAgent: first.userAgent,
        chromiumArgs: CHROMIUM_ARGS,
        loadAvgBefore: loadAvgBefore.map((x) => sig(x, 3)),
        loadAvgAfter: loadAvgAfter.map((x) => sig(x, 3)),
      },
      repetitions: repRuns,
      definitions: DEFINITIONS,
    };
    if (args.json) console.log(JSON.stringify(out));
    else printTable(med, args, chromiumVersion, first.hardwareConcurrency);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:browser failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
