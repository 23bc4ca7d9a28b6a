/**
 * Engine integrity: input-delay changes lose nothing, session binding,
 * hash samples survive loss bursts, players leave (agreement, relays,
 * neutral input, replay), hash samples at episode ends.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import type { Game } from '../../src/engine/game.ts';
import { decodeInputLog, replay } from '../../src/engine/input-log.ts';
import { createArena } from '../../src/games/arena.ts';
import { gameFromSpec } from '../../src/games/index.ts';
import { Prng } from '../../src/util/prng.ts';
import { counterGame, mesh } from './harness.ts';

const byte = (v: number) => Uint8Array.of(v);

/** Runs of equal values: [value, length][]. */
function runs(values: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const v of values) {
    const last = out.at(-1);
    if (last && last[0] === v) last[1]++;
    else out.push([v, 1]);
  }
  return out;
}

/** A one-player engine (confirms at once) driven tick by tick with the given input per tick. */
function solo(delay: number) {
  return new Engine({ game: counterGame(), players: 1, localPlayer: 0, seed: 1, send: () => {}, inputDelay: delay, hashInterval: 0 });
}

describe('input delay changes lose nothing', () => {
  it('lowering 6 → 0 keeps a key held for 3 ticks for exactly 3 frames', () => {
    const e = solo(6);
    const ticks: number[] = [];
    const tick = (v: number) => {
      e.setLocalInput(byte(v));
      ticks.push(v);
      e.tick();
    };
    for (let i = 0; i < 30; i++) tick(0);
    e.setInputDelay(0);
    for (let i = 0; i < 3; i++) tick(7);
    for (let i = 0; i < 40; i++) tick(0);
    const logged = [...e.inputLog().inputs];
    const pressed = runs(logged).filter(([v]) => v !== 0);
    expect(pressed).toEqual([[7, 3]]);
    // the delay really came down: a later tap lands on the frame of its tick
    const before = e.frame;
    tick(9);
    for (let i = 0; i < 3; i++) tick(0);
    expect(e.inputLog().inputs[before]).toBe(9);
  });

  it('raising 0 → 6 fills the gap with the input in effect before, so a 1-tick tap stays 1 frame', () => {
    const e = solo(0);
    for (let i = 0; i < 20; i++) {
      e.setLocalInput(byte(0));
      e.tick();
    }
    e.setInputDelay(6);
    e.setLocalInput(byte(5));
    e.tick();
    for (let i = 0; i < 20; i++) {
      e.setLocalInput(byte(0));
      e.tick();
    }
    expect(runs([...e.inputLog().inputs]).filter(([v]) => v !== 0)).toEqual([[5, 1]]);
  });

  it('random taps and random delay changes: every tap is logged in order, held exactly as long', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rng = new Prng(seed);
      const e = solo(rng.nextInt(8));
      const taps: [number, number][] = [];
      for (let t = 0; t < 60; t++) {
        // idle gap, possibly with a delay change once the key is released (the rule's condition for exact lengths)
        const gap = 1 + rng.nextInt(6);
        for (let i = 0; i < gap; i++) {
          if (i > 0 && rng.nextInt(3) === 0) e.setInputDelay(rng.nextInt(10));
          e.setLocalInput(byte(0));
          e.tick();
        }
        const v = 1 + rng.nextInt(255);
        const len = 1 + rng.nextInt(5);
        taps.push([v, len]);
        for (let i = 0; i < len; i++) {
          e.setLocalInput(byte(v));
          e.tick();
        }
      }
      for (let i = 0; i < 20; i++) {
        e.setLocalInput(byte(0));
        e.tick();
      }
      const logged = runs([...e.inputLog().inputs]).filter(([v]) => v !== 0);
      // adjacent taps of the same value would merge only if their gap vanished; gaps shrink but never to 0
      expect(logged, `seed ${seed}`).toEqual(taps);
    }
  });

  it('a key held across a raise is extended by the gap frames (the documented rule), a lowering never shortens it', () => {
    const e = solo(2);
    for (let i = 0; i < 10; i++) e.tick();
    e.setLocalInput(byte(3));
    for (let i = 0; i < 4; i++) e.tick();
    e.setInputDelay(5); // +3 frames while 3 is held
    for (let i = 0; i < 4; i++) e.tick();
    e.setInputDelay(0); // lowered while held: no frame is skipped until the key is released
    for (let i = 0; i < 4; i++) e.tick();
    e.setLocalInput(byte(0));
    for (let i = 0; i < 20; i++) e.tick();
    expect(runs([...e.inputLog().inputs]).filter(([v]) => v !== 0)).toEqual([[3, 12 + 3]]);
  });
});

describe('session binding', () => {
  it('drops and counts packets of another session; the tags default from the seed', () => {
    const game = counterGame();
    const sent: { to: number; bytes: Uint8Array }[][] = [[], []];
    const a = new Engine({ game, players: 2, localPlayer: 0, seed: 1, send: (to, bytes) => sent[0]!.push({ to, bytes }) });
    const stale = new Engine({ game, players: 2, localPlayer: 1, seed: 2, send: (to, bytes) => sent[1]!.push({ to, bytes }) });
    expect(a.sessionTag).not.toBe(stale.sessionTag);
    for (let i = 0; i < 20; i++) {
      stale.tick();
      for (const p of sent[1]!.splice(0)) a.receive(1, p.bytes);
      a.tick();
    }
    expect(a.stats().malformedByReason['stale-session']).toBe(20);
    expect(a.stats().peers[0]!.lastReceivedFrame).toBe(-1);
    expect(a.confirmedFrame).toBe(-1);
    // the same seed with an explicit, different tag is another session too
    const other = new Engine({ game, players: 2, localPlayer: 1, seed: 1, sessionTag: (a.sessionTag + 1) & 0xff, send: (_to, bytes) => a.receive(1, bytes) });
    other.tick();
    a.tick();
    expect(a.stats().malformedByReason['stale-session']).toBe(21);
  });
});

describe('hash samples are acked and resent', () => {
  it('a burst of loss while samples are in flight loses none: every sample is compared on both sides', () => {
    const m = mesh(createArena(), 2, { hashInterval: 20, endFrame: 400 }, { latencyMs: 20, jitterMs: 5, loss: 0.05, dup: 0, reorder: 0 });
    // 150 ms bursts both ways around several sample frames
    for (const at of [330, 1000, 2000, 3000]) {
      m.net.addOutage({ from: 0, to: 1, startMs: at, endMs: at + 150 });
      m.net.addOutage({ from: 1, to: 0, startMs: at + 50, endMs: at + 200 });
    }
    const samples = [0, 0];
    m.engines.forEach((e, i) => e.on('hash', () => samples[i]!++));
    for (let t = 0; t < 700 && !m.engines.every((e) => e.settled); t++) m.step();
    expect(m.engines.every((e) => e.settled)).toBe(true);
    for (const [i, e] of m.engines.entries()) {
      const s = e.stats();
      expect(samples[i]).toBe(20); // frames 20, 40, ..., 400
      expect(s.hashesCompared).toBe(20);
      expect(s.hashesResent).toBeGreaterThan(0);
      expect(s.hashesDropped).toBe(0);
      expect(s.desyncs).toBe(0);
    }
  });

  it('hashes the final state of every episode: a divergence in its last frames is reported', () => {
    // peer 1 diverges in frames 70..99 of each 100-frame episode (the case)
    let peer = 0;
    const base = counterGame({ episodeFrames: 100 });
    const game: Game<{ data: Int32Array }> = {
      ...base,
      step(state, inputs, frame) {
        base.step(state, inputs, frame);
        if (peer === 1 && frame >= 70) state.data[0] = (state.data[0]! + 1) | 0;
        return state;
      },
    };
    const m = mesh(game, 2, { hashInterval: 50, endFrame: 600 });
    const reported = new Set<number>();
    m.engines[0]!.on('desync', (d) => reported.add(d.frame));
    for (let t = 0; t < 700; t++) {
      peer = 0;
      m.engines[0]!.tick();
      peer = 1;
      m.engines[1]!.tick();
      m.step([]);
    }
    // every episode's final-state sample (frames 100, 200, ..., 600) disagrees
    expect([...reported].sort((a, b) => a - b)).toEqual([100, 200, 300, 400, 500, 600]);
  });
});

describe('players leave', () => {
  /** Three engines; player 2 vanishes after `leaveTick` ticks (its packets stop both ways). */
  function leaving(opts: { absent?: number; lossTo1?: boolean } = {}) {
    const base = counterGame();
    const game = opts.absent === undefined ? base : { ...base, absentInput: () => byte(opts.absent!) };
    const m = mesh(game, 3, { endFrame: 900 }, { latencyMs: 30, jitterMs: 5, loss: 0, dup: 0, reorder: 0 });
    const rng = new Prng(4);
    const left: { player: number; frame: number; remaining: number }[][] = [[], [], []];
    m.engines.forEach((e, i) => e.on('peer-left', (ev) => left[i]!.push(ev)));
    m.run(100, () => byte(1 + rng.nextInt(200)));
    // engine 1 stops hearing player 2 a little earlier than engine 0: it will lack some of its inputs
    if (opts.lossTo1) m.net.addOutage({ from: 2, to: 1, startMs: m.now, endMs: 1e12 });
    m.run(6, () => byte(1 + rng.nextInt(200)));
    m.net.addOutage({ from: 2, to: 0, startMs: m.now, endMs: 1e12 });
    m.net.addOutage({ from: 2, to: 1, startMs: m.now, endMs: 1e12 });
    m.net.addOutage({ from: 0, to: 2, startMs: m.now, endMs: 1e12 });
    m.net.addOutage({ from: 1, to: 2, startMs: m.now, endMs: 1e12 });
    return { m, rng, left };
  }

  it('the other two agree on the departure frame, use the neutral input from it and play on', () => {
    const { m, rng, left } = leaving({ absent: 0x42, lossTo1: true });
    expect(m.engines[0]!.dropPlayer(2)).toBe(true);
    expect(m.engines[0]!.dropPlayer(2)).toBe(false);
    expect(m.engines[0]!.dropPlayer(0)).toBe(false); // ourselves
    // engine 1's transport has not noticed: it learns from engine 0's notice once player 2 is silent
    for (let t = 0; t < 900; t++) {
      for (const i of [0, 1]) m.engines[i]!.setLocalInput(byte(1 + rng.nextInt(200)));
      m.step([0, 1]);
    }
    const [a, b] = m.engines;
    expect(a!.finished && b!.finished).toBe(true);
    expect(left[0]).toHaveLength(1);
    expect(left[1]).toEqual(left[0]);
    const { frame } = left[0]![0]!;
    expect(left[0]![0]!.remaining).toBe(2);
    // player 2's inputs 0..frame-1 are its real ones on both (engine 1 got the ones it missed relayed)
    expect(b!.stats().inputsRelayed).toBeGreaterThan(0);
    const la = a!.exportInputLog();
    expect(Buffer.compare(la, b!.exportInputLog())).toBe(0);
    const log = a!.inputLog();
    expect(log.departures).toEqual([{ player: 2, frame }]);
    for (let f = frame; f < log.frames; f++) expect(log.inputs[f * 3 + 2]).toBe(0x42);
    expect(log.inputs[(frame - 1) * 3 + 2]).not.toBe(0x42);
    expect(a!.stats().desyncs + b!.stats().desyncs).toBe(0);
    expect(a!.confirmedStateHash()).toEqual(b!.confirmedStateHash());
    expect(a!.stats().peers.find((p) => p.player === 2)!.leftAtFrame).toBe(frame);
    // the log records the departure and replays to the same state
    const decoded = decodeInputLog(la);
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(decoded.log.departures).toEqual([{ player: 2, frame }]);
    const game = { ...counterGame(), absentInput: () => byte(0x42) };
    expect(replay(decoded.log, () => game).finalHash).toBe(a!.confirmedStateHash().hash);
  });

  it('a notice about a player still heard from is ignored', () => {
    const m = mesh(counterGame(), 3, {}, { latencyMs: 20, jitterMs: 0, loss: 0, dup: 0, reorder: 0 });
    m.run(60);
    m.engines[0]!.dropPlayer(2); // wrongly: player 2 is still playing for engine 1
    m.run(60);
    const s1 = m.engines[1]!.stats();
    expect(s1.noticesIgnored).toBeGreaterThan(0);
    expect(s1.peers.every((p) => p.leftAtFrame === null)).toBe(true);
  });

  it('with minPlayers 3, a 3-player session ends cleanly at the departure frame', () => {
    const m = mesh(counterGame(), 3, { minPlayers: 3 }, { latencyMs: 20, jitterMs: 0, loss: 0, dup: 0, reorder: 0 });
    m.run(60);
    for (const [from, to] of [[2, 0], [2, 1], [0, 2], [1, 2]] as const) m.net.addOutage({ from, to, startMs: m.now, endMs: 1e12 });
    m.engines[0]!.dropPlayer(2);
    m.engines[1]!.dropPlayer(2);
    for (let t = 0; t < 120; t++) m.step([0, 1]);
    const [a, b] = m.engines;
    expect(a!.finished && b!.finished).toBe(true);
    expect(a!.endFrame).toBe(b!.endFrame);
    expect(a!.confirmedFrame).toBe(a!.endFrame - 1);
  });
});
