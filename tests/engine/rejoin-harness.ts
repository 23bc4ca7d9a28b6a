/**
 * Engines on a virtual clock with an unreliable SimNetwork and an ordered,
 * reliable channel per directed link, where any player's links can be cut
 * (both ways, both channels) and an engine can be replaced (a reload).
 */
import { Engine, type EngineOptions } from '../../src/engine/engine.ts';
import type { Game } from '../../src/engine/game.ts';
import { type LinkConditions, PERFECT_LINK, SimNetwork } from '../../src/sim/network.ts';

export interface RejoinMesh<S> {
  engines: Engine<S>[];
  readonly cut: Set<number>;
  /** Reliable messages a cut dropped, in the order they were sent (a test may deliver them late). */
  readonly dropped: { from: number; to: number; bytes: Uint8Array }[];
  /** Deliver due packets and reliable messages, then tick every engine once. */
  step(): void;
  run(ticks: number, input?: (player: number, tick: number) => number): void;
  /** Replace player `p`'s engine with a fresh one (a reload), joining. */
  reload(p: number, extra?: Partial<EngineOptions<S>>): Engine<S>;
  /** Both ends of every link of `p` report the reliable channel open. */
  reconnect(p: number): void;
  readonly ticks: number;
}

export function rejoinMesh<S>(game: Game<S>, players: number, opts: Partial<EngineOptions<S>> = {}, link: LinkConditions = PERFECT_LINK): RejoinMesh<S> {
  let now = 0;
  let ticks = 0;
  const net = new SimNetwork(99, link);
  const cut = new Set<number>();
  const dropped: { from: number; to: number; bytes: Uint8Array }[] = [];
  const reliable: { from: number; to: number; bytes: Uint8Array; at: number }[] = [];
  const blocked = (a: number, b: number) => cut.has(a) || cut.has(b);
  const make = (p: number, extra: Partial<EngineOptions<S>> = {}) =>
    new Engine<S>({
      game,
      players,
      localPlayer: p,
      seed: 11,
      clock: () => now,
      rejoinable: true,
      send: (to, bytes) => {
        if (!blocked(p, to)) net.send(p, to, bytes, now);
      },
      sendReliable: (to, bytes) => {
        if (!blocked(p, to)) reliable.push({ from: p, to, bytes: bytes.slice(), at: now + 20 });
        else dropped.push({ from: p, to, bytes: bytes.slice() });
      },
      ...opts,
      ...extra,
    });
  const engines = Array.from({ length: players }, (_, p) => make(p));
  const m: RejoinMesh<S> = {
    engines,
    cut,
    dropped,
    get ticks() {
      return ticks;
    },
    step() {
      now += 1000 / 60;
      ticks++;
      for (const d of net.due(now)) if (!blocked(d.from, d.to)) engines[d.to]!.receive(d.from, d.bytes);
      while (reliable.length > 0 && reliable[0]!.at <= now) {
        const r = reliable.shift()!;
        if (!blocked(r.from, r.to)) engines[r.to]!.receiveReliable(r.from, r.bytes);
      }
      for (const e of engines) e.tick();
    },
    run(n, input) {
      for (let t = 0; t < n; t++) {
        if (input) engines.forEach((e, p) => e.setLocalInput(Uint8Array.of(input(p, ticks) & 0xff)));
        m.step();
      }
    },
    reload(p, extra) {
      for (let i = reliable.length - 1; i >= 0; i--) if (reliable[i]!.to === p || reliable[i]!.from === p) reliable.splice(i, 1);
      engines[p] = make(p, { joining: true, ...extra });
      return engines[p]!;
    },
    reconnect(p) {
      for (let q = 0; q < players; q++) {
        if (q === p) continue;
        engines[p]!.linkUp(q);
        engines[q]!.linkUp(p);
      }
    },
  };
  return m;
}

/** The first `frames` frames of each engine's confirmed log, as comparable bytes with the absences. */
export function logPrefix<S>(e: Engine<S>, frames: number): { inputs: string; absences: string; departures: string } {
  const log = e.inputLog();
  if (log.frames < frames) throw new Error(`player ${e.localPlayer} confirmed only ${log.frames} frames, wanted ${frames}`);
  const stride = log.players * log.inputSize;
  return {
    inputs: Buffer.from(log.inputs.subarray(0, frames * stride)).toString('hex'),
    absences: JSON.stringify(log.absences ?? []),
    departures: JSON.stringify(log.departures ?? []),
  };
}
