/**
 * The browser bench page (driven by `bench/browser.ts` through Playwright).
 *
 * One page, three runs, each with the same heavy UI running every
 * requestAnimationFrame:
 *   - `none`:   the heavy UI alone;
 *   - `worker`: + two swarm sessions whose engines run in module workers
 *               (`worker/builtin.ts`), linked by the in-page memory network;
 *   - `main`:   the same two sessions with `engine: { mainThread }` (the same
 *               EngineHost on this page's main thread).
 * The page only collects raw samples; `bench/browser.ts` computes the
 * statistics. Nothing here asserts on timings.
 */
import { createSession, type Session } from '../../main/session.ts';
import { createMemoryNetwork, type PacketTransport } from '../../main/transport.ts';
import { decodeInputLog } from '../../src/engine/input-log.ts';
import { gameFromSpec } from '../../src/games/index.ts';
import type { SwarmRender } from '../../src/games/swarm.ts';
import { Prng } from '../../src/util/prng.ts';
import type { HostMetrics, HostStats, RenderFrame, TickSample } from '../../worker/api.ts';
import type { EchoSamples } from './echo-worker.ts';
import type { EngineWindow, PageApi, PageOptions, PageResult, RunMode, RunSamples } from './types.ts';

declare global {
  interface Window {
    __netrollBench?: PageApi;
    /**
     * Exposed by bench/browser.ts: `wait` returns once the machine is quiet (if asked to
     * wait), `start`/`end` sample CPU counters at the window's start and end.
     */
    __netrollBenchMark?: (mode: string, phase: 'wait' | 'start' | 'end') => Promise<void>;
  }
}

/** The clock RenderFrame.producedAt and TickSample.t use (absolute, ms). */
const absNow = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------ long tasks

interface LongTask {
  start: number;
  duration: number;
}
const longTasks: LongTask[] = [];
let longTaskObserver: PerformanceObserver | null = null;
try {
  longTaskObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
  });
  longTaskObserver.observe({ type: 'longtask', buffered: true });
} catch {
  longTaskObserver = null; // not supported: counts stay 0 and the Node side reports it
}

function flushLongTasks(): void {
  if (!longTaskObserver) return;
  for (const e of longTaskObserver.takeRecords()) longTasks.push({ start: e.startTime, duration: e.duration });
}

// ------------------------------------------------------------------ heavy UI

const PALETTE = Array.from({ length: 16 }, (_, i) => `hsl(${i * 22.5}, 70%, 55%)`);
const CANVAS_W = 800;
const CANVAS_H = 600;
const GAME_POINTS = 256;

/**
 * A deliberately heavy UI: every frame it rewrites the text, transform and
 * colour of `domNodes` absolutely positioned nodes, forces style + layout
 * (so that cost is inside the measured work), clears a 800×600 2D canvas
 * and draws `rects` 4×4 rects in 16 colours plus the game layer (the swarm's
 * 256 sampled entities and the cursors; 256 placeholder points when no
 * engine runs, so the work is the same in every run).
 */
class HeavyUi {
  private readonly nodes: HTMLDivElement[] = [];
  private readonly container: HTMLDivElement;
  private readonly ctx: CanvasRenderingContext2D;
  private frame = 0;

  constructor(
    root: HTMLElement,
    private readonly rects: number,
    domNodes: number,
  ) {
    this.container = document.createElement('div');
    this.container.style.cssText = 'position:relative;width:800px;height:300px;overflow:hidden;background:#1a1a1a';
    for (let i = 0; i < domNodes; i++) {
      const n = document.createElement('div');
      n.style.cssText = 'position:absolute;left:0;top:0;padding:1px 2px;font:11px monospace;color:#000';
      n.textContent = '0';
      this.container.appendChild(n);
      this.nodes.push(n);
    }
    const canvas = document.createElement('canvas');
    canvas.width = CANVAS_W;
    canvas.height = CANVAS_H;
    canvas.style.display = 'block';
    root.append(this.container, canvas);
    // willReadFrequently: a CPU-backed canvas (it is one anyway with --disable-gpu), read back every frame.
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D canvas context');
    this.ctx = ctx;
  }

  draw(game: SwarmRender | null): void {
    const f = ++this.frame;
    const nodes = this.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      n.textContent = String((f * 31 + i * 17) % 100000);
      n.style.transform = `translate(${(i * 37 + f * 3) % 740}px, ${(i * 11 + f) % 284}px)`;
      n.style.backgroundColor = PALETTE[(i + f) & 15]!;
    }
    void this.container.offsetHeight; // style + layout now, inside the measured work

    const ctx = this.ctx;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, CANVAS_W, CANVAS_H);
    const per = Math.ceil(this.rects / 16);
    let drawn = 0;
    for (let c = 0; c < 16 && drawn < this.rects; c++) {
      ctx.fillStyle = PALETTE[c]!;
      for (let k = 0; k < per && drawn < this.rects; k++, drawn++) {
        ctx.fillRect((k * 73 + c * 191 + f * 5) % (CANVAS_W - 4), (k * 29 + c * 53 + f * 3) % (CANVAS_H - 4), 4, 4);
      }
    }
    ctx.fillStyle = '#fff';
    if (game) {
      const sx = CANVAS_W / game.width;
      const sy = CANVAS_H / game.height;
      const s = game.sample;
      for (let k = 0; k + 1 < s.length; k += 2) ctx.fillRect(s[k]! * sx, s[k + 1]! * sy, 3, 3);
      for (const cur of game.cursors) {
        ctx.strokeStyle = cur.repel ? '#f44' : '#4f4';
        ctx.strokeRect(cur.x * sx - 6, cur.y * sy - 6, 12, 12);
      }
    } else {
      for (let k = 0; k < GAME_POINTS; k++) ctx.fillRect((k * 97 + f) % CANVAS_W, (k * 61 + f) % CANVAS_H, 3, 3);
      ctx.strokeStyle = '#4f4';
      ctx.strokeRect(100, 100, 12, 12);
      ctx.strokeRect(300, 100, 12, 12);
    }
    // Read one pixel back: forces the canvas's recorded draw calls to be
    // rasterized now, inside the measured work, instead of later in the frame.
    this.sink ^= ctx.getImageData(f % CANVAS_W, 0, 1, 1).data[0]!;
  }

  /** Keeps the read-back pixel alive. */
  private sink = 0;
}

// ------------------------------------------------------------------ rAF loop

interface Recorder {
  rafIntervals: number[];
  rafCallbackIntervals: number[];
  uiWorkMs: number[];
  frameBusyMs: number[];
}

let recorder: Recorder | null = null;
let uiRunning = false;
let gameView: () => SwarmRender | null = () => null;

function startUiLoop(ui: HeavyUi): void {
  uiRunning = true;
  let lastTs = -1;
  let lastCb = -1;
  // A message posted from the rAF callback is handled after this frame's
  // rendering steps (style, layout, paint) finished on the main thread.
  const probe = new MessageChannel();
  let probeFrom = -1;
  let probeRec: Recorder | null = null;
  probe.port1.onmessage = () => {
    if (probeRec && probeFrom >= 0) probeRec.frameBusyMs.push(performance.now() - probeFrom);
    probeFrom = -1;
  };
  const onFrame = (ts: number) => {
    const cb = performance.now();
    ui.draw(gameView());
    const work = performance.now() - cb;
    const rec = recorder;
    if (probeFrom < 0) {
      probeFrom = cb;
      probeRec = rec;
      probe.port2.postMessage(0);
    }
    if (rec) {
      if (lastTs >= 0) {
        rec.rafIntervals.push(ts - lastTs);
        rec.rafCallbackIntervals.push(cb - lastCb);
      }
      rec.uiWorkMs.push(work);
    }
    lastTs = ts;
    lastCb = cb;
    if (uiRunning) requestAnimationFrame(onFrame);
  };
  requestAnimationFrame(onFrame);
}

// ------------------------------------------------------------------ echo worker

class Echo {
  private readonly worker = new Worker(new URL('./echo-worker.ts', import.meta.url), { type: 'module' });
  private readonly channel = new MessageChannel();

  constructor(intervalMs: number) {
    // The page side of the pipe: bounce every packet straight back, as the
    // session forwards transport packets to its engine (`{ peer, buf }`, buf transferred).
    this.channel.port1.onmessage = (ev: MessageEvent<{ peer: number; buf: ArrayBuffer }>) => {
      const { peer, buf } = ev.data;
      new Float64Array(buf)[2] = absNow();
      this.channel.port1.postMessage({ peer, buf }, [buf]);
    };
    this.worker.postMessage({ type: 'start', port: this.channel.port2, intervalMs }, [this.channel.port2]);
  }

  collect(): Promise<EchoSamples> {
    return new Promise((resolve) => {
      this.worker.onmessage = (ev: MessageEvent<EchoSamples>) => resolve(ev.data);
      this.worker.postMessage({ type: 'collect' });
    });
  }

  close(): void {
    this.worker.postMessage({ type: 'stop' });
    this.channel.port1.close();
    this.worker.terminate();
  }
}

// ------------------------------------------------------------------ sessions

interface Pair {
  sessions: Session[];
  /** Page-side arrival times (absolute ms) of packets the network delivered, per session, while recording. */
  arrivals: number[][];
  renderLatency: number[];
  renders: number;
  recording: boolean;
}

/** Pass-through wrapper that stamps every delivered packet's arrival on the page. */
function stampingTransport(inner: PacketTransport, pair: Pair, index: number): PacketTransport {
  return {
    send: (peer, packet) => inner.send(peer, packet),
    onPacket: (handler) =>
      inner.onPacket((peer, packet) => {
        if (pair.recording) pair.arrivals[index]!.push(absNow());
        handler(peer, packet);
      }),
    close: () => inner.close?.(),
  };
}

async function startPair(mode: Exclude<RunMode, 'none'>, opts: PageOptions): Promise<Pair> {
  const pair: Pair = { sessions: [], arrivals: [[], []], renderLatency: [], renders: 0, recording: false };
  const network = createMemoryNetwork(2, { latencyMs: opts.latencyMs, jitterMs: 0, loss: 0, seed: 7 });
  pair.sessions = await Promise.all(
    network.map((transport, p) =>
      createSession({
        game: `swarm?entities=${opts.entities}`,
        players: 2,
        localPlayer: p,
        seed: 1234,
        inputDelay: 0,
        maxPrediction: opts.maxPrediction,
        engine:
          mode === 'worker'
            ? new Worker(new URL('../../worker/builtin.ts', import.meta.url), { type: 'module' })
            : { mainThread: (cfg) => gameFromSpec(cfg.game) },
        transport: stampingTransport(transport, pair, p),
        // Started together below, so both tick loops have (nearly) the same phase and a
        // packet sent on a tick arrives mid-way between the receiver's ticks.
        autoStart: false,
      }),
    ),
  );
  // Random input, different from the previous one, set once per delivered
  // render (i.e. once per engine tick), so the peer mispredicts every frame.
  pair.sessions.forEach((session, p) => {
    let last = 0;
    const rng = new Prng(0x9e3779b9 ^ (p + 1));
    session.onRender((frame: RenderFrame) => {
      if (pair.recording) {
        pair.renderLatency.push(absNow() - frame.producedAt);
        pair.renders++;
      }
      let next = rng.nextInt(32); // 5 input bits: up, down, left, right, action
      if (next === last) next = (next + 1) & 31;
      last = next;
      session.setInput(Uint8Array.of(next));
    });
  });
  await Promise.all(pair.sessions.map((s) => s.start()));
  const first = pair.sessions[0]!;
  gameView = () => (first.latestRender()?.state as SwarmRender | null | undefined) ?? null;
  return pair;
}

interface Snapshot {
  stats: HostStats;
  histogram: Record<number, number>;
}

async function snapshot(pair: Pair): Promise<Snapshot[]> {
  return Promise.all(
    pair.sessions.map(async (s) => {
      const m: HostMetrics = await s.exportSessionMetrics();
      return { stats: m.stats, histogram: m.rollbackHistogram };
    }),
  );
}

function engineWindow(before: Snapshot[], after: Snapshot[], metrics: HostMetrics[], renders: number): EngineWindow {
  const w: EngineWindow = {
    ticks: 0,
    rollbacks: 0,
    rollbackFrames: 0,
    rollbackMs: 0,
    stalls: 0,
    desyncs: 0,
    malformed: 0,
    rollbackHistogram: {},
    tickIntervalP99Ms: [],
    renders,
    confirmedHashesAgree: null,
    inputChangeFraction: null,
  };
  for (let i = 0; i < after.length; i++) {
    const a = after[i]!.stats;
    const b = before[i]!.stats;
    w.ticks += a.ticks - b.ticks;
    w.rollbacks += a.rollbacks - b.rollbacks;
    w.rollbackFrames += a.rollbackFrames - b.rollbackFrames;
    w.rollbackMs += a.rollbackMs - b.rollbackMs;
    w.stalls += a.stalls - b.stalls;
    w.desyncs += a.desyncs;
    w.malformed += a.malformed;
    w.tickIntervalP99Ms.push(a.tickIntervalP99Ms);
    for (const [depth, count] of Object.entries(after[i]!.histogram)) {
      const d = Number(depth);
      const diff = count - (before[i]!.histogram[d] ?? 0);
      if (diff > 0) w.rollbackHistogram[d] = (w.rollbackHistogram[d] ?? 0) + diff;
    }
  }
  // Periodic confirmed-state hashes both peers took for the same frames must agree.
  const [h0, h1] = metrics.map((m) => new Map(m.hashes.map((h) => [h.frame, h.hash])));
  let compared = 0;
  let agree = true;
  for (const [frame, hash] of h0 ?? []) {
    const other = h1?.get(frame);
    if (other === undefined) continue;
    compared++;
    if (other !== hash) agree = false;
  }
  w.confirmedHashesAgree = compared > 0 ? agree : null;
  // From the confirmed input log (identical on both peers): over the window's confirmed
  // frames, the fraction of (frame, player) whose input differs from the previous frame's.
  // A peer mispredicts a remote frame exactly when it does, so this bounds rollbacks per tick.
  const decoded = metrics[0] ? decodeInputLog(metrics[0].inputLog) : null;
  if (decoded?.ok) {
    const { inputs, players, inputSize, frames } = decoded.log;
    const from = Math.max(1, Math.min(...before.map((b) => b.stats.confirmedFrame)) + 1);
    const to = Math.min(frames - 1, ...after.map((a) => a.stats.confirmedFrame));
    let changed = 0;
    let total = 0;
    for (let f = from; f <= to; f++) {
      for (let p = 0; p < players; p++) {
        const at = (f * players + p) * inputSize;
        const prev = at - players * inputSize;
        let diff = false;
        for (let b = 0; b < inputSize; b++) if (inputs[at + b] !== inputs[prev + b]) diff = true;
        total++;
        if (diff) changed++;
      }
    }
    w.inputChangeFraction = total > 0 ? changed / total : null;
  }
  return w;
}

/** For each arrival, the wait until the first tick that started at or after it (ms). */
function arrivalToTick(arrivals: number[], ticks: TickSample[]): number[] {
  const out: number[] = [];
  if (ticks.length === 0) return out;
  const t = ticks.map((s) => s.t);
  for (const a of arrivals) {
    if (a < t[0]!) continue; // older than the host's history
    let lo = 0;
    let hi = t.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (t[mid]! < a) lo = mid + 1;
      else hi = mid;
    }
    if (lo < t.length) out.push(t[lo]! - a);
  }
  return out;
}

// ------------------------------------------------------------------ runs

function emptyRun(mode: RunMode): RunSamples {
  return {
    mode,
    windowMs: 0,
    rafIntervals: [],
    rafCallbackIntervals: [],
    uiWorkMs: [],
    frameBusyMs: [],
    longTaskDurations: [],
    echoWorkerToPage: [],
    echoPageToWorker: [],
    echoRoundTrip: [],
    renderLatency: [],
    arrivalToTick: [],
    packetsDelivered: 0,
    engine: null,
  };
}

async function runOne(mode: RunMode, opts: PageOptions, echo: Echo): Promise<RunSamples> {
  const out = emptyRun(mode);
  const pair = mode === 'none' ? null : await startPair(mode, opts);
  try {
    await sleep(opts.warmupMs);
    await window.__netrollBenchMark?.(mode, 'wait'); // bench/browser.ts --wait-quiet-ms
    const before = pair ? await snapshot(pair) : null;
    await echo.collect(); // drop the warm-up samples
    const rec: Recorder = {
      rafIntervals: out.rafIntervals,
      rafCallbackIntervals: out.rafCallbackIntervals,
      uiWorkMs: out.uiWorkMs,
      frameBusyMs: out.frameBusyMs,
    };
    flushLongTasks();
    const firstLongTask = longTasks.length;
    await window.__netrollBenchMark?.(mode, 'start');
    const start = performance.now();
    recorder = rec;
    if (pair) pair.recording = true;
    await sleep(opts.durationMs);
    recorder = null;
    if (pair) pair.recording = false;
    const end = performance.now();
    await window.__netrollBenchMark?.(mode, 'end');
    out.windowMs = end - start;
    flushLongTasks();
    for (const lt of longTasks.slice(firstLongTask)) {
      if (lt.start >= start && lt.start < end) out.longTaskDurations.push(lt.duration);
    }
    const echoed = await echo.collect();
    out.echoWorkerToPage = echoed.workerToPage;
    out.echoPageToWorker = echoed.pageToWorker;
    out.echoRoundTrip = echoed.roundTrip;
    if (pair) {
      const after = await snapshot(pair);
      const metrics = await Promise.all(pair.sessions.map((s) => s.exportSessionMetrics()));
      out.engine = engineWindow(before!, after, metrics, pair.renders);
      out.renderLatency = pair.renderLatency;
      const histories = await Promise.all(pair.sessions.map((s) => s.tickHistory()));
      histories.forEach((h, i) => out.arrivalToTick.push(...arrivalToTick(pair.arrivals[i]!, h)));
      out.packetsDelivered = pair.arrivals[0]!.length + pair.arrivals[1]!.length;
    }
  } finally {
    gameView = () => null;
    if (pair) await Promise.all(pair.sessions.map((s) => s.close()));
  }
  return out;
}

async function run(opts: PageOptions): Promise<PageResult> {
  const root = document.getElementById('app');
  if (!root) throw new Error('no #app element');
  root.replaceChildren();
  const ui = new HeavyUi(root, opts.rects, opts.domNodes);
  startUiLoop(ui);
  const echo = new Echo(opts.echoIntervalMs);
  const runs: RunSamples[] = [];
  try {
    for (const mode of opts.modes) runs.push(await runOne(mode, opts, echo));
  } finally {
    uiRunning = false;
    echo.close();
  }
  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    runs,
  };
}

window.__netrollBench = { ready: true, run };
