import { Engine, type EngineOptions } from '../../src/engine/engine.ts';
import type { Game } from '../../src/engine/game.ts';
import { type LinkConditions, PERFECT_LINK, SimNetwork } from '../../src/sim/network.ts';

/**
 * N engines on a virtual clock with two simulated networks: the unreliable
 * one (inputs) and the "reliable" one (pause messages), each with its own
 * impairment, so the pause protocol is tested on loss, reordering and
 * duplication of its own messages too.
 */
export function pauseMesh<S>(
  game: Game<S>,
  players: number,
  opts: Partial<EngineOptions<S>> = {},
  link: LinkConditions = PERFECT_LINK,
  reliableLink: LinkConditions = PERFECT_LINK,
) {
  let now = 0;
  const net = new SimNetwork(1234, link);
  const rel = new SimNetwork(4321, reliableLink);
  const gone = new Set<number>();
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
        sendReliable: (to, bytes) => rel.send(p, to, bytes, now),
        ...opts,
      }),
  );
  /** Per engine: every frame at which a tick was held by a pause. */
  const pausedAt = engines.map(() => new Set<number>());
  return {
    engines,
    net,
    rel,
    pausedAt,
    get now() {
      return now;
    },
    /** Player `p`'s page is gone: nothing from or to it is delivered, and it no longer ticks. */
    kill(p: number) {
      gone.add(p);
    },
    step() {
      now += 1000 / 60;
      for (const d of net.due(now)) if (!gone.has(d.from) && !gone.has(d.to)) engines[d.to]!.receive(d.from, d.bytes);
      for (const d of rel.due(now)) if (!gone.has(d.from) && !gone.has(d.to)) engines[d.to]!.receiveReliable(d.from, d.bytes);
      engines.forEach((e, i) => {
        if (gone.has(i)) return;
        if (e.tick().paused) pausedAt[i]!.add(e.frame);
      });
    },
    run(ticks: number, each?: (tick: number) => void) {
      for (let t = 0; t < ticks; t++) {
        each?.(t);
        this.step();
      }
    },
    /** Tick until `done` holds (at most `limit` ticks); returns the ticks run. */
    until(done: () => boolean, limit = 2000): number {
      for (let t = 0; t < limit; t++) {
        if (done()) return t;
        this.step();
      }
      throw new Error(`not done after ${limit} ticks`);
    },
  };
}

/** A varying input for player `p` at tick `t` (1 byte). */
export function wobble(p: number, t: number): Uint8Array {
  return Uint8Array.of(((t * (p + 3)) >> 3) & 7);
}
