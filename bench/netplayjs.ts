/**
 * NetplayJS 0.4.1 comparison: the same swarm game (1000 entities, 2 players)
 * driven through NetplayJS's own `RollbackNetcode`.
 *
 * How NetplayJS is loaded (checked against the installed package):
 * - `import { RollbackNetcode } from 'netplayjs'` is not possible: the package
 *   index does not export `RollbackNetcode` (only wrappers, `NetplayState`,
 *   `NetplayInput`, `NetplayPlayer`, `DefaultInput`, ...), and its `main`
 *   (`dist/netplay.js`, a webpack UMD bundle that also inlines react,
 *   lit-html, qrcode, ...) cannot even be evaluated in Node: it throws
 *   `self is not defined`, and with `self` stubbed, `window is not defined`
 *   inside lit-html. `RollbackNetcode` is a module internal to that bundle.
 * - The package ships its TypeScript sources (`node_modules/netplayjs/src`),
 *   which are what `dist/` is built from. We import
 *   `src/netcode/rollback.ts` and `src/types.ts` from there (tsx transpiles
 *   them; NO global stubs are needed or set: that code never touches the DOM).
 *   Its `DEV` flag is `process.env.NODE_ENV === "development"`, false here,
 *   which matches the production bundle `dist/netplay.min.js` (chai asserts and
 *   `log.debug` calls stripped). The `main` bundle `dist/netplay.js` is the
 *   development build with `DEV` hard-coded true, i.e. slower than measured.
 * - Messages are encoded the way NetplayJS's `PeerConnection.send` does it:
 *   `msgpack-lite`'s `encode` of `{ type: "input", frame, input:
 *   input.serialize() }` (see `RollbackWrapper`), using the msgpack-lite
 *   resolved from netplayjs's own package directory.
 *
 * The game: a `NetplayState` subclass whose only own field is `data: number[]`
 * (the swarm's words as a plain array; a `NetplayState` with an `Int32Array`
 * field would be turned into a `{"0":..,"1":..}` object by NetplayJS's
 * serializer). `tick` runs netroll's swarm `step` on that array (checked to
 * give the same words as the `Int32Array` version). Serialization is
 * NetplayJS's default: `NetplayState.serialize()` (its autoserializer) and
 * `clone()` (a `JSON.parse(JSON.stringify())` round trip) for every history
 * entry, `deserialize()` on rollback. The input is a `NetplayInput` subclass
 * with one numeric field `bits` (the 1-byte input).
 *
 * How the rollback is driven: two instances (host = player 0, client =
 * player 1), ticked in lockstep by calling `tick()` (what `start()`'s
 * `setInterval` does, minus its catch-up double tick). Every message
 * (`broadcastInput`, and the host's `broadcastState`) is delivered 8 ticks
 * after it was sent, so each remote input lands when the receiver has
 * predicted 8 frames past it. NetplayJS's rollback path is
 * `onRemoteInput`: `deserialize` the last confirmed state, then 8 × (`tick` +
 * `clone(serialize())`). We time each `onRemoteInput` call with
 * `performance.now()` and keep those that re-simulated exactly 8 frames
 * (counted in `tick`). The host's `broadcastState` callback only queues the
 * state (msgpack encoding happens outside the timed region). The client's
 * `onStateSync` (it re-simulates its whole history on every state the host
 * sends) is timed separately and not part of the rollback figure.
 *
 * Typed-array variant (`typedState: true`): NetplayJS documents overriding
 * `serialize()`/`deserialize()` to customise how a state is saved. There the
 * state keeps the swarm in an `Int32Array` (so `tick` runs at typed-array
 * speed) and `serialize()` returns its bytes as one base64 string
 * (`Buffer#toString('base64')`, native), `deserialize()` decodes it back
 * into the same array. NetplayJS still wraps every `serialize()` in its
 * `clone()` (a JSON round trip), which for one string is a copy. This is the
 * fairest state format NetplayJS's API allows (its history entries must be
 * JSON values), and the benchmark reports both ratios.
 *
 * Caveats, so the numbers are read right:
 * - NetplayJS re-simulates on EVERY remote input, even a correctly predicted
 *   one (it never compares inputs); netroll only rolls back on a
 *   misprediction. The per-rollback figure ignores that advantage.
 * - The swarm step on a `number[]` is slower than on an `Int32Array` (V8
 *   keeps that array as doubles); `stepMs` reports it so the rollback figure
 *   can be decomposed: deserialize + 8 × (step + serialize/clone).
 * - Inputs here are a 1-field class; NetplayJS's own `DefaultInput`
 *   (keysHeld/keysPressed/... maps) would make its messages larger.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type * as MsgpackLite from 'msgpack-lite';
import type { RollbackNetcode as RollbackNetcodeClass } from 'netplayjs/dist/types/netcode/rollback';
import type {
  NetplayInput as NetplayInputClass,
  NetplayPlayer as NetplayPlayerClass,
  NetplayState as NetplayStateClass,
} from 'netplayjs/dist/types/types';
import { createSwarm } from '../src/games/swarm.ts';
import { deadline, measure, median, p95 } from './stats.ts';

const require = createRequire(import.meta.url);

/** The pieces of NetplayJS this benchmark uses. */
export interface NetplayjsModules {
  version: string;
  root: string;
  NetplayState: typeof NetplayStateClass;
  NetplayInput: typeof NetplayInputClass;
  NetplayPlayer: typeof NetplayPlayerClass;
  RollbackNetcode: typeof RollbackNetcodeClass;
  msgpack: typeof MsgpackLite;
}

/** Load NetplayJS's shipped sources (see the file comment for why). */
export async function loadNetplayjs(): Promise<NetplayjsModules> {
  const pkgPath = require.resolve('netplayjs/package.json');
  const root = dirname(pkgPath);
  const version = (require(pkgPath) as { version: string }).version;
  const src = (file: string) => pathToFileURL(join(root, 'src', file)).href;
  const types = (await import(src('types.ts'))) as {
    NetplayState: typeof NetplayStateClass;
    NetplayInput: typeof NetplayInputClass;
    NetplayPlayer: typeof NetplayPlayerClass;
  };
  const rollback = (await import(src('netcode/rollback.ts'))) as { RollbackNetcode: typeof RollbackNetcodeClass };
  const msgpack = createRequire(pkgPath)('msgpack-lite') as typeof MsgpackLite;
  return { version, root, ...types, RollbackNetcode: rollback.RollbackNetcode, msgpack };
}

/** Options of {@link benchNetplayjs}. */
export interface NetplayjsBenchOptions {
  entities?: number;
  /** Ticks between sending and handling every message. Default 8. */
  latencyTicks?: number;
  /** Most lockstep ticks to run. Default 120. */
  maxTicks?: number;
  /** Time budget for the rollback run, ms. Default 6000. */
  maxMs?: number;
  /** Frame number used for the per-message size (msgpack ints grow with it). Default 3600 (1 min at 60 Hz). */
  sizeFrame?: number;
  /** Use the typed-array state with overridden serialize/deserialize (see the file comment). Default false. */
  typedState?: boolean;
}

export interface NetplayjsResult {
  version: string;
  /** Where the RollbackNetcode source was loaded from. */
  source: string;
  /** Median ms of an `onRemoteInput` that re-simulated exactly `latencyTicks` frames. */
  rollbackMs: number;
  rollbackP95Ms: number;
  rollbackSamples: number;
  rollbackDepth: number;
  /** Median ms of the client's `onStateSync` and how many frames each re-simulated. */
  stateSyncMs: number;
  stateSyncDepth: number;
  /** msgpack bytes of one input message (custom 1-field input) at `sizeFrame`. */
  bytesPerInputMessage: number;
  /** msgpack bytes of the host's state message (every confirmed frame). */
  bytesPerStateMessage: number;
  /** Host → client bytes per simulated second at 60 Hz (inputs + states; NetplayJS's 10 Hz pings not modelled). */
  hostToClientBytesPerSecond60Hz: number;
  /** Decomposition, ms per call: swarm step on number[], serialize + clone, deserialize. */
  stepMs: number;
  serializeCloneMs: number;
  deserializeMs: number;
  /** Frames both peers had fully confirmed and were compared (equal, or this throws). */
  peersAgreeFrames: number;
}

type Message =
  | { type: 'input'; frame: number; input: unknown }
  | { type: 'state'; frame: number; state: unknown };

/** Drive the swarm through NetplayJS's RollbackNetcode and measure it. */
export async function benchNetplayjs(options: NetplayjsBenchOptions = {}): Promise<NetplayjsResult> {
  const np = await loadNetplayjs();
  const { NetplayState, NetplayInput, NetplayPlayer, RollbackNetcode, msgpack } = np;
  const entities = options.entities ?? 1000;
  const latency = options.latencyTicks ?? 8;
  const maxTicks = options.maxTicks ?? 120;
  const maxMs = options.maxMs ?? 6000;
  const sizeFrame = options.sizeFrame ?? 3600;
  if (process.env.NODE_ENV === 'development') {
    console.error('warning: NODE_ENV=development turns on NetplayJS DEV assertions; figures will be slower');
  }

  const swarm = createSwarm({ entities });
  const frameInputs = new Uint8Array(2);
  let ticks = 0; // state.tick calls, to know how deep each resimulation went

  /** The 1-byte input as a NetplayJS input (default predictNext / serialize). */
  class SwarmInput extends NetplayInput<SwarmInput> {
    bits = 0;
  }

  /** Swarm as a NetplayJS state; `data` is its only own (hence serialized) field. */
  class SwarmArrayState extends NetplayState<SwarmInput> {
    data: number[];
    constructor(data: Int32Array) {
      super();
      this.data = Array.from(data);
    }
    tick(playerInputs: Map<NetplayPlayerClass, SwarmInput>): void {
      for (const [player, input] of playerInputs) frameInputs[player.getID()] = input.bits;
      // swarm.step only indexes `data`, so a number[] works (checked below).
      swarm.step({ data: this.data as unknown as Int32Array }, frameInputs, 0);
      ticks++;
    }
  }

  /** Swarm in an Int32Array, saved as one base64 string (NetplayJS's documented serialize/deserialize override). */
  class SwarmTypedState extends NetplayState<SwarmInput> {
    data: Int32Array;
    constructor(data: Int32Array) {
      super();
      this.data = data.slice();
    }
    tick(playerInputs: Map<NetplayPlayerClass, SwarmInput>): void {
      for (const [player, input] of playerInputs) frameInputs[player.getID()] = input.bits;
      swarm.step({ data: this.data }, frameInputs, 0);
      ticks++;
    }
    override serialize(): string {
      return Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength).toString('base64');
    }
    override deserialize(value: unknown): void {
      const bytes = Buffer.from(value as string, 'base64');
      if (bytes.length !== this.data.byteLength) throw new Error('SwarmTypedState: a serialized state of the wrong size');
      new Uint8Array(this.data.buffer, this.data.byteOffset, this.data.byteLength).set(bytes);
    }
  }

  const SwarmNetplayState = options.typedState ? SwarmTypedState : SwarmArrayState;
  type SwarmNetplayState = SwarmArrayState | SwarmTypedState;

  const initial = swarm.init(0x5eed, 2);
  checkArrayEquivalence(swarm, initial.data);

  // ---------------------------------------------------------- the two peers
  const latencyQueue: { at: number; to: 0 | 1; message: Message }[] = [];
  let now = 0; // lockstep tick counter
  const inputFor = (player: number, frame: number) => {
    const input = new SwarmInput();
    // Player 1 changes input every frame (as in the netroll rollback bench);
    // NetplayJS re-simulates on every remote input whether or not it changed.
    input.bits = player === 0 ? 8 : frame & 0x1f;
    return input;
  };
  const players = (local: 0 | 1) => [new NetplayPlayer(0, local === 0, true), new NetplayPlayer(1, local === 1, false)];
  const peers = ([0, 1] as const).map((local) => {
    const ps = players(local);
    const initialInputs = new Map(ps.map((p) => [p, new SwarmInput()] as const));
    let nextFrame = 1;
    const send = (message: Message) => latencyQueue.push({ at: now + latency, to: local === 0 ? 1 : 0, message });
    const netcode = new RollbackNetcode<SwarmNetplayState, SwarmInput>(
      local === 0,
      new SwarmNetplayState(initial.data),
      ps,
      initialInputs,
      10, // maxPredictedFrames, as RollbackWrapper uses
      {}, // pingMeasure (unused by RollbackNetcode)
      1000 / 60,
      () => inputFor(local, nextFrame++),
      // Exactly what RollbackWrapper sends.
      (frame, input) => send({ type: 'input', frame, input: input.serialize() }),
      local === 0 ? (frame, state) => send({ type: 'state', frame, state }) : undefined,
    );
    return { netcode, remote: ps[local === 0 ? 1 : 0]! };
  });

  const rollbackMs: number[] = [];
  const rollbackDepths: number[] = [];
  const stateSyncMs: number[] = [];
  const stateSyncDepths: number[] = [];
  const stateBytes: number[] = [];
  let hostToClientBytes = 0;
  const warmupTicks = 2 * latency + 4;
  const budget = deadline(maxMs);

  for (now = 0; now < maxTicks && budget.left(); now++) {
    // Deliver what is due (encode/decode as NetplayJS's PeerConnection does, untimed).
    while (latencyQueue.length > 0 && latencyQueue[0]!.at <= now) {
      const { to, message } = latencyQueue.shift()!;
      const bytes = msgpack.encode(message);
      if (to === 1 && now >= warmupTicks) hostToClientBytes += bytes.length;
      const data = msgpack.decode(bytes) as Message;
      const peer = peers[to]!;
      const before = ticks;
      if (data.type === 'input') {
        const input = new SwarmInput();
        input.deserialize(data.input as never);
        const t0 = performance.now();
        peer.netcode.onRemoteInput(data.frame, peer.remote, input);
        const ms = performance.now() - t0;
        if (now >= warmupTicks) {
          rollbackMs.push(ms);
          rollbackDepths.push(ticks - before);
        }
      } else {
        stateBytes.push(bytes.length);
        const t0 = performance.now();
        peer.netcode.onStateSync(data.frame, data.state as never);
        const ms = performance.now() - t0;
        if (now >= warmupTicks) {
          stateSyncMs.push(ms);
          stateSyncDepths.push(ticks - before);
        }
      }
    }
    for (const p of peers) p.netcode.tick();
  }
  const measuredSeconds = (now - warmupTicks) / 60; // steady-state ticks whose deliveries were counted

  // Keep only rollbacks of exactly `latency` frames (all of them, in steady state).
  const exact = rollbackMs.filter((_, i) => rollbackDepths[i] === latency);

  // Host and client must agree on frames both consider fully confirmed.
  let agreeFrames = 0;
  const [host, client] = peers.map((p) => p.netcode);
  for (const h of host!.history) {
    if (!h.allInputsSynced()) continue;
    const c = client!.history.find((e) => e.frame === h.frame && e.allInputsSynced());
    if (!c) continue;
    if (JSON.stringify(c.state) !== JSON.stringify(h.state)) {
      throw new Error(`NetplayJS peers disagree at frame ${h.frame}: the benchmark setup is broken`);
    }
    agreeFrames++;
  }

  // ------------------------------------------------- message sizes
  const sample = new SwarmInput();
  sample.bits = 0x19;
  const bytesPerInputMessage = msgpack.encode({ type: 'input', frame: sizeFrame, input: sample.serialize() }).length;

  // ------------------------------------------------- decomposition
  const state = new SwarmNetplayState(initial.data);
  const inputs = new Map(players(0).map((p) => [p, new SwarmInput()] as const));
  const clone = (x: unknown): unknown => JSON.parse(JSON.stringify(x)); // netplayjs/src/utils.ts clone()
  const step = measure(() => state.tick(inputs), { maxMs: 300, minSamples: 10 });
  let saved: unknown = null;
  const serializeClone = measure(() => (saved = clone(state.serialize())), { maxMs: 400, minSamples: 10 });
  const deserialize = measure(() => state.deserialize(saved as never), { maxMs: 300, minSamples: 10 });
  if (options.typedState) {
    // the typed round trip must restore the exact words
    const before = (state as SwarmTypedState).data.slice();
    state.deserialize(clone(state.serialize()) as never);
    if ((state as SwarmTypedState).data.some((w, i) => w !== before[i])) throw new Error('typed serialize/deserialize round trip lost data');
  }

  return {
    version: np.version,
    source: join(np.root, 'src/netcode/rollback.ts'),
    rollbackMs: median(exact),
    rollbackP95Ms: p95(exact),
    rollbackSamples: exact.length,
    rollbackDepth: latency,
    stateSyncMs: median(stateSyncMs),
    stateSyncDepth: median(stateSyncDepths),
    bytesPerInputMessage,
    bytesPerStateMessage: median(stateBytes),
    hostToClientBytesPerSecond60Hz: hostToClientBytes / measuredSeconds,
    stepMs: step.median,
    serializeCloneMs: serializeClone.median,
    deserializeMs: deserialize.median,
    peersAgreeFrames: agreeFrames,
  };
}

/** Check that swarm's step on a plain number[] yields the same int32 words as on its Int32Array. */
function checkArrayEquivalence(swarm: ReturnType<typeof createSwarm>, init: Int32Array): void {
  const typed = { data: init.slice() };
  const plain = { data: Array.from(init) };
  const inputs = new Uint8Array(2);
  for (let f = 0; f < 200; f++) {
    inputs[0] = (f * 7) & 0x1f;
    inputs[1] = (f * 13) & 0x1f;
    swarm.step(typed, inputs, f);
    swarm.step({ data: plain.data as unknown as Int32Array }, inputs, f);
  }
  for (let i = 0; i < init.length; i++) {
    if ((plain.data[i]! | 0) !== typed.data[i]) {
      throw new Error(`swarm on number[] diverges from Int32Array at word ${i}`);
    }
  }
}
