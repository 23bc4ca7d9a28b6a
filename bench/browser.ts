/**
 * netroll browser benchmark: `npm run bench:browser` (readable table) or
 * `npm run bench:browser -- --json` (one JSON object on the last line).
 *
 * Starts a Vite dev server (programmatic, inline config, project root),
 * launches Debian's Chromium through Playwright and opens
 * `bench/browser-page/index.html`, which runs three measured windows in the
 * same page, each with the same heavy UI on every requestAnimationFrame:
 *
 * - `none`:   the heavy UI alone;
 * - `worker`: + two sessions (2 players, `swarm?entities=N`) whose engines run
 *             in module workers (`worker/builtin.ts`), linked by
 *             `createMemoryNetwork` with a fixed one-way latency of 7.5 ticks
 *             (125 ms, no jitter), inputDelay 0, maxPrediction 12, and a new
 *             random input set on every delivered render (once per tick). Both
 *             engines start together, so a packet lands mid-way between the
 *             receiver's ticks: with an idle page every tick rolls back 8
 *             frames (measured: ~0.97 rollbacks per tick, depth 8); the heavy
 *             UI delays the page-side packet and input path, which lowers
 *             that (see `rollbacksPerTick`, `inputChangeFraction`);
 * - `main`:   the same, with `engine: { mainThread }` (the same EngineHost on
 *             the page's main thread).
 *
 * The page collects raw samples; this script computes every statistic with
 * `bench/stats.ts` (linear-interpolated percentiles). The exact definition of
 * every reported figure is in `DEFINITIONS` below and is printed with the
 * JSON. Nothing asserts on timings. The browser and the Vite server are
 * closed at the end, also on errors and on SIGINT/SIGTERM.
 *
 * Options: --json, --duration-ms N (per run, default 10000), --warmup-ms N
 * (default 2000), --entities N (default 4000), --latency-ms N (default 125),
 * --max-prediction N (default 12), --dom-nodes N, --rects N, --modes none,worker,main
 * (a subset prints per-run summaries only; for calibrating the heavy UI),
 * --wait-quiet-ms N (default 0: before each measured window, wait up to N ms
 * until the rest of the machine uses < 0.1 cores; for shared machines).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright';
import { createServer, type ViteDevServer } from 'vite';
import type { PageApi, PageOptions, PageResult, RunSamples } from './browser-page/types.ts';
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

const DEFINITIONS = {
  mainThreadFrame:
    'Intervals between consecutive requestAnimationFrame timestamps (the DOMHighResTimeStamp argument of the callback) on the page main thread, over the measured window of the run; P50/P99 are linear-interpolated percentiles, Max the largest interval.',
  rafCallbackInterval:
    'Intervals between consecutive rAF callback entries measured with performance.now() (not vsync-quantized); reported per run as rafCallbackIntervalP99Ms.',
  longTasks:
    "Number of PerformanceObserver({type:'longtask', buffered:true}) entries (main-thread tasks > 50 ms) whose startTime lies inside the measured window.",
  droppedFrames:
    'Number of rAF intervals in the window longer than 1.5 × the median rAF interval of the no-engine run.',
  packetHop:
    "Echo measurement, NOT the engine's own packets (the session/engine-host pipe carries no timestamps and exposes no per-packet drain time without changing worker code). A dedicated echo worker runs a drift-corrected 60 Hz setTimeout loop (like EngineHost) and posts {peer, buf} with buf (32 B ArrayBuffer) transferred on a MessagePort to the page; the page's port handler stamps it and immediately posts the same {peer, buf} back (buf transferred), like the session forwarding a transport packet to its engine. All stamps are performance.timeOrigin + performance.now() of the respective context. packetHopP50Ms/P99Ms = the page→worker one-way leg (page stamp+post → echo worker onmessage), measured during the `worker` run while the heavy UI and both engine workers run. packetHopWorkerToPage* = the worker→page leg (worker post → page onmessage; this one waits for the busy main thread). packetHopRoundTrip* = worker send → worker receive (one clock, no cross-context clock error). One-way legs compare two contexts' absolute clocks.",
  arrivalToTick:
    "Real engine packets: for every packet the memory network delivered to a session's transport.onPacket in the window (page clock, absolute), the start time of the first engine tick of that session's host (EngineHost.tickHistory, absolute, taken at tick start, before the inbox is drained) that is at or after the arrival, minus the arrival. Mostly the wait for the next 60 Hz tick (uniform 0–16.7 ms); it is a lower bound when the page→engine hop makes a packet miss the tick found this way.",
  renderLatency:
    'p50/p99 of (page performance.timeOrigin + performance.now() in the Session.onRender handler − RenderFrame.producedAt), over both sessions and every render delivered in the window. Cross-context clocks in the worker run; one clock in the main-thread run.',
  ratios: 'workerP99VsNoEngineRatio = mainThreadFrameP99MsWorker / mainThreadFrameP99MsNoEngine; mainThreadP99VsNoEngineRatio likewise for the main-thread run.',
  rollbacksPerTick:
    "Engine counters over the window (stats at window end − start, both sessions summed): rollbacks / ticks. medianRollbackDepth: median of the engines' rollback-depth histograms over the window (end − start, both sessions). runs.<mode>.inputChangeFraction: over the window's confirmed frames, the fraction of (frame, player) inputs that differ from the same player's previous frame (from the confirmed input log); a peer mispredicts a remote frame exactly when its input changed, so (with one rollback per tick at most) it is an upper bound of rollbacksPerTick. Inputs are set by the page once per delivered render (i.e. per engine tick) to a random 5-bit value different from the previous one, so a late render/setInput round trip leaves an input unchanged for a frame.",
  cpu:
    "otherCpuCoresMax: the largest runs.<mode>.cpu.otherCores of the three runs (CPU the rest of the machine took during a window; on a 2-core machine anything above ~0.1 disturbs the timings). runs.<mode>.cpu: average cores busy during the window from Linux /proc (sampled when the page marks the window's start and end): allCores = whole machine, chromiumCores = Chromium's processes descending from this Node process (names in childProcesses), benchNodeCores = this Node process (Vite + Playwright), otherCores = the rest (other jobs on the machine, kernel irq/softirq time, processes that started and ended inside the window: a disturbance indicator). waitedForQuietMs: time spent waiting for otherCores < 0.1 (1 s samples) before the window (--wait-quiet-ms).",
  uiWork:
    "JS time inside each rAF callback spent on the heavy UI (DOM writes + forced style/layout via offsetHeight + canvas drawing + forced canvas raster via a 1-pixel getImageData), performance.now() before/after. frameBusyMs: rAF callback start → handler of a MessageChannel message posted at the callback's end (adds the browser's own paint/commit after the callback, and any task queued ahead of the message).",
};

interface Args {
  json: boolean;
  /** Before each window, wait up to this long for the rest of the machine to go quiet (0: don't). */
  waitQuietMs: number;
  /** Runs to do (calibration aid); the full report needs all three. */
  modes: RunSamples['mode'][];
  durationMs: number;
  warmupMs: number;
  entities: number;
  latencyMs: number;
  maxPrediction: number;
  domNodes: number;
  rects: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    json: false,
    waitQuietMs: 0,
    modes: ['none', 'worker', 'main'],
    durationMs: 10_000,
    warmupMs: 2_000,
    // Two peers' engines run in this one page (a real page hosts one), so each
    // engine's load counts twice. On the 2-core calibration machine (quiet),
    // 4000 entities make the main-thread run miss 35-58 frames in 10 s, while
    // the two workers add ~0.45 cores to the page's ~1; at 8000 they add ~0.6
    // and the worker run drops frames from CPU contention (no long tasks).
    entities: 4000,
    latencyMs: 125,
    maxPrediction: 12,
    domNodes: 200,
    rects: 2000,
  };
  const numeric: Record<string, keyof Omit<Args, 'json' | 'modes'>> = {
    '--duration-ms': 'durationMs',
    '--warmup-ms': 'warmupMs',
    '--entities': 'entities',
    '--latency-ms': 'latencyMs',
    '--max-prediction': 'maxPrediction',
    '--dom-nodes': 'domNodes',
    '--rects': 'rects',
    '--wait-quiet-ms': 'waitQuietMs',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') args.json = true;
    else if (a === '--modes') {
      const modes = (argv[++i] ?? '').split(',');
      if (!modes.length || !modes.every((m) => m === 'none' || m === 'worker' || m === 'main')) {
        throw new Error('--modes takes a comma-separated list of none, worker, main');
      }
      args.modes = modes as Args['modes'];
    }
    else if (a in numeric) {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a non-negative number`);
      args[numeric[a]!] = v;
    } else throw new Error(`unknown option ${a}`);
  }
  if (args.durationMs > 18_000) throw new Error('--duration-ms is at most 18000 (the host keeps 1200 ticks of history)');
  return args;
}

// ------------------------------------------------------------------ statistics

const p50 = (xs: readonly number[]) => sig(percentile(xs, 0.5));
const p99 = (xs: readonly number[]) => sig(percentile(xs, 0.99));
const max = (xs: readonly number[]) => (xs.length ? sig(Math.max(...xs)) : Number.NaN);

function histogramMedian(h: Record<number, number>): number {
  const entries = Object.entries(h)
    .map(([d, c]) => [Number(d), c] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, c]) => s + c, 0);
  if (total === 0) return Number.NaN;
  // Median of the expanded sample list (same interpolation as stats.ts for even counts).
  const at = (k: number) => {
    let seen = 0;
    for (const [d, c] of entries) {
      seen += c;
      if (k < seen) return d;
    }
    return entries[entries.length - 1]![0];
  };
  return (at(Math.floor((total - 1) / 2)) + at(Math.ceil((total - 1) / 2))) / 2;
}

type CpuWindow = (NonNullable<ReturnType<typeof cpuWindow>> & { waitedForQuietMs?: number }) | null;

function runSummary(run: RunSamples, noEngineMedianInterval: number, cpu: CpuWindow = null) {
  const e = run.engine;
  return {
    windowMs: sig(run.windowMs),
    cpu,
    frames: run.rafIntervals.length,
    frameP50Ms: p50(run.rafIntervals),
    frameP99Ms: p99(run.rafIntervals),
    frameMaxMs: max(run.rafIntervals),
    rafCallbackIntervalP99Ms: p99(run.rafCallbackIntervals),
    droppedFrames: run.rafIntervals.filter((x) => x > 1.5 * noEngineMedianInterval).length,
    longTasks: run.longTaskDurations.length,
    longTaskMaxMs: max(run.longTaskDurations),
    uiWorkMsP50: p50(run.uiWorkMs),
    uiWorkMsP99: p99(run.uiWorkMs),
    frameBusyMsP50: p50(run.frameBusyMs),
    frameBusyMsP99: p99(run.frameBusyMs),
    echoPackets: run.echoRoundTrip.length,
    packetHopPageToWorkerP50Ms: p50(run.echoPageToWorker),
    packetHopPageToWorkerP99Ms: p99(run.echoPageToWorker),
    packetHopWorkerToPageP50Ms: p50(run.echoWorkerToPage),
    packetHopWorkerToPageP99Ms: p99(run.echoWorkerToPage),
    packetHopRoundTripP50Ms: p50(run.echoRoundTrip),
    packetHopRoundTripP99Ms: p99(run.echoRoundTrip),
    ...(e
      ? {
          renderLatencyP50Ms: p50(run.renderLatency),
          renderLatencyP99Ms: p99(run.renderLatency),
          arrivalToTickP50Ms: p50(run.arrivalToTick),
          arrivalToTickP99Ms: p99(run.arrivalToTick),
          packetsDelivered: run.packetsDelivered,
          ticks: e.ticks,
          renders: e.renders,
          rollbacks: e.rollbacks,
          rollbacksPerTick: e.ticks ? sig(e.rollbacks / e.ticks) : Number.NaN,
          inputChangeFraction: e.inputChangeFraction === null ? null : sig(e.inputChangeFraction),
          medianRollbackDepth: histogramMedian(e.rollbackHistogram),
          rollbackHistogram: e.rollbackHistogram,
          rollbackMsPerRollback: e.rollbacks ? sig(e.rollbackMs / e.rollbacks) : Number.NaN,
          stalls: e.stalls,
          desyncsTotal: e.desyncs,
          malformedTotal: e.malformed,
          confirmedHashesAgree: e.confirmedHashesAgree,
          hostTickIntervalP99Ms: e.tickIntervalP99Ms.map((x) => sig(x)),
        }
      : {}),
  };
}

interface HostInfo {
  /** os.loadavg() (1, 5, 15 min) just before launching Chromium and right after the page finished. */
  loadAvgBefore: number[];
  loadAvgAfter: number[];
}

function report(result: PageResult, args: Args, chromiumVersion: string, host: HostInfo, cpu: Record<string, CpuWindow>) {
  const byMode = (m: RunSamples['mode']) => {
    const r = result.runs.find((x) => x.mode === m);
    if (!r) throw new Error(`the page returned no ${m} run`);
    return r;
  };
  const none = byMode('none');
  const worker = byMode('worker');
  const main = byMode('main');
  const noEngineMedian = median(none.rafIntervals);
  const sNone = runSummary(none, noEngineMedian, cpu.none ?? null);
  const sWorker = runSummary(worker, noEngineMedian, cpu.worker ?? null);
  const sMain = runSummary(main, noEngineMedian, cpu.main ?? null);
  return {
    mainThreadFrameP50MsNoEngine: sNone.frameP50Ms,
    mainThreadFrameP50MsWorker: sWorker.frameP50Ms,
    mainThreadFrameP50MsMainThread: sMain.frameP50Ms,
    mainThreadFrameP99MsNoEngine: sNone.frameP99Ms,
    mainThreadFrameP99MsWorker: sWorker.frameP99Ms,
    mainThreadFrameP99MsMainThread: sMain.frameP99Ms,
    mainThreadFrameMaxMsNoEngine: sNone.frameMaxMs,
    mainThreadFrameMaxMsWorker: sWorker.frameMaxMs,
    mainThreadFrameMaxMsMainThread: sMain.frameMaxMs,
    longTasksNoEngine: sNone.longTasks,
    longTasksWorker: sWorker.longTasks,
    longTasksMainThread: sMain.longTasks,
    droppedFramesNoEngine: sNone.droppedFrames,
    droppedFramesWorker: sWorker.droppedFrames,
    droppedFramesMainThread: sMain.droppedFrames,
    workerP99VsNoEngineRatio: sig(sWorker.frameP99Ms / sNone.frameP99Ms),
    mainThreadP99VsNoEngineRatio: sig(sMain.frameP99Ms / sNone.frameP99Ms),
    packetHopP50Ms: sWorker.packetHopPageToWorkerP50Ms,
    packetHopP99Ms: sWorker.packetHopPageToWorkerP99Ms,
    packetHopWorkerToPageP50Ms: sWorker.packetHopWorkerToPageP50Ms,
    packetHopWorkerToPageP99Ms: sWorker.packetHopWorkerToPageP99Ms,
    packetHopRoundTripP50Ms: sWorker.packetHopRoundTripP50Ms,
    packetHopRoundTripP99Ms: sWorker.packetHopRoundTripP99Ms,
    packetHopDefinition: DEFINITIONS.packetHop,
    renderLatencyP50Ms: sWorker.renderLatencyP50Ms,
    renderLatencyP99Ms: sWorker.renderLatencyP99Ms,
    renderLatencyP99MsMainThread: sMain.renderLatencyP99Ms,
    rollbacksPerTick: sWorker.rollbacksPerTick,
    medianRollbackDepth: sWorker.medianRollbackDepth,
    rollbacksPerTickMainThread: sMain.rollbacksPerTick,
    medianRollbackDepthMainThread: sMain.medianRollbackDepth,
    otherCpuCoresMax: Math.max(...[cpu.none, cpu.worker, cpu.main].map((c) => c?.otherCores ?? Number.NaN)),
    entities: args.entities,
    chromium: chromiumVersion,
    date: new Date().toISOString(),
    config: {
      durationMsPerRun: args.durationMs,
      waitQuietMs: args.waitQuietMs,
      warmupMsPerRun: args.warmupMs,
      players: 2,
      game: `swarm?entities=${args.entities}`,
      inputDelay: 0,
      maxPrediction: args.maxPrediction,
      latencyMsOneWay: args.latencyMs,
      jitterMs: 0,
      loss: 0,
      heavyUi: { domNodes: args.domNodes, rects: args.rects, canvas: '800x600 2D', gamePoints: 256 },
      hardwareConcurrency: result.hardwareConcurrency,
      crossOriginIsolated: result.crossOriginIsolated,
      userAgent: result.userAgent,
      chromiumArgs: CHROMIUM_ARGS,
      loadAvgBefore: host.loadAvgBefore.map((x) => sig(x, 3)),
      loadAvgAfter: host.loadAvgAfter.map((x) => sig(x, 3)),
    },
    runs: { none: sNone, worker: sWorker, main: sMain },
    definitions: DEFINITIONS,
  };
}

function printTable(r: ReturnType<typeof report>): void {
  const rows: [string, unknown, unknown, unknown][] = [
    ['rAF interval p50 (ms)', r.runs.none.frameP50Ms, r.runs.worker.frameP50Ms, r.runs.main.frameP50Ms],
    ['rAF interval p99 (ms)', r.runs.none.frameP99Ms, r.runs.worker.frameP99Ms, r.runs.main.frameP99Ms],
    ['rAF interval max (ms)', r.runs.none.frameMaxMs, r.runs.worker.frameMaxMs, r.runs.main.frameMaxMs],
    ['dropped frames', r.runs.none.droppedFrames, r.runs.worker.droppedFrames, r.runs.main.droppedFrames],
    ['long tasks', r.runs.none.longTasks, r.runs.worker.longTasks, r.runs.main.longTasks],
    ['UI work p50 (ms)', r.runs.none.uiWorkMsP50, r.runs.worker.uiWorkMsP50, r.runs.main.uiWorkMsP50],
    ['echo page→worker p50/p99', `${r.runs.none.packetHopPageToWorkerP50Ms}/${r.runs.none.packetHopPageToWorkerP99Ms}`,
      `${r.runs.worker.packetHopPageToWorkerP50Ms}/${r.runs.worker.packetHopPageToWorkerP99Ms}`,
      `${r.runs.main.packetHopPageToWorkerP50Ms}/${r.runs.main.packetHopPageToWorkerP99Ms}`],
    ['echo worker→page p50/p99', `${r.runs.none.packetHopWorkerToPageP50Ms}/${r.runs.none.packetHopWorkerToPageP99Ms}`,
      `${r.runs.worker.packetHopWorkerToPageP50Ms}/${r.runs.worker.packetHopWorkerToPageP99Ms}`,
      `${r.runs.main.packetHopWorkerToPageP50Ms}/${r.runs.main.packetHopWorkerToPageP99Ms}`],
    ['render latency p50/p99', '-', `${r.runs.worker.renderLatencyP50Ms}/${r.runs.worker.renderLatencyP99Ms}`,
      `${r.runs.main.renderLatencyP50Ms}/${r.runs.main.renderLatencyP99Ms}`],
    ['rollbacks per tick', '-', r.runs.worker.rollbacksPerTick, r.runs.main.rollbacksPerTick],
    ['median rollback depth', '-', r.runs.worker.medianRollbackDepth, r.runs.main.medianRollbackDepth],
    ['stalls', '-', r.runs.worker.stalls, r.runs.main.stalls],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const cell = (v: unknown) => String(v).padStart(16);
  console.log(`netroll browser bench — ${r.config.game}, ${r.chromium}, ${r.config.hardwareConcurrency} cores`);
  console.log(`${''.padEnd(w0)}${cell('none')}${cell('worker')}${cell('main')}`);
  for (const [name, a, b, c] of rows) console.log(`${name.padEnd(w0)}${cell(a)}${cell(b)}${cell(c)}`);
  console.log(`worker p99 / none p99 = ${r.workerP99VsNoEngineRatio}; main p99 / none p99 = ${r.mainThreadP99VsNoEngineRatio}`);
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
  /** CPU time of this Node process (Vite server + Playwright), seconds. */
  self: number;
}

/** CPU seconds of the Chromium processes descending from `rootPid`, and their command names. */
function descendantsCpu(rootPid: number): { seconds: number; names: string[] } {
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
        }
        break;
      }
      if (/chrom|headless/i.test(comm.get(p) ?? '')) viaChromium = true;
    }
  }
  return { seconds, names: [...names].sort() };
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
  return {
    allCores: sig(busy, 3),
    chromiumCores: sig(chromium, 3),
    childProcesses: b.childNames,
    benchNodeCores: sig(self, 3),
    /** Everything else on the machine (other users' builds and tests): disturbance. */
    otherCores: sig(Math.max(0, busy - chromium - self), 3),
  };
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
  const budgetMs = 3 * (args.durationMs + args.warmupMs + args.waitQuietMs) + 90_000;
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
    const marks = new Map<string, CpuSample | null>();
    const waitedMs: Record<string, number> = {};
    await page.exposeFunction('__netrollBenchMark', async (mode: string, phase: string) => {
      if (phase === 'wait') {
        if (args.waitQuietMs > 0) waitedMs[mode] = await waitForQuiet(args.waitQuietMs);
        return;
      }
      marks.set(`${mode}:${phase}`, cpuSample());
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
    const options: PageOptions = {
      durationMs: args.durationMs,
      warmupMs: args.warmupMs,
      entities: args.entities,
      latencyMs: args.latencyMs,
      maxPrediction: args.maxPrediction,
      domNodes: args.domNodes,
      rects: args.rects,
      echoIntervalMs: 1000 / 60,
      modes: args.modes,
    };
    // Chromium's own start-up work (e.g. its WebUI omnibox renderer) takes a few
    // seconds of CPU: let it finish before the first run.
    await page.waitForTimeout(SETTLE_MS);
    log(`running none / worker / main, ${args.durationMs} ms each (+${args.warmupMs} ms warm-up)…`);
    const result = await page.evaluate(
      (opts) => (globalThis as unknown as { __netrollBench: PageApi }).__netrollBench.run(opts),
      options,
    );
    const host = { loadAvgBefore, loadAvgAfter: loadavg() };
    const cpu: Record<string, CpuWindow> = {};
    for (const m of args.modes) {
      const w = cpuWindow(marks.get(`${m}:start`) ?? undefined, marks.get(`${m}:end`) ?? undefined);
      cpu[m] = w && { ...w, waitedForQuietMs: waitedMs[m] ?? 0 };
    }
    if (args.modes.length === 3 && new Set(args.modes).size === 3) {
      const out = report(result, args, chromiumVersion, host, cpu);
      if (args.json) console.log(JSON.stringify(out));
      else printTable(out);
    } else {
      // Partial (calibration) run: per-run summaries only; dropped frames use this set's first run as baseline.
      const base = median(result.runs[0]?.rafIntervals ?? []);
      const runs = Object.fromEntries(result.runs.map((r) => [r.mode, runSummary(r, base, cpu[r.mode] ?? null)]));
      const out = { partial: true, modes: args.modes, entities: args.entities, heavyUi: { domNodes: args.domNodes, rects: args.rects }, host, chromium: chromiumVersion, runs };
      console.log(args.json ? JSON.stringify(out) : JSON.stringify(out, null, 2));
    }
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
