import { Engine, type EngineOptions } from '../../src/engine/engine.ts';
import type { Game } from '../../src/engine/game.ts';
import { type LinkConditions, PERFECT_LINK, SimNetwork } from '../../src/sim/network.ts';

/** N engines on a virtual clock, linked by a SimNetwork, ticked in lockstep. */
export function mesh<S>(
  game: Game<S>,
  players: number,
  opts: Partial<EngineOptions<S>> = {},
  link: LinkConditions = PERFECT_LINK,
) {
  let now = 0;
  const net = new SimNetwork(1234, link);
  const engines = Array.from(
    { length: players },
    (_, p) =>
      new Engine<S>({
        game,
        players,
        localPlayer: p,
        seed: 7,
        clock: () => now,
        send: (to, bytes) => net.send(p, to, bytes, now),
        ...opts,
      }),
  );
  const tickMs = 1000 / 60;
  return {
    engines,
    net,
    get now() {
      return now;
    },
    /** Advance virtual time one tick: deliver due packets, tick every engine (or only `only`). */
    step(only?: number[]) {
      now += tickMs;
      for (const d of net.due(now)) engines[d.to]!.receive(d.from, d.bytes);
      engines.forEach((e, i) => {
        if (!only || only.includes(i)) e.tick();
      });
    },
    run(ticks: number, inputs?: (engine: number, tick: number) => Uint8Array | undefined) {
      for (let t = 0; t < ticks; t++) {
        if (inputs) engines.forEach((e, i) => {
          const input = inputs(i, t);
          if (input) e.setLocalInput(input);
        });
        this.step();
      }
    },
  };
}

/** A tiny deterministic game: state = [sum of inputs weighted by player, frame count]. */
export interface CounterState {
  data: Int32Array;
}
export function counterGame(options: { episodeFrames?: number; nondeterministic?: () => number } = {}): Game<CounterState> {
  return {
    spec: 'counter',
    inputSize: 1,
    init: (seed) => ({ data: Int32Array.from([seed | 0, 0]) }),
    step(state, inputs, frame) {
      const d = state.data;
      for (let p = 0; p < inputs.length; p++) d[0] = (Math.imul(d[0]!, 31) + inputs[p]! * (p + 1) + frame) | 0;
      if (options.nondeterministic) d[0] = (d[0]! + options.nondeterministic()) | 0;
      d[1] = d[1]! + 1;
      return state;
    },
    save: (state, reuse) => {
      const bytes = new Uint8Array(state.data.buffer.slice(0));
      if (reuse && reuse.length === bytes.length) {
        reuse.set(bytes);
        return reuse;
      }
      return bytes;
    },
    load: (bytes) => ({ data: new Int32Array(bytes.slice().buffer) }),
    isEpisodeOver: options.episodeFrames ? (s) => s.data[1]! >= options.episodeFrames! : undefined,
  };
}
