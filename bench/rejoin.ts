/**
 * Rejoin figures for `npm run bench:net` (engine level, in this process;
 * see REJOIN_DEFINITIONS): how long a state transfer of a 64 KiB game state
 * takes from the sender's tick to the receiver's loaded state, and how long
 * a reloaded player takes from its fresh engine to playing again.
 */
import { Engine } from '../src/engine/engine.ts';
import type { Game } from '../src/engine/game.ts';
import { SimNetwork } from '../src/sim/network.ts';
import { median } from './stats.ts';

export const REJOIN_DEFINITIONS = {
  snapshotTransferMs:
    'Wall-clock ms, in this Node process, from the tick in which the live peer builds and sends a state transfer (64 KiB game state + 8-byte engine header, plus the confirmed inputs of 600 frames) to the end of the tick in which the returning engine has reassembled it (16 KiB chunks through the binary codec, per-chunk copies, xxHash32 checksum), decoded and loaded it. No network in between (the reliable channel is an in-memory queue): the serialization, chunking, checksum and load cost. Median of the runs.',
  rejoinEngineMsP50:
    "Engine protocol time on a virtual 60 Hz clock, 2 players over a simulated link of 20 ms one-way latency on both channels: from a player's fresh engine (joining: true, i.e. right after its page reloaded and reconnected) to the first tick at which the live peer has confirmed a frame holding that player's own input again (its return frame). Median of the runs (reload at different ticks). It does NOT include the page reload, the worker start, the server resume or the WebRTC reconnection: the page-level figure is rejoinMsP50.",
} as const;

const STATE_BYTES = 64 * 1024;

/** A game whose state is 64 KiB of bytes, stepped deterministically. */
function bigGame(): Game<Uint8Array> {
  return {
    spec: 'bench-64k',
    inputSize: 1,
    init: (seed) => new Uint8Array(STATE_BYTES).map((_, i) => (i * 31 + seed) & 0xff),
    step(state, inputs, frame) {
      const at = (frame * 97) % STATE_BYTES;
      state[at] = (state[at]! + inputs[0]! + 2 * inputs[1]! + 1) & 0xff;
      return state;
    },
    save: (state, reuse) => {
      if (reuse && reuse.length === state.length) {
        reuse.set(state);
        return reuse;
      }
      return state.slice();
    },
    load: (bytes) => bytes.slice(),
  };
}

function pair(latencyMs: number, seed: number) {
  let now = 0;
  const game = bigGame();
  const net = new SimNetwork(seed, { latencyMs, jitterMs: 0, loss: 0, dup: 0, reorder: 0 });
  const reliable: { from: number; to: number; bytes: Uint8Array; at: number }[] = [];
  const make = (p: number, joining: boolean) =>
    new Engine({
      game,
      players: 2,
      localPlayer: p,
      seed: 5,
      clock: () => now,
      rejoinable: true,
      joining,
      hashInterval: 60,
      send: (to, bytes) => net.send(p, to, bytes, now),
      sendReliable: (to, bytes) => reliable.push({ from: p, to, bytes: bytes.slice(), at: now + latencyMs }),
    });
  const engines = [make(0, false), make(1, false)];
  return {
    engines,
    get now() {
      return now;
    },
    reload(p: number) {
      for (let i = reliable.length - 1; i >= 0; i--) if (reliable[i]!.to === p) reliable.splice(i, 1);
      engines[p] = make(p, true);
    },
    step() {
      now += 1000 / 60;
      for (const d of net.due(now)) engines[d.to]!.receive(d.from, d.bytes);
      while (reliable.length > 0 && reliable[0]!.at <= now) {
        const r = reliable.shift()!;
        engines[r.to]!.receiveReliable(r.from, r.bytes);
      }
      for (const e of engines) e.tick();
    },
  };
}

const inputOf = (p: number, t: number) => Uint8Array.of(((t >> 3) + p) & 3);

/** Median wall ms of a 64 KiB state transfer (see the definition), over `runs` runs. */
export function snapshotTransferMs(runs: number): { median: number; samples: number[]; bytes: number } {
  const samples: number[] = [];
  let bytes = 0;
  for (let r = 0; r < runs; r++) {
    const m = pair(0, r + 1);
    for (let t = 0; t < 600; t++) {
      m.engines.forEach((e, p) => e.setLocalInput(inputOf(p, t)));
      m.step();
    }
    m.reload(1);
    m.engines[1]!.linkUp(0);
    let sentAt = 0;
    let loadedAt = 0;
    m.engines[0]!.on('transfer', (e) => {
      if (e.direction === 'sent') {
        sentAt = performance.now();
        bytes = e.bytes;
      }
    });
    m.engines[1]!.on('transfer', (e) => {
      if (e.direction === 'loaded') loadedAt = performance.now();
    });
    for (let t = 0; t < 300 && loadedAt === 0; t++) {
      const before = performance.now();
      const hadSent = sentAt > 0;
      m.step();
      if (!hadSent && sentAt > 0) sentAt = before; // from the start of the tick that built and sent it
    }
    if (sentAt === 0 || loadedAt === 0) throw new Error('the state transfer did not complete');
    samples.push(loadedAt - sentAt);
  }
  return { median: median(samples), samples, bytes };
}

/** Median virtual ms from a fresh (reloaded) engine to its inputs counting again (see the definition). */
export function rejoinMs(runs: number): { median: number; samples: number[] } {
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const m = pair(20, r + 11);
    const reloadAt = 300 + r * 37;
    for (let t = 0; t < reloadAt; t++) {
      m.engines.forEach((e, p) => e.setLocalInput(inputOf(p, t)));
      m.step();
    }
    m.reload(1);
    const start = m.now;
    m.engines[1]!.linkUp(0);
    m.engines[0]!.linkUp(1);
    let J = -1;
    m.engines[0]!.on('peer-returned', (e) => (J = e.frame));
    let done = -1;
    for (let t = 0; t < 3600 && done < 0; t++) {
      m.engines.forEach((e, p) => e.setLocalInput(inputOf(p, t)));
      m.step();
      if (J >= 0 && m.engines[0]!.confirmedFrame >= J) done = m.now;
    }
    if (done < 0) throw new Error('the reloaded player did not play again within 60 s');
    samples.push(done - start);
  }
  return { median: median(samples), samples };
}
