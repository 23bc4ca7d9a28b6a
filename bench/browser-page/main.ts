/**
 * The browser bench page (driven by `bench/browser.ts` through Playwright).
 *
 * Each run measures one page with at most ONE engine (the measured peer,
 * player 0: `swarm?entities=N`, netroll's default inputDelay and
 * maxPrediction), in a module worker (`worker/builtin.ts`) or on this page's
 * main thread (`engine: { mainThread }`), or none at all. Its peer is the
 * scripted remote of `remote-worker.ts` (a stateless game on netroll's real
 * engine, in its own worker, costing microseconds a tick); the link's latency
 * is applied inside that worker, so this page's main thread handles every
 * packet exactly once per direction, as with a DataChannel.
 *
 * - Scenario A (long tasks): a light UI (the game layer only) and, every
 *   `longTaskEveryMs`, a framework-like long task of `longTaskMinMs`..`MaxMs`
 *   (DOM writes, forced layout, canvas drawing without yielding). Also run
 *   without the long tasks (`longTasks: false`): the baseline of scenario C.
 * - Scenario B (continuous load): the heavy UI of `demo/heavy-ui.ts` taking
 *   `uiBudgetMs` of every frame, and a remote whose input changes every frame
 *   with a one-way latency that makes every tick roll back 7-8 frames.
 *
 * The page only collects raw samples; `bench/browser.ts` computes the
 * statistics. Nothing here asserts on timings.
 */
import { HeavyLoad } from '../../demo/heavy-ui.ts';
import { createSession, type Session } from '../../main/session.ts';
import { EngineChannels } from '../../main/engine-channels.ts';
import type { PacketTransport } from '../../main/transport.ts';
import { gameFromSpec } from '../../src/games/index.ts';
import type { SwarmRender } from '../../src/games/swarm.ts';
import { Prng } from '../../src/util/prng.ts';
import type { EngineStats } from '../../src/engine/types.ts';
import type { HostStats, RenderFrame } from '../../worker/api.ts';
import type { EngineWindow, PageApi, PageOptions, PageResult, RunSamples, RunSpec, ScenarioOptions } from './types.ts';

declare global {
  interface Window {
    __netrollBench?: PageApi;
    /**
     * Exposed by bench/browser.ts: `wait` returns once the machine is quiet (if asked to
     * wait), `start`/`end` sample CPU counters at the window's start and end, `remote`
     * tells it that the scripted remote's worker thread runs and the measured engine's
     * worker does not exist yet (so its CPU is counted apart).
     */
    __netrollBenchMark?: (label: string, phase: 'wait' | 'start' | 'end' | 'remote') => Promise<void>;
  }
}

/** The clock RenderFrame.producedAt, TickSample.t and the remote's sentAt use (absolute, ms). */
const absNow = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------ long tasks (observed)

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
  longTaskObserver = null; // not supported: counts stay 0
}

function flushLongTasks(): void {
  if (!longTaskObserver) return;
  for (const e of longTaskObserver.takeRecords()) longTasks.push({ start: e.startTime, duration: e.duration });
}

// ------------------------------------------------------------------ UI

/** Points of the game layer drawn when no engine runs, so the UI work is the same in every mode. */
const PLACEHOLDER_POINTS = 256;

class Ui {
  /** Heavy UI work per frame, ms (0: the game layer only). */
  budgetMs = 0;
  game: () => SwarmRender | null = () => null;
  private frameNo = 0;

  constructor(readonly load: HeavyLoad) {}

  draw(): void {
    const f = ++this.frameNo;
    const { canvas, ctx } = this.load;
    if (this.budgetMs > 0) this.load.frame(this.budgetMs);
    else {
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
    }
    ctx.fillStyle = '#fff';
    const game = this.game();
    if (game) {
      const sx = canvas.width / game.width;
      const sy = canvas.height / game.height;
      const s = game.sample;
      for (let k = 0; k + 1 < s.length; k += 2) ctx.fillRect(s[k]! * sx, s[k + 1]! * sy, 3, 3);
      for (const cur of game.cursors) {
        ctx.strokeStyle = cur.repel ? '#f44' : '#4f4';
        ctx.strokeRect(cur.x * sx - 6, cur.y * sy - 6, 12, 12);
      }
    } else {
      for (let k = 0; k < PLACEHOLDER_POINTS; k++) ctx.fillRect((k * 97 + f) % canvas.width, (k * 61 + f) % canvas.height, 3, 3);
      ctx.strokeStyle = '#4f4';
      ctx.strokeRect(100, 100, 12, 12);
      ctx.strokeRect(300, 100, 12, 12);
    }
  }
}

interface Recorder {
  rafIntervals: number[];
  rafCallbackIntervals: number[];
  uiWorkMs: number[];
  frameBusyMs: number[];
}

let recorder: Recorder | null = null;
let uiRunning = false;

function startUiLoop(ui: Ui): void {
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
    ui.draw();
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

// ------------------------------------------------------------------ measured peer + scripted remote

interface Peer {
  session: Session;
  remote: Worker;
  recording: boolean;
  packetDelay: number[];
  /** Page handler times (absolute) of remote packets while recording. */
  arrivals: number[];
  renderLatency: number[];
  renders: number;
}

/** Resolves once the remote's worker thread answers (it runs). */
function remoteRunning(remote: Worker): Promise<void> {
  return new Promise((resolve) => {
    remote.onmessage = () => resolve();
    remote.postMessage({ type: 'ping' });
  });
}

function remoteStats(remote: Worker): Promise<EngineStats> {
  return new Promise((resolve) => {
    remote.onmessage = (ev: MessageEvent<EngineStats>) => resolve(ev.data);
    remote.postMessage({ type: 'stats' });
  });
}

async function startPeer(spec: RunSpec, sc: ScenarioOptions, opts: PageOptions, ui: Ui): Promise<Peer> {
  const remote = new Worker(new URL('./remote-worker.ts', import.meta.url), { type: 'module' });
  const link = new MessageChannel();
  const peer: Peer = { session: null!, remote, recording: false, packetDelay: [], arrivals: [], renderLatency: [], renders: 0 };
  let transport: PacketTransport;
  if (spec.channels === 'page') {
    // The page's end of the link: what a DataChannel kept on this thread does (`mesh.channelsInEngine: false`).
    transport = {
      send: (_to, packet) => link.port1.postMessage({ buf: packet }, [packet]),
      onPacket: (handler) => {
        link.port1.onmessage = (ev: MessageEvent<{ buf: ArrayBuffer; sentAt: number }>) => {
          if (peer.recording) {
            const now = absNow();
            peer.packetDelay.push(now - ev.data.sentAt);
            peer.arrivals.push(now);
          }
          handler(1, ev.data.buf);
        };
      },
      close: () => link.port1.close(),
    };
  } else {
    // The default: the link's end is handed to the engine's thread, as the mesh hands it each DataChannel.
    const channels = new EngineChannels();
    channels.handOffPort(1, link.port1);
    transport = {
      send: () => undefined, // the engine sends on the channel it holds: nothing passes this page
      onPacket: () => undefined,
      engineChannels: () => channels.port(),
      close: () => channels.close(),
    };
  }
  const game = gameFromSpec(sc.game);
  // The remote's thread runs and the engine's worker is not made yet: bench/browser.ts tells their CPU apart.
  await remoteRunning(remote);
  await window.__netrollBenchMark?.(spec.label, 'remote');
  peer.session = await createSession({
    game: sc.game,
    players: 2,
    localPlayer: 0,
    seed: opts.seed,
    engine:
      spec.mode === 'worker'
        ? new Worker(new URL('../../worker/builtin.ts', import.meta.url), { type: 'module' })
        : { mainThread: (cfg) => gameFromSpec(cfg.game) },
    transport,
    autoStart: false,
    ...(opts.maxPrediction !== null ? { maxPrediction: opts.maxPrediction } : {}),
  });
  const rng = new Prng(opts.seed ^ 0x51ed27);
  let input = 0;
  let renders = 0;
  peer.session.onRender((frame: RenderFrame) => {
    if (peer.recording) {
      peer.renderLatency.push(absNow() - frame.producedAt);
      peer.renders++;
    }
    if (++renders % sc.localChangeEvery === 0) {
      let next = rng.nextInt(32); // 5 input bits: up, down, left, right, action
      if (next === input) next = (next + 1) & 31;
      input = next;
      peer.session.setInput(Uint8Array.of(input));
    }
  });
  // Both ends start together, so their tick loops begin in step.
  remote.postMessage(
    {
      type: 'start',
      port: link.port2,
      config: {
        localPlayer: 1,
        seed: opts.seed,
        inputSize: game.inputSize,
        inputDelay: sc.remoteInputDelay,
        maxPrediction: 8,
        latencyMs: sc.latencyMs,
        changeEvery: sc.remoteChangeEvery,
      },
    },
    [link.port2],
  );
  await peer.session.start();
  ui.game = () => (peer.session.latestRender()?.state as SwarmRender | null | undefined) ?? null;
  return peer;
}

async function closePeer(peer: Peer): Promise<void> {
  peer.remote.postMessage({ type: 'stop' });
  await peer.session.close();
  peer.remote.terminate();
}

function engineWindow(before: HostStats, after: HostStats, renders: number): EngineWindow {
  const hist: Record<number, number> = {};
  for (const [depth, count] of Object.entries(after.rollbackHistogram)) {
    const d = Number(depth);
    const diff = count - (before.rollbackHistogram[d] ?? 0);
    if (diff > 0) hist[d] = diff;
  }
  return {
    ticks: after.ticks - before.ticks,
    rollbacks: after.rollbacks - before.rollbacks,
    rollbackFrames: after.rollbackFrames - before.rollbackFrames,
    rollbackMs: after.rollbackMs - before.rollbackMs,
    stalls: after.stalls - before.stalls,
    desyncs: after.desyncs,
    malformed: after.malformed,
    rollbackHistogram: hist,
    renders,
  };
}

/** For each arrival, the wait until the first tick that started at or after it (ms). */
function arrivalToTick(arrivals: number[], ticks: number[]): number[] {
  const out: number[] = [];
  if (ticks.length === 0) return out;
  for (const a of arrivals) {
    if (a < ticks[0]!) continue; // older than the host's history
    let lo = 0;
    let hi = ticks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ticks[mid]! < a) lo = mid + 1;
      else hi = mid;
    }
    if (lo < ticks.length) out.push(ticks[lo]! - a);
  }
  return out;
}

/** The transit times the engine took on its channel between two stats readings (channels in the engine). */
function transitInWindow(before: HostStats, after: HostStats): number[] {
  const a = after.directChannels;
  if (!a) return [];
  const n = a.transitCount - (before.directChannels?.transitCount ?? 0);
  return n > 0 ? a.transitMs.slice(-Math.min(n, a.transitMs.length)) : [];
}

// ------------------------------------------------------------------ long tasks (injected)

/**
 * From `every / 2` after now, a long task every `every` ms (start times fixed,
 * so a task's length does not shift the next one) until stopped.
 */
function injectLongTasks(load: HeavyLoad, a: PageOptions['A'], seed: number, out: number[]): () => void {
  const random = new Prng(seed);
  const t0 = performance.now();
  let k = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const schedule = () => {
    const at = t0 + a.longTaskEveryMs / 2 + k * a.longTaskEveryMs;
    timer = setTimeout(() => {
      if (stopped) return;
      const ms = a.longTaskMinMs + (random.nextU32() / 2 ** 32) * (a.longTaskMaxMs - a.longTaskMinMs);
      out.push(ms);
      load.longTask(ms);
      k++;
      schedule();
    }, Math.max(0, at - performance.now()));
  };
  schedule();
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
  };
}

// ------------------------------------------------------------------ runs

function emptyRun(spec: RunSpec): RunSamples {
  return {
    spec,
    windowMs: 0,
    rafIntervals: [],
    rafCallbackIntervals: [],
    uiWorkMs: [],
    frameBusyMs: [],
    longTaskDurations: [],
    injectedLongTasksMs: [],
    renderLatency: [],
    packetDelay: [],
    arrivalToTick: [],
    tickIntervals: [],
    engine: null,
    remoteStalls: null,
    hashCheck: null,
  };
}

async function runOne(spec: RunSpec, opts: PageOptions, ui: Ui): Promise<RunSamples> {
  const out = emptyRun(spec);
  const sc = spec.scenario === 'A' ? opts.A : opts.B;
  ui.budgetMs = sc.uiBudgetMs;
  const peer = spec.mode === 'none' ? null : await startPeer(spec, sc, opts, ui);
  let stopTasks: (() => void) | null = null;
  try {
    await sleep(opts.warmupMs);
    await window.__netrollBenchMark?.(spec.label, 'wait'); // bench/browser.ts --wait-quiet-ms
    const before = peer ? await peer.session.stats() : null;
    const remoteBefore = peer ? await remoteStats(peer.remote) : null;
    const rec: Recorder = {
      rafIntervals: out.rafIntervals,
      rafCallbackIntervals: out.rafCallbackIntervals,
      uiWorkMs: out.uiWorkMs,
      frameBusyMs: out.frameBusyMs,
    };
    flushLongTasks();
    const firstLongTask = longTasks.length;
    await window.__netrollBenchMark?.(spec.label, 'start');
    const start = performance.now();
    const startAbs = absNow();
    recorder = rec;
    if (peer) peer.recording = true;
    if (spec.longTasks) stopTasks = injectLongTasks(ui.load, opts.A, opts.seed, out.injectedLongTasksMs);
    await sleep(opts.durationMs);
    stopTasks?.();
    stopTasks = null;
    recorder = null;
    if (peer) peer.recording = false;
    const end = performance.now();
    const endAbs = absNow();
    await window.__netrollBenchMark?.(spec.label, 'end');
    out.windowMs = end - start;
    flushLongTasks();
    for (const lt of longTasks.slice(firstLongTask)) {
      if (lt.start >= start && lt.start < end) out.longTaskDurations.push(lt.duration);
    }
    if (peer) {
      const after = await peer.session.stats();
      const remoteAfter = await remoteStats(peer.remote);
      out.engine = engineWindow(before!, after, peer.renders);
      out.remoteStalls = remoteAfter.stalls - remoteBefore!.stalls;
      out.renderLatency = peer.renderLatency;
      out.packetDelay = spec.channels === 'page' ? peer.packetDelay : transitInWindow(before!, after);
      const ticks = (await peer.session.tickHistory()).map((s) => s.t);
      const inWindow = ticks.filter((t) => t >= startAbs && t <= endAbs);
      for (let i = 1; i < inWindow.length; i++) out.tickIntervals.push(inWindow[i]! - inWindow[i - 1]!);
      if (spec.channels === 'page') out.arrivalToTick = arrivalToTick(peer.arrivals, ticks);
      const m = await peer.session.exportSessionMetrics();
      out.hashCheck = { inputLog: Array.from(m.inputLog), hashes: m.hashes.map((h) => ({ frame: h.frame, hash: h.hash })), hashInterval: 60 };
    }
  } finally {
    stopTasks?.();
    ui.game = () => null;
    if (peer) await closePeer(peer);
  }
  return out;
}

let ui: Ui | null = null;

async function run(opts: PageOptions): Promise<PageResult> {
  const root = document.getElementById('app');
  if (!root) throw new Error('no #app element');
  if (!ui) {
    root.replaceChildren();
    ui = new Ui(new HeavyLoad(root, { domNodes: opts.domNodes, rects: opts.rects }));
    startUiLoop(ui);
  }
  const runs: RunSamples[] = [];
  for (const spec of opts.runs) runs.push(await runOne(spec, opts, ui));
  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    runs,
  };
}

window.__netrollBench = { ready: true, run };
