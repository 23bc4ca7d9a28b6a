/**
 * Soak: a whole N-player session in one process. Every peer runs its own
 * Engine on a virtual clock (with a start offset and a slightly different
 * clock rate), connected by a seeded SimNetwork. Each peer's input changes
 * at random moments, so predictions miss and rollbacks happen.
 *
 * Faults: `corrupt` perturbs one peer's state right after a frame (every
 * simulation of that frame, like a real non-determinism bug); `leave` makes
 * a peer vanish once it reaches a frame, and every other peer's transport
 * reports it gone after a seeded delay (0..250 ms).
 *
 * Oracle: independent of the engines' hashes, the runner keeps every
 * peer's state bytes after each frame's step (before an episode reset) and
 * compares them across peers once the frame is confirmed everywhere.
 */
import { Engine } from '../engine/engine.ts';
import type { Game } from '../engine/game.ts';
import { gameFromSpec } from '../games/index.ts';
import { Prng, mixSeed } from '../util/prng.ts';
import { type LinkConditions, type Outage, SimNetwork } from './network.ts';

/** Options of {@link runSoak}: players, frames, network conditions, engine options. */
export interface SoakOptions extends LinkConditions {
  /** Players (peers) in the session. */
  players: number;
  /** Frames to run: the engines' end frame (a positive integer). */
  frames: number;
  /** Run seed (uint32): the session seed and, mixed, the network's and the inputs' seeds. */
  seed: number;
  /** Game spec, e.g. `arena` or `swarm?entities=1000`. */
  game: string;
  /** One-way outages on the simulated network (virtual ms). Default: none. */
  outages?: Outage[];
  /** The engines' `inputDelay`. Default: the engine's. */
  inputDelay?: number;
  /** The engines' `maxPrediction`. Default: the engine's. */
  maxPrediction?: number;
  /** The engines' `hashInterval`. Default: the engine's. */
  hashInterval?: number;
  /** Probability per tick that a peer's input changes. Default 0.1. */
  inputChangeRate?: number;
  /** Largest start offset between peers, ms. Default 100. */
  startSpreadMs?: number;
  /** Largest clock-rate difference between peers, fraction. Default 0.002. */
  clockDrift?: number;
  /** Perturb `player`'s state right after `frame` (adds 1 to the low byte of its last 32-bit word). */
  corrupt?: { player: number; frame: number }[];
  /** `player` vanishes when it reaches `frame`; the others' transports report it gone. */
  leave?: { player: number; frame: number }[];
  /** The engines' desync policy. `'resync'` adds a reliable, ordered in-memory channel (latency only). */
  desyncPolicy?: 'report' | 'resync';
}

/** What the oracle found: divergences are runs of consecutive frames whose confirmed states differ. */
export interface OracleResult {
  /** Frames whose confirmed state bytes were compared across every peer holding them. */
  readonly framesCompared: number;
  /** Runs of consecutive diverged frames. */
  readonly divergences: number;
  /** Frames whose confirmed states differed (all runs together). */
  readonly divergedFrames: number;
  /** Divergences no engine reported with a `desync` event. */
  readonly divergencesUndetected: number;
  /** First frame whose state (after its step) differed between peers, or null. */
  readonly firstDivergenceFrame: number | null;
  /** First frame a `desync` event reported (a sample frame: the state at its start), or null. */
  readonly firstDesyncFrame: number | null;
  /** Worst frames from a divergence's first frame to the sample that reported it (null: none detected). */
  readonly detectionLatencyFrames: number | null;
}

/** One peer's figures at the end of a soak run. */
export interface PeerSummary {
  /** The peer's player index. */
  readonly player: number;
  /** The engine's current frame at the end. */
  readonly frame: number;
  /** The engine's confirmed frame at the end. */
  readonly confirmedFrame: number;
  /** Rollbacks the engine ran. */
  readonly rollbacks: number;
  /** The engine's deepest rollback, frames. */
  readonly maxRollback: number;
  /** Ticks the engine stalled. */
  readonly stalls: number;
  /** Desyncs the engine detected. */
  readonly desyncs: number;
  /** Input frames the engine resent. */
  readonly inputsResent: number;
  /** Duplicate input frames the engine received. */
  readonly inputsDuplicate: number;
  /** Packets the engine dropped as malformed. */
  readonly malformed: number;
  /** Episodes the peer reached (1 plus the episode ends it confirmed). */
  readonly episodes: number;
  /** Hash of the peer's final confirmed state (hex). */
  readonly finalHash: string;
  /** The peer left the session (a `leave` fault). */
  readonly left: boolean;
}

/** What {@link runSoak} returns: per-peer figures and whether every peer's confirmed states and logs agree. */
export interface SoakResult {
  /** Players in the session. */
  readonly players: number;
  /** The game's spec, version included. */
  readonly game: string;
  /** The run seed. */
  readonly seed: number;
  /** Frames the session was to run. */
  readonly frames: number;
  /** True when every peer confirmed every frame before the time limit. */
  readonly completed: boolean;
  /** Virtual time the run took, seconds. */
  readonly virtualSeconds: number;
  /** Desyncs detected, over all peers. */
  readonly desyncs: number;
  /** Frames confirmed by every peer. */
  readonly confirmedFrames: number;
  /** Deepest rollback of any peer, frames. */
  readonly maxRollback: number;
  /** Rollbacks, over all peers. */
  readonly rollbacks: number;
  /** Stalled ticks, over all peers. */
  readonly stalls: number;
  /** Inputs of frames before `frames` that some peer never received. */
  readonly inputsLost: number;
  /** Every peer's confirmed input log byte-identical. */
  readonly logsIdentical: boolean;
  /** Every peer's hash of the final confirmed state (hex). */
  readonly finalHashes: string[];
  /** Every remaining peer's final confirmed state hash is the same. */
  readonly hashesIdentical: boolean;
  /** Most episodes any peer reached. */
  readonly episodes: number;
  /** Packets dropped as malformed, over all peers. */
  readonly malformed: number;
  /** The simulated network's packet counters (a subset of `SimNetwork.counters`). */
  readonly packets: { sent: number; dropped: number; duplicated: number; reordered: number; outageDropped: number };
  /** Largest packets per second any peer sent on one link (departure relays included). */
  readonly maxPacketsPerSecondPerLink: number;
  /** Largest packets per tick any peer sent on one link (1 when everything rides on the input packet). */
  readonly maxPacketsPerTickPerLink: number;
  /** What the state oracle found. */
  readonly oracle: OracleResult;
  /** Departures as the remaining peers agreed them (player, frame), when players left. */
  readonly departures: { player: number; frame: number }[];
  /** Every remaining peer reported the same departure frames. */
  readonly departuresAgreed: boolean;
  /** The remaining peers' input logs are byte-identical. */
  readonly remainingLogsIdentical: boolean;
  /** Frames every remaining peer confirmed after the last departure frame (0 without departures). */
  readonly framesAfterLeave: number;
  /** Resync snapshots loaded, over all peers (policy `resync`). */
  readonly resyncsLoaded: number;
  /** Each peer's figures, by player index. */
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
  const corruptions = options.corrupt ?? [];
  const leaves = options.leave ?? [];
  for (const f of [...corruptions, ...leaves]) {
    if (!Number.isInteger(f.player) || f.player < 0 || f.player >= players || !Number.isInteger(f.frame) || f.frame < 0) {
      throw new RangeError(`fault ${f.player}@${f.frame} needs a player 0..${players - 1} and a frame >= 0`);
    }
  }

  // Oracle: the newest simulation of each frame, per peer (bytes after the step), until the frame is confirmed.
  const simulated = Array.from({ length: players }, () => new Map<number, Uint8Array>());
  const confirmedBytes = new Map<number, (Uint8Array | undefined)[]>();
  const moved = new Int32Array(players).fill(-1);
  const diverged: number[] = [];
  let framesCompared = 0;
  const desyncFrames: number[] = [];
  const agreed: { player: number; frame: number }[][] = Array.from({ length: players }, () => []);

  const peers = Array.from({ length: players }, (_, p) => {
    const corruptAt = new Set(corruptions.filter((c) => c.player === p).map((c) => c.frame));
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
      send: (to, bytes) => {
        sentPerLink[p * players + to]!++;
        net.send(p, to, bytes, now);
      },
      desyncPolicy: options.desyncPolicy,
      sendReliable: (to, bytes) => {
        const link = p * players + to;
        const at = Math.max(now + options.latencyMs, reliableLast[link]!);
        reliableLast[link] = at;
        reliable.push({ at, from: p, to, bytes: bytes.slice() });
      },
      stepHook: (frame, state) => {
        let out: unknown = state;
        if (corruptAt.has(frame)) {
          const bytes = game.save(state).slice();
          const at = Math.max(0, bytes.length - 4); // low byte of the last 32-bit word
          bytes[at] = (bytes[at]! + 1) & 0xff;
          out = game.load(bytes);
        }
        simulated[p]!.set(frame, game.save(out).slice());
        return out;
      },
    });
    engine.on('episode', () => episodes[p]!++);
    engine.on('desync', (d) => desyncFrames.push(d.frame));
    engine.on('peer-left', (d) => agreed[p]!.push({ player: d.player, frame: d.frame }));
    const input = new Uint8Array(game.inputSize);
    return { engine, input, nextTick: uniform() * spread, rate: 1 + (uniform() * 2 - 1) * drift, gone: false };
  });
  const sentPerLink = new Float64Array(players * players);
  const reliable: { at: number; from: number; to: number; bytes: Uint8Array }[] = [];
  const reliableLast = new Float64Array(players * players);
  const ticks = new Float64Array(players);
  const drops: { at: number; peer: number; player: number }[] = [];

  const depositConfirmed = (p: number) => {
    const c = peers[p]!.engine.confirmedFrame;
    for (let f = moved[p]! + 1; f <= c; f++) {
      const bytes = simulated[p]!.get(f);
      simulated[p]!.delete(f);
      let row = confirmedBytes.get(f);
      if (!row) confirmedBytes.set(f, (row = new Array<Uint8Array | undefined>(players)));
      row[p] = bytes;
    }
    if (c > moved[p]!) moved[p] = c;
  };
  const compareRow = (f: number, row: (Uint8Array | undefined)[]) => {
    const held = row.filter((b): b is Uint8Array => b !== undefined);
    if (held.length < 2) return;
    framesCompared++;
    if (held.some((b) => !sameBytes(b, held[0]!))) diverged.push(f);
  };
  const compareReady = () => {
    for (const [f, row] of confirmedBytes) {
      if (!peers.every((q, i) => q.gone || row[i] !== undefined)) continue;
      confirmedBytes.delete(f);
      compareRow(f, row);
    }
  };

  const active = () => peers.filter((p) => !p.gone);
  const limitMs = frames * tickMs * 4 + 60_000;
  let iterations = 0;
  const maxIterations = frames * players * 200 + 1_000_000;
  while (!active().every((p) => p.engine.settled) && now <= limitMs && iterations++ < maxIterations) {
    let next = net.nextTime();
    for (const p of peers) if (!p.gone && p.nextTick < next) next = p.nextTick;
    for (const d of drops) if (d.at < next) next = d.at;
    for (const r of reliable) if (r.at < next) next = r.at;
    now = next;
    for (let i = 0; i < reliable.length; ) {
      const r = reliable[i]!;
      if (r.at > now) {
        i++;
        continue;
      }
      reliable.splice(i, 1);
      if (!peers[r.to]!.gone && !peers[r.from]!.gone) peers[r.to]!.engine.receiveReliable(r.from, r.bytes);
    }
    for (const d of net.due(now)) if (!peers[d.to]!.gone && !peers[d.from]!.gone) peers[d.to]!.engine.receive(d.from, d.bytes);
    for (let i = drops.length - 1; i >= 0; i--) {
      const d = drops[i]!;
      if (d.at > now) continue;
      drops.splice(i, 1);
      if (!peers[d.peer]!.gone) peers[d.peer]!.engine.dropPlayer(d.player);
    }
    for (let i = 0; i < peers.length; i++) {
      const p = peers[i]!;
      if (p.gone || p.nextTick > now) continue;
      if (leaves.some((l) => l.player === i && p.engine.frame >= l.frame)) {
        p.gone = true;
        for (let q = 0; q < players; q++) if (q !== i && !peers[q]!.gone) drops.push({ at: now + uniform() * 250, peer: q, player: i });
        continue;
      }
      if (uniform() < changeRate) {
        for (let k = 0; k < p.input.length; k++) p.input[k] = rng.nextU32() & 0xff;
        p.engine.setLocalInput(p.input);
      }
      p.engine.tick();
      ticks[i]!++;
      depositConfirmed(i);
      p.nextTick += p.engine.tickInterval() * p.rate;
    }
    compareReady();
  }
  for (const [f, row] of confirmedBytes) compareRow(f, row);

  const remaining = peers.map((p, i) => ({ p, i })).filter(({ p }) => !p.gone);
  const logs = peers.map((p) => p.engine.exportInputLog());
  const finalHashes = peers.map((p) => hex(p.engine.confirmedStateHash().hash));
  const stats = peers.map((p) => p.engine.stats());
  let inputsLost = 0;
  for (const { i } of remaining) {
    for (const peer of stats[i]!.peers) {
      if (peers[peer.player]!.gone) continue;
      inputsLost += Math.max(0, frames - 1 - peer.lastReceivedFrame);
    }
  }
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
    left: peers[p]!.gone,
  }));
  const sum = (k: 'rollbacks' | 'stalls' | 'desyncs' | 'malformed') => stats.reduce((a, s) => a + s[k], 0);
  const remainingLogs = remaining.map(({ i }) => logs[i]!);
  const remainingHashes = remaining.map(({ i }) => finalHashes[i]!);
  const key = (d: { player: number; frame: number }[]) => JSON.stringify([...d].sort((a, b) => a.player - b.player));
  const agreedRemaining = remaining.map(({ i }) => agreed[i]!);
  const departures = agreedRemaining[0] ?? [];
  const lastDeparture = departures.reduce((m, d) => Math.max(m, d.frame), -1);
  const confirmedFrames = Math.min(...remaining.map(({ i }) => stats[i]!.confirmedFrame + 1));
  const elapsedS = Math.max(now, tickMs) / 1000;
  return {
    players,
    game: game.spec,
    seed,
    frames,
    completed: remaining.every(({ p }) => p.engine.finished),
    virtualSeconds: Math.round(now) / 1000,
    desyncs: sum('desyncs'),
    confirmedFrames,
    maxRollback: Math.max(...stats.map((s) => s.maxRollback)),
    rollbacks: sum('rollbacks'),
    stalls: sum('stalls'),
    inputsLost,
    logsIdentical: remainingLogs.every((l) => sameBytes(l, remainingLogs[0]!)),
    finalHashes,
    hashesIdentical: remainingHashes.every((h) => h === remainingHashes[0]),
    episodes: Math.max(...episodes),
    malformed: sum('malformed'),
    packets: {
      sent: net.counters.sent,
      dropped: net.counters.dropped,
      duplicated: net.counters.duplicated,
      reordered: net.counters.reordered,
      outageDropped: net.counters.outageDropped,
    },
    maxPacketsPerSecondPerLink: Math.max(...sentPerLink) / elapsedS,
    maxPacketsPerTickPerLink: Math.max(...Array.from(sentPerLink, (n, k) => (n === 0 ? 0 : n / ticks[Math.floor(k / players)]!))),
    oracle: oracle(diverged, desyncFrames, framesCompared),
    departures,
    departuresAgreed: agreedRemaining.every((d) => key(d) === key(departures)),
    remainingLogsIdentical: remainingLogs.every((l) => sameBytes(l, remainingLogs[0]!)),
    framesAfterLeave: lastDeparture < 0 ? 0 : Math.max(0, confirmedFrames - lastDeparture),
    resyncsLoaded: stats.reduce((a, s) => a + s.resyncsLoaded, 0),
    peers: summaries,
  };
}

/** Group diverged frames into runs and match each run with the desync reports. */
function oracle(diverged: number[], desyncFrames: number[], framesCompared: number): OracleResult {
  diverged.sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const f of diverged) {
    const last = runs.at(-1);
    if (last && f === last[1] + 1) last[1] = f;
    else runs.push([f, f]);
  }
  // A sample of frame F hashes the state after frame F − 1's step.
  const stepFrames = desyncFrames.map((F) => F - 1).sort((a, b) => a - b);
  let undetected = 0;
  let latency: number | null = null;
  for (const [a, b] of runs) {
    const hit = stepFrames.find((f) => f >= a && f <= b);
    if (hit === undefined) undetected++;
    else latency = Math.max(latency ?? 0, hit - a);
  }
  return {
    framesCompared,
    divergences: runs.length,
    divergedFrames: diverged.length,
    divergencesUndetected: undetected,
    firstDivergenceFrame: runs[0]?.[0] ?? null,
    firstDesyncFrame: desyncFrames.length ? Math.min(...desyncFrames) : null,
    detectionLatencyFrames: latency,
  };
}
