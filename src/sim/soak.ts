/**
 * Soak: a whole N-player session in one process. Every peer runs its own
 * Engine on a virtual clock (with a start offset and a slightly different
 * clock rate), connected by a seeded SimNetwork. Each peer's input changes
 * at random moments, so predictions miss and rollbacks happen.
 */
import { Engine } from '../engine/engine.ts';
import type { Game } from '../engine/game.ts';
import { gameFromSpec } from '../games/index.ts';
import { Prng, mixSeed } from '../util/prng.ts';
import { type LinkConditions, type Outage, SimNetwork } from './network.ts';

export interface SoakOptions extends LinkConditions {
  players: number;
  frames: number;
  seed: number;
  /** Game spec, e.g. `arena` or `swarm?entities=1000`. */
  game: string;
  outages?: Outage[];
  inputDelay?: number;
  maxPrediction?: number;
  hashInterval?: number;
  /** Probability per tick that a peer's input changes. Default 0.1. */
  inputChangeRate?: number;
  /** Largest start offset between peers, ms. Default 100. */
  startSpreadMs?: number;
  /** Largest clock-rate difference between peers, fraction. Default 0.002. */
  clockDrift?: number;
}

export interface PeerSummary {
  readonly player: number;
  readonly frame: number;
  readonly confirmedFrame: number;
  readonly rollbacks: number;
  readonly maxRollback: number;
  readonly stalls: number;
  readonly desyncs: number;
  readonly inputsResent: number;
  readonly inputsDuplicate: number;
  readonly malformed: number;
  readonly episodes: number;
  readonly finalHash: string;
}

export interface SoakResult {
  readonly players: number;
  readonly game: string;
  readonly seed: number;
  readonly frames: number;
  /** True when every peer confirmed every frame before the time limit. */
  readonly completed: boolean;
  readonly virtualSeconds: number;
  readonly desyncs: number;
  /** Frames confirmed by every peer. */
  readonly confirmedFrames: number;
  readonly maxRollback: number;
  readonly rollbacks: number;
  readonly stalls: number;
  /** Inputs of frames before `frames` that some peer never received. */
  readonly inputsLost: number;
  /** Every peer's confirmed input log byte-identical. */
  readonly logsIdentical: boolean;
  /** Every peer's hash of the final confirmed state (hex). */
  readonly finalHashes: string[];
  readonly hashesIdentical: boolean;
  readonly episodes: number;
  readonly malformed: number;
  readonly packets: { sent: number; dropped: number; duplicated: number; reordered: number; outageDropped: number };
  readonly peers: PeerSummary[];
}

const hex = (n: number) => n.toString(16).padStart(8, '0');

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Run a soak session to completion (or its virtual time limit). */
export function runSoak(options: SoakOptions, resolveGame: (spec: string) => Game<unknown> = gameFromSpec): SoakResult {
  const { players, frames, seed } = options;
  if (!Number.isInteger(frames) || frames < 1) throw new RangeError(`frames must be a positive integer, got ${frames}`);
  const game = resolveGame(options.game);
  const tickMs = 1000 / 60;
  const net = new SimNetwork(mixSeed(seed, 1), options);
  for (const o of options.outages ?? []) net.addOutage(o);
  const rng = new Prng(mixSeed(seed, 2));
  const uniform = () => rng.nextU32() / 0x1_0000_0000;
  let now = 0;
  const episodes = new Array<number>(players).fill(1);
  const spread = options.startSpreadMs ?? 100;
  const drift = options.clockDrift ?? 0.002;
  const changeRate = options.inputChangeRate ?? 0.1;

  const peers = Array.from({ length: players }, (_, p) => {
    const engine = new Engine({
      game,
      players,
      localPlayer: p,
      seed,
      endFrame: frames,
      inputDelay: options.inputDelay,
      maxPrediction: options.maxPrediction,
      hashInterval: options.hashInterval,
      tickMs,
      clock: () => now,
      send: (to, bytes) => net.send(p, to, bytes, now),
    });
    engine.on('episode', () => episodes[p]!++);
    const input = new Uint8Array(game.inputSize);
    return { engine, input, nextTick: uniform() * spread, rate: 1 + (uniform() * 2 - 1) * drift };
  });

  const limitMs = frames * tickMs * 4 + 60_000;
  let iterations = 0;
  const maxIterations = frames * players * 200 + 1_000_000;
  while (!peers.every((p) => p.engine.finished) && now <= limitMs && iterations++ < maxIterations) {
    let next = net.nextTime();
    for (const p of peers) if (p.nextTick < next) next = p.nextTick;
    now = next;
    for (const d of net.due(now)) peers[d.to]!.engine.receive(d.from, d.bytes);
    for (const p of peers) {
      if (p.nextTick > now) continue;
      if (uniform() < changeRate) {
        for (let i = 0; i < p.input.length; i++) p.input[i] = rng.nextU32() & 0xff;
        p.engine.setLocalInput(p.input);
      }
      p.engine.tick();
      p.nextTick += p.engine.tickInterval() * p.rate;
    }
  }

  const logs = peers.map((p) => p.engine.exportInputLog());
  const finalHashes = peers.map((p) => hex(p.engine.confirmedStateHash().hash));
  const stats = peers.map((p) => p.engine.stats());
  let inputsLost = 0;
  for (const s of stats) for (const peer of s.peers) inputsLost += Math.max(0, frames - 1 - peer.lastReceivedFrame);
  const summaries: PeerSummary[] = stats.map((s, p) => ({
    player: p,
    frame: s.frame,
    confirmedFrame: s.confirmedFrame,
    rollbacks: s.rollbacks,
    maxRollback: s.maxRollback,
    stalls: s.stalls,
    desyncs: s.desyncs,
    inputsResent: s.inputsResent,
    inputsDuplicate: s.inputsDuplicate,
    malformed: s.malformed,
    episodes: episodes[p]!,
    finalHash: finalHashes[p]!,
  }));
  const sum = (k: 'rollbacks' | 'stalls' | 'desyncs' | 'malformed') => stats.reduce((a, s) => a + s[k], 0);
  return {
    players,
    game: game.spec,
    seed,
    frames,
    completed: peers.every((p) => p.engine.finished),
    virtualSeconds: Math.round(now) / 1000,
    desyncs: sum('desyncs'),
    confirmedFrames: Math.min(...stats.map((s) => s.confirmedFrame + 1)),
    maxRollback: Math.max(...stats.map((s) => s.maxRollback)),
    rollbacks: sum('rollbacks'),
    stalls: sum('stalls'),
    inputsLost,
    logsIdentical: logs.every((l) => sameBytes(l, logs[0]!)),
    finalHashes,
    hashesIdentical: finalHashes.every((h) => h === finalHashes[0]),
    episodes: Math.max(...episodes),
    malformed: sum('malformed'),
    packets: {
      sent: net.counters.sent,
      dropped: net.counters.dropped,
      duplicated: net.counters.duplicated,
      reordered: net.counters.reordered,
      outageDropped: net.counters.outageDropped,
    },
    peers: summaries,
  };
}
