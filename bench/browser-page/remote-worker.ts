/**
 * The cheap remote peer of the browser bench: a scripted player on the other
 * end of the link, in its own dedicated worker.
 *
 * It is netroll's real `Engine` (protocol, acks and redundancy, pings, time
 * sync, the stall rule at `maxPrediction`), driving a game with no state: its
 * ticks and rollbacks cost microseconds, so the measured page is the only
 * thing on the machine that simulates the game (one engine per measured page,
 * as in real use). Its inputs come from a seeded script (a new value every
 * `changeEvery` frames). It takes no state hashes (hashInterval 0); the
 * measured peer's hashes are checked by replaying its confirmed input log in
 * Node instead.
 *
 * The link's one-way latency is applied here, in both directions, so the
 * measured side carries each packet exactly once per direction, as a
 * DataChannel would: the engine's thread by default (the link's port is
 * handed to it, as the mesh hands it each DataChannel), or the page's main
 * thread (`channels: 'page'`). A packet to the measured side is posted as
 * `{ buf, sentAt }`: `sentAt` (performance.timeOrigin + performance.now()) is
 * when it comes out of the simulated wire, i.e. arrives at the DataChannel;
 * the time it is taken minus `sentAt` is the delay the taking thread adds.
 */
import { Engine } from '../../src/engine/engine.ts';
import type { EngineStats } from '../../src/engine/types.ts';
import type { Game } from '../../src/engine/game.ts';
import { Prng } from '../../src/util/prng.ts';
import { TICK_EARLY_MS, tickDelay } from '../../worker/tick-timer.ts';
import type { RemoteConfig } from './types.ts';

interface StartCommand {
  type: 'start';
  port: MessagePort;
  config: RemoteConfig;
}
interface StatsCommand {
  type: 'stats';
}
interface StopCommand {
  type: 'stop';
}
/** Answered with `null` at once: the page knows this worker's thread runs. */
interface PingCommand {
  type: 'ping';
}
type Command = StartCommand | StatsCommand | StopCommand | PingCommand;

const scope = globalThis as unknown as {
  onmessage: ((ev: MessageEvent<Command>) => void) | null;
  postMessage(message: EngineStats | null): void;
};

const absNow = () => performance.timeOrigin + performance.now();

/** A game without state: the remote only needs the protocol, not the simulation. */
function stubGame(inputSize: number): Game<null> {
  const empty = new Uint8Array(0);
  return {
    spec: 'bench-remote',
    inputSize,
    init: () => null,
    step: (s) => s,
    save: () => empty,
    load: () => null,
  };
}

/**
 * The scripted inputs: a new 5-bit value every `changeEvery` frames, never the
 * same twice in a row, drawn in order from a seeded Prng. Frames must be asked
 * in non-decreasing order (the engine's frame + input delay is).
 */
function scriptedInputs(seed: number, changeEvery: number): (frame: number) => number {
  const rng = new Prng(seed);
  let k = -1;
  let value = -1;
  return (frame) => {
    const want = Math.floor(frame / changeEvery);
    while (k < want) {
      let v = rng.nextInt(32);
      if (v === value) v = (v + 1) & 31;
      value = v;
      k++;
    }
    return value;
  };
}

/** Most ticks run back to back after the loop was held up (as the engine host does). */
const MAX_CATCH_UP = 8;

let engine: Engine<null> | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;
let port: MessagePort | null = null;
let running = false;

scope.onmessage = (ev) => {
  const cmd = ev.data;
  if (cmd.type === 'start') {
    const c = cmd.config;
    const out = cmd.port;
    port = out;
    const e = new Engine<null>({
      game: stubGame(c.inputSize),
      players: 2,
      localPlayer: c.localPlayer,
      seed: c.seed,
      inputDelay: c.inputDelay,
      maxPrediction: c.maxPrediction,
      hashInterval: 0,
      clock: () => performance.now(),
      send: (_peer, bytes) => {
        const buf = bytes.slice().buffer;
        setTimeout(() => {
          if (running) out.postMessage({ buf, sentAt: absNow() }, [buf]);
        }, c.latencyMs);
      },
    });
    engine = e;
    out.onmessage = (m: MessageEvent<ArrayBuffer | { buf: ArrayBuffer }>) => {
      // from the engine's thread: a bare ArrayBuffer; from the page (`channels: 'page'`): `{ buf }`
      const bytes = new Uint8Array(m.data instanceof ArrayBuffer ? m.data : m.data.buf);
      setTimeout(() => {
        if (running) e.receive(1 - c.localPlayer, bytes);
      }, c.latencyMs);
    };
    out.start();
    running = true;
    const input = new Uint8Array(c.inputSize);
    const script = scriptedInputs(c.seed, c.changeEvery);
    let nextAt = performance.now();
    const loop = () => {
      if (!running) return;
      const now = performance.now();
      if (now - nextAt > MAX_CATCH_UP * e.tickMs) nextAt = now;
      for (let ran = 0; now >= nextAt - TICK_EARLY_MS && ran < MAX_CATCH_UP; ran++) {
        input[0] = script(e.frame + e.inputDelay);
        e.setLocalInput(input);
        e.tick();
        nextAt += e.tickInterval();
      }
      timer = setTimeout(loop, tickDelay(nextAt, performance.now()));
    };
    loop();
  } else if (cmd.type === 'ping') {
    scope.postMessage(null);
  } else if (cmd.type === 'stats') {
    if (engine) scope.postMessage(engine.stats());
  } else if (cmd.type === 'stop') {
    running = false;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (port) port.onmessage = null;
    port?.close();
    port = null;
  }
};
