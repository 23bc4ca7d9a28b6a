/**
 * netroll engine benchmarks: `npm run bench` (readable table) or
 * `npm run bench -- --json` (one JSON object on the last line of stdout).
 *
 * What is measured, and how (all times with `performance.now()`; every figure
 * is a median over repeated samples; every loop is bounded in count and time;
 * nothing asserts on timings, only on correctness of the setups):
 *
 * - `hashGBps64KiB`: xxh32 over one 64 KiB buffer (GB = 1e9 bytes).
 * - `encodeNs` / `decodeNs` / `bytesPerInputPacket2p1b3f`: the Input packet
 *   the engine actually sends in a 2-player session with a 1-byte input and
 *   the default redundancy of 3 frames (it carries the sender's player only;
 *   the engine rejects packets carrying other players). A packet whose mask
 *   holds both players is reported as `bytesPerInputPacketTwoPlayerMask1b3f`.
 * - `stepMsSwarm1000`, `snapshotSaveUsSwarm1000` (into a reused buffer, as the
 *   engine's snapshot ring does), `snapshotLoadUsSwarm1000`: `Simulation`
 *   (the engine's wrapper around the game) with swarm 1000 entities, 2 players.
 * - `engineOverheadUsPerFrame`: two `Engine`s linked in-process (perfect
 *   network: packets sent during a tick round are delivered between rounds,
 *   copied as a transport would) running a trivial 1-byte-input game whose
 *   state is an `Int32Array(4)`; time per engine tick, i.e. the netcode's own
 *   cost per frame (codec, queues, snapshot ring, pings, hashes), with the
 *   shipped default profiling (a tick span and rollback spans into the
 *   host's DevtoolsTrack). `engineOverheadUsPerFrameDetailed` and
 *   `engineOverheadUsPerFrameNoProfile` are the same run with
 *   `profile: 'detailed'` and with profiling off; `profileDefaultUsPerFrame`
 *   and `profileDetailedUsPerFrame` are the differences to off.
 * - `rollback8MsSwarm1000`: measured THROUGH THE REAL ENGINE. Two engines
 *   (swarm 1000, inputDelay 0, maxPrediction 10); player 1's packets reach
 *   player 0 8 ticks after they are sent and player 1's input changes every
 *   frame, so player 0 mispredicts and rolls back exactly 8 frames on every
 *   tick. The figure is the engine's own `rollback` event `ms` (clock =
 *   `performance.now()`), which covers load snapshot + 8 × step + 7 × save
 *   (the first frame's snapshot is the one just loaded). The same work done
 *   directly on `Simulation` (load + 8 × (save + step)) is reported as
 *   `rollback8MsSwarm1000Direct` for cross-checking.
 * - `packetsPerSecondPerLink60Hz` / `bytesPerSecondPerLink60Hz`: two engines
 *   run 600 ticks at 60 Hz on a virtual clock over a perfect `SimNetwork`;
 *   every packet (inputs, pings, pongs, state hashes) sent on one directed
 *   link (one sender → one receiver), per simulated second, averaged over both
 *   links. Default engine options.
 * - NetplayJS 0.4.1 on the same swarm (see `bench/netplayjs.ts` for exactly
 *   how it is loaded and driven): `netplayjsRollback8MsSwarm1000`,
 *   `netplayjsBytesPerInputMessage`, and the ratios
 *   `rollback8SpeedupVsNetplayjs` = netplayjs ms / netroll ms (NetplayJS's
 *   default JSON state of a `number[]`), `rollback8SpeedupVsNetplayjsTyped`
 *   = the same with NetplayJS given an `Int32Array` state and a base64
 *   `serialize`/`deserialize` override (its documented customisation), and
 *   `bytesPerInputRatioVsNetplayjs` = NetplayJS input message bytes / netroll
 *   input packet bytes (both > 1 when netroll is faster / smaller).
 * - Bundle sizes (`pageBundleGzipBytes`, `workerBundleGzipBytes`,
 *   `mainThreadEngineGzipBytes`, `dropinBundleGzipBytes`): see
 *   bench/bundle-size.ts.
 */
import { performance } from 'node:perf_hooks';
import { Engine, type EngineOptions, type TraceSpan } from '../src/engine/engine.ts';
import { DevtoolsTrack } from '../worker/devtools.ts';
import type { Game } from '../src/engine/game.ts';
import { xxh32 } from '../src/engine/hash.ts';
import { Simulation } from '../src/engine/simulation.ts';
import { INPUT_RIGHT } from '../src/games/arena.ts';
import { createSwarm } from '../src/games/swarm.ts';
import { decode, encodeInput } from '../src/protocol/codec.ts';
import { PERFECT_LINK, SimNetwork } from '../src/sim/network.ts';
import { Prng } from '../src/util/prng.ts';
import { measureBundleSizes } from './bundle-size.ts';
import { benchNetplayjs } from './netplayjs.ts';
import { deadline, measure, median, p95, sig } from './stats.ts';
import { benchPython } from './python.ts';

const SEED = 0x5eed;
/** Keeps results of measured calls alive so they cannot be optimized away. */
let sink = 0;

// ------------------------------------------------------------------ helpers

/** A tiny game: 1-byte input, state = Int32Array(4); the cheapest thing the engine can run. */
const trivialGame: Game<Int32Array> = {
  spec: 'bench-trivial',
  inputSize: 1,
  init: (seed, players) => Int32Array.of(seed | 0, players, 0, 0),
  step(s, inputs, frame) {
    s[0] = (Math.imul(s[0]!, 31) + inputs[0]!) | 0;
    s[1] = (s[1]! + (inputs[1] ?? 0)) | 0;
    s[2] = frame;
    s[3] = (s[3]! + 1) | 0;
    return s;
  },
  save(s, reuse) {
    const out = reuse && reuse.length === 16 ? reuse : new Uint8Array(16);
    out.set(new Uint8Array(s.buffer, s.byteOffset, 16));
    return out;
  },
  load(bytes, reuse) {
    const s = reuse ?? new Int32Array(4);
    new Uint8Array(s.buffer, s.byteOffset, 16).set(bytes);
    return s;
  },
};

/**
 * Two engines in one process. A packet player `p` sends during round `r` is
 * handled by the other engine in round `r + latency[p]` (1 = perfect network:
 * delivered between ticks). Packets are copied, as a real transport would.
 */
function linkedPair<S>(game: Game<S>, latency: [number, number], extra: Partial<EngineOptions<S>> = {}) {
  const queues: { at: number; bytes: Uint8Array }[][] = [[], []];
  let round = 0;
  const engines = ([0, 1] as const).map(
    (p) =>
      new Engine<S>({
        game,
        players: 2,
        localPlayer: p,
        seed: SEED,
        send: (_peer, bytes) => queues[p]!.push({ at: round + latency[p], bytes: bytes.slice() }),
        ...extra,
      }),
  );
  return {
    engines,
    get round() {
      return round;
    },
    /** Tick both engines once, then deliver what is due. */
    step(): void {
      engines[0]!.tick();
      engines[1]!.tick();
      round++;
      for (let p = 0; p < 2; p++) {
        const q = queues[p]!;
        while (q.length > 0 && q[0]!.at <= round) engines[1 - p]!.receive(p, q.shift()!.bytes);
      }
    },
  };
}

function checkHealthy(what: string, engines: readonly Engine<unknown>[], allowRollbacks: boolean): void {
  for (const e of engines) {
    const s = e.stats();
    const bad = s.desyncs > 0 || s.malformed > 0 || (!allowRollbacks && (s.rollbacks > 0 || s.stalls > 0));
    if (bad) {
      throw new Error(
        `${what}: unexpected engine state (player ${e.localPlayer}: desyncs ${s.desyncs}, malformed ${s.malformed}, ` +
          `rollbacks ${s.rollbacks}, stalls ${s.stalls}); the benchmark setup or the engine is broken`,
      );
    }
  }
}

// ------------------------------------------------------------------ benches

function benchHash() {
  const buf = new Uint8Array(64 * 1024);
  const rng = new Prng(0x12345678);
  for (let i = 0; i < buf.length; i++) buf[i] = rng.nextU32() >>> 24;
  const m = measure(() => (sink ^= xxh32(buf)), { maxMs: 500, minSamples: 20, targetSampleMs: 2 });
  return { hashGBps64KiB: buf.length / (m.median / 1000) / 1e9 };
}

function benchCodec() {
  // What engine player 1 sends mid-session: frames 3598..3600 of its 1-byte input.
  const message = {
    tag: 0x5a,
    startFrame: 3598,
    frameCount: 3,
    players: [1],
    inputSize: 1,
    ack: 3599,
    senderFrame: 3600,
    inputs: Uint8Array.of(1, 9, 8),
  };
  const bytes = encodeInput(message);
  const roundTrip = decode(bytes);
  if (!roundTrip.ok || roundTrip.message.type !== 1) throw new Error('codec round trip failed');
  // Larger batches so the GC of these small allocations is averaged into every sample.
  const fast = { maxMs: 400, minSamples: 20, targetSampleMs: 2 };
  const enc = measure(() => (sink += encodeInput(message).length), fast);
  const dec = measure(() => (sink += decode(bytes).ok ? 1 : 0), fast);
  const bothPlayers = encodeInput({ ...message, players: [0, 1], inputs: new Uint8Array(6) });
  return {
    encodeNs: enc.median * 1e6,
    decodeNs: dec.median * 1e6,
    bytesPerInputPacket2p1b3f: bytes.length,
    bytesPerInputPacketTwoPlayerMask1b3f: bothPlayers.length,
  };
}

function benchSwarmSimulation() {
  const sim = new Simulation(createSwarm({ entities: 1000 }), SEED, 2);
  const inputs = new Uint8Array(2);
  let frame = 0;
  const stepOnce = () => {
    inputs[0] = frame & 0x1f;
    inputs[1] = (frame >> 3) & 0x1f;
    sim.step(inputs, frame++);
  };
  const step = measure(stepOnce, { maxMs: 500, minSamples: 20 });
  const reuse = sim.save();
  const save = measure(() => (sink += sim.save(reuse).length), { maxMs: 400, minSamples: 20 });
  const snapshot = sim.save();
  const load = measure(() => sim.load(snapshot), { maxMs: 400, minSamples: 20 });

  // Rollback of 8 frames done directly on Simulation: load + 8 × (save + step).
  const ring = Array.from({ length: 8 }, () => sim.save());
  const base = frame;
  for (let k = 0; k < 8; k++) {
    sim.save(ring[k]);
    stepOnce();
  }
  const rollback = measure(
    () => {
      sim.load(ring[0]!);
      for (let k = 0; k < 8; k++) {
        if (k > 0) sim.save(ring[k]);
        inputs[0] = k;
        inputs[1] = 7 - k;
        sim.step(inputs, base + k);
      }
    },
    { maxMs: 500, minSamples: 20, batch: 1 },
  );
  return {
    stepMsSwarm1000: step.median,
    snapshotSaveUsSwarm1000: save.median * 1000,
    snapshotLoadUsSwarm1000: load.median * 1000,
    rollback8MsSwarm1000Direct: rollback.median,
  };
}

/**
 * `profile`: what the host ships. `'default'`: the engine traces one span per
 * tick and the rollback spans into the host's DevtoolsTrack (the shipped
 * default); `'detailed'`: every step, save, load and hash too; `'off'`: no
 * trace callback at all.
 */
function benchEngineOverhead(profile: 'off' | 'default' | 'detailed') {
  const devtools = new DevtoolsTrack();
  let ticks = 0;
  const pair = linkedPair(trivialGame, [1, 1], {
    clock: () => performance.now(),
    ...(profile === 'off'
      ? {}
      : {
          profile,
          trace: (span: TraceSpan) => {
            devtools.measure(span);
            if (span.name === 'tick') devtools.maybeClear(++ticks); // as the host does once per tick
          },
        }),
  });
  const input = new Uint8Array(1);
  const round = () => {
    const r = pair.round;
    input[0] = r & 0x1f;
    pair.engines[0]!.setLocalInput(input);
    input[0] = (r >> 2) & 0x1f;
    pair.engines[1]!.setLocalInput(input);
    pair.step();
  };
  const m = measure(round, { maxMs: 1500, minSamples: 20, warmup: 200 });
  checkHealthy('engine overhead', pair.engines, false);
  return { usPerFrame: (m.median / 2) * 1000, p95: (m.p95 / 2) * 1000, frames: pair.round };
}

function benchEngineRollback(maxRounds = 1500, maxMs = 3000) {
  const DEPTH = 8;
  const WARMUP = 60;
  const pair = linkedPair(createSwarm({ entities: 1000 }), [1, DEPTH], {
    inputDelay: 0,
    maxPrediction: 10,
    clock: () => performance.now(),
  });
  const [a, b] = pair.engines as [Engine<unknown>, Engine<unknown>];
  const samples: number[] = [];
  const depths = new Map<number, number>();
  a.on('rollback', ({ depth, ms }) => {
    depths.set(depth, (depths.get(depth) ?? 0) + 1);
    if (depth === DEPTH && pair.round >= WARMUP) samples.push(ms);
  });
  a.setLocalInput(Uint8Array.of(INPUT_RIGHT));
  const bInput = new Uint8Array(1);
  const budget = deadline(maxMs);
  while (pair.round < maxRounds && (budget.left() || samples.length < 20)) {
    bInput[0] = pair.round & 0x1f; // differs from the previous frame's input every frame
    b.setLocalInput(bInput);
    pair.step();
  }
  checkHealthy('rollback', pair.engines, true);
  if (samples.length === 0) throw new Error(`rollback bench: no ${DEPTH}-frame rollbacks (depths seen: ${[...depths]})`);
  const stats = a.stats();
  return {
    rollback8MsSwarm1000: median(samples),
    rollback8MsSwarm1000P95: p95(samples),
    rollback8Samples: samples.length,
    rollbackStallsSwarm1000: stats.stalls,
  };
}

function benchTraffic60Hz(ticks = 600) {
  const net = new SimNetwork(SEED, PERFECT_LINK);
  let now = 0;
  const engines = ([0, 1] as const).map(
    (p) =>
      new Engine<Int32Array>({
        game: trivialGame,
        players: 2,
        localPlayer: p,
        seed: SEED,
        clock: () => now,
        send: (peer, bytes) => net.send(p, peer, bytes, now),
      }),
  );
  const input = new Uint8Array(1);
  for (let t = 0; t < ticks; t++) {
    now = (t * 1000) / 60;
    for (const d of net.due(now)) engines[d.to]!.receive(d.from, d.bytes);
    for (const e of engines) {
      input[0] = (t >> 4) & 0x1f; // an input that changes now and then
      e.setLocalInput(input);
      e.tick();
    }
  }
  checkHealthy('60 Hz traffic', engines, false);
  const seconds = ticks / 60;
  const links = 2;
  const sent = engines.reduce((n, e) => n + e.stats().packetsSent, 0);
  if (sent !== net.counters.sent) throw new Error('60 Hz traffic: engine and network packet counts differ');
  return {
    packetsPerSecondPerLink60Hz: net.counters.sent / links / seconds,
    bytesPerSecondPerLink60Hz: net.counters.bytes / links / seconds,
  };
}

// ------------------------------------------------------------------ report

type Row = [key: string, unit: string, note: string];
const ROWS: Row[] = [
  ['hashGBps64KiB', 'GB/s', 'xxh32, 64 KiB buffer'],
  ['encodeNs', 'ns', 'encode Input packet (2-player session, 1 B input, 3 frames)'],
  ['decodeNs', 'ns', 'decode the same packet'],
  ['bytesPerInputPacket2p1b3f', 'B', 'its size on the wire'],
  ['bytesPerInputPacketTwoPlayerMask1b3f', 'B', 'same with both players in one packet'],
  ['stepMsSwarm1000', 'ms', 'Simulation.step, swarm 1000'],
  ['snapshotSaveUsSwarm1000', 'µs', 'Simulation.save into a reused buffer'],
  ['snapshotLoadUsSwarm1000', 'µs', 'Simulation.load'],
  ['rollback8MsSwarm1000Direct', 'ms', 'load + 8 × (save + step) on Simulation'],
  ['engineOverheadUsPerFrame', 'µs', "per engine tick, trivial game, 2 linked engines, shipped profile 'default'"],
  ['engineOverheadUsPerFrameP95', 'µs', 'p95 of the samples above'],
  ['engineOverheadUsPerFrameDetailed', 'µs', "same with profile 'detailed' (every step/save/load/hash measured)"],
  ['engineOverheadUsPerFrameNoProfile', 'µs', 'same with profiling off'],
  ['profileDefaultUsPerFrame', 'µs', "cost of the default profile: 'default' − off"],
  ['profileDetailedUsPerFrame', 'µs', "cost of the detailed profile: 'detailed' − off"],
  ['rollback8MsSwarm1000', 'ms', 'Engine rollback event, 8 frames, swarm 1000'],
  ['rollback8MsSwarm1000P95', 'ms', 'p95 of those rollbacks'],
  ['rollback8Samples', '', 'rollbacks measured'],
  ['packetsPerSecondPerLink60Hz', 'pkt/s', 'all packets, one directed link, 60 Hz'],
  ['bytesPerSecondPerLink60Hz', 'B/s', 'payload bytes, one directed link, 60 Hz'],
  ['netplayjsRollback8MsSwarm1000', 'ms', 'NetplayJS onRemoteInput re-simulating 8 frames'],
  ['netplayjsRollback8MsSwarm1000P95', 'ms', 'p95 of those'],
  ['netplayjsRollback8Samples', '', 'rollbacks measured'],
  ['netplayjsStepMsSwarm1000', 'ms', 'swarm step on the number[] state'],
  ['netplayjsSerializeCloneMsSwarm1000', 'ms', 'serialize() + clone() per history entry'],
  ['netplayjsDeserializeMsSwarm1000', 'ms', 'deserialize() on rollback'],
  ['netplayjsStateSyncMsSwarm1000', 'ms', "client onStateSync (re-simulates its history)"],
  ['netplayjsStateSyncDepth', 'frames', 'frames each state sync re-simulated'],
  ['netplayjsBytesPerInputMessage', 'B', 'msgpack {type,frame,input} at frame 3600'],
  ['netplayjsBytesPerStateMessageSwarm1000', 'B', 'msgpack host state message, every frame'],
  ['netplayjsHostToClientBytesPerSecond60Hz', 'B/s', 'inputs + states, host → client'],
  ['netplayjsTypedRollback8MsSwarm1000', 'ms', 'same, NetplayJS with an Int32Array state and base64 serialize/deserialize'],
  ['netplayjsTypedRollback8Samples', '', 'rollbacks measured'],
  ['netplayjsTypedStepMsSwarm1000', 'ms', 'swarm step on the Int32Array state'],
  ['netplayjsTypedSerializeCloneMsSwarm1000', 'ms', 'typed serialize() + clone()'],
  ['netplayjsTypedDeserializeMsSwarm1000', 'ms', 'typed deserialize()'],
  ['rollback8SpeedupVsNetplayjs', '×', 'NetplayJS rollback ms / netroll rollback ms (NetplayJS default state format)'],
  ['rollback8SpeedupVsNetplayjsTyped', '×', 'NetplayJS typed-state rollback ms / netroll rollback ms'],
  ['pythonLoadMs', 'ms', 'loadPython(): Pyodide from the npm package, in Node'],
  ['pythonStepMs200', 'ms', 'step, pure-Python 200-entity env (bench/python-env.py)'],
  ['pythonSaveMs200', 'ms', 'save (get_state, pickle) into a reused buffer'],
  ['pythonLoadStateMs200', 'ms', 'load (set_state, pickle)'],
  ['pythonRollback8Ms200', 'ms', 'load + 8 × (save + step), goal ≤ 8 ms'],
  ['pythonRollback8MinMs200', 'ms', 'the fastest of those (the cost without waiting for a core)'],
  ['bytesPerInputRatioVsNetplayjs', '×', 'NetplayJS input bytes / netroll input packet bytes'],
  ['pageBundleGzipBytes', 'B', 'gzip, page joining a game with its engine in a worker (bench/bundle-size.ts)'],
  ['workerBundleGzipBytes', 'B', 'gzip, that page\'s engine worker'],
  ['mainThreadEngineGzipBytes', 'B', 'gzip, main-thread engine mode, loaded on demand only'],
  ['dropinBundleGzipBytes', 'B', 'gzip, dist/netroll-worker.js (when built)'],
];

function printTable(results: Record<string, number>): void {
  const fmt = (v: number | undefined) => (v === undefined ? '-' : String(sig(v, 4)));
  const w0 = Math.max(...ROWS.map((r) => r[0].length));
  const w1 = Math.max(...ROWS.map((r) => fmt(results[r[0]]).length));
  for (const [key, unit, note] of ROWS) {
    console.log(`${key.padEnd(w0)}  ${fmt(results[key]).padStart(w1)} ${unit.padEnd(6)} ${note}`);
  }
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const progress = (what: string) => {
    if (!json) console.error(`… ${what}`);
  };
  const started = performance.now();
  const results: Record<string, number> = {};
  progress('hash, codec');
  Object.assign(results, benchHash(), benchCodec());
  progress('swarm simulation');
  Object.assign(results, benchSwarmSimulation());
  progress('engine overhead');
  const shipped = benchEngineOverhead('default');
  const detailed = benchEngineOverhead('detailed');
  const off = benchEngineOverhead('off');
  Object.assign(results, {
    engineOverheadUsPerFrame: shipped.usPerFrame,
    engineOverheadUsPerFrameP95: shipped.p95,
    engineOverheadFrames: shipped.frames,
    engineOverheadUsPerFrameDetailed: detailed.usPerFrame,
    engineOverheadUsPerFrameNoProfile: off.usPerFrame,
    profileDefaultUsPerFrame: shipped.usPerFrame - off.usPerFrame,
    profileDetailedUsPerFrame: detailed.usPerFrame - off.usPerFrame,
  });
  progress('engine rollback');
  Object.assign(results, benchEngineRollback());
  progress('60 Hz traffic');
  Object.assign(results, benchTraffic60Hz());
  progress('NetplayJS');
  const np = await benchNetplayjs({ entities: 1000, latencyTicks: 8 });
  Object.assign(results, {
    netplayjsRollback8MsSwarm1000: np.rollbackMs,
    netplayjsRollback8MsSwarm1000P95: np.rollbackP95Ms,
    netplayjsRollback8Samples: np.rollbackSamples,
    netplayjsStepMsSwarm1000: np.stepMs,
    netplayjsSerializeCloneMsSwarm1000: np.serializeCloneMs,
    netplayjsDeserializeMsSwarm1000: np.deserializeMs,
    netplayjsStateSyncMsSwarm1000: np.stateSyncMs,
    netplayjsStateSyncDepth: np.stateSyncDepth,
    netplayjsBytesPerInputMessage: np.bytesPerInputMessage,
    netplayjsBytesPerStateMessageSwarm1000: np.bytesPerStateMessage,
    netplayjsHostToClientBytesPerSecond60Hz: np.hostToClientBytesPerSecond60Hz,
  });
  progress('Python (Pyodide)');
  Object.assign(results, await benchPython());
  results.rollback8SpeedupVsNetplayjs = np.rollbackMs / results.rollback8MsSwarm1000!;
  progress('NetplayJS, typed-array state');
  const npTyped = await benchNetplayjs({ entities: 1000, latencyTicks: 8, typedState: true });
  Object.assign(results, {
    netplayjsTypedRollback8MsSwarm1000: npTyped.rollbackMs,
    netplayjsTypedRollback8Samples: npTyped.rollbackSamples,
    netplayjsTypedStepMsSwarm1000: npTyped.stepMs,
    netplayjsTypedSerializeCloneMsSwarm1000: npTyped.serializeCloneMs,
    netplayjsTypedDeserializeMsSwarm1000: npTyped.deserializeMs,
  });
  results.rollback8SpeedupVsNetplayjsTyped = npTyped.rollbackMs / results.rollback8MsSwarm1000!;
  results.bytesPerInputRatioVsNetplayjs = np.bytesPerInputMessage / results.bytesPerInputPacket2p1b3f!;
  progress('bundle sizes');
  Object.assign(results, await measureBundleSizes());
  results.benchSeconds = (performance.now() - started) / 1000;

  const rounded: Record<string, number> = {};
  for (const [k, v] of Object.entries(results)) rounded[k] = Number.isInteger(v) ? v : sig(v, 4);
  if (json) {
    console.log(JSON.stringify({ ...rounded, netplayjsVersion: np.version, node: process.version, date: new Date().toISOString() }));
  } else {
    console.log(`netroll bench — node ${process.version}, NetplayJS ${np.version} (from ${np.source}), sink ${sink & 1}`);
    printTable(rounded);
    console.log(`total ${sig(results.benchSeconds, 3)} s`);
  }
}

await main();
