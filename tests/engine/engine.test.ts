import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { decodeInputLog, replay } from '../../src/engine/input-log.ts';
import { decode, encode } from '../../src/protocol/codec.ts';
import { MessageType, PROTOCOL_VERSION } from '../../src/protocol/messages.ts';
import { createArena } from '../../src/games/arena.ts';
import { gameFromSpec } from '../../src/games/index.ts';
import { Prng } from '../../src/util/prng.ts';
import { counterGame, mesh } from './harness.ts';

const byte = (v: number) => Uint8Array.of(v);

describe('Engine: options', () => {
  it('rejects bad options with clear errors', () => {
    const base = { game: counterGame(), players: 2, localPlayer: 0, seed: 1, send: () => {} };
    expect(() => new Engine({ ...base, players: 9 })).toThrow(/players must be an integer in 1\.\.8/);
    expect(() => new Engine({ ...base, localPlayer: 2 })).toThrow(/localPlayer/);
    expect(() => new Engine({ ...base, inputDelay: -1 })).toThrow(/inputDelay/);
    expect(() => new Engine({ ...base, maxPrediction: 0 })).toThrow(/maxPrediction/);
    expect(() => new Engine({ ...base, seed: 1.5 })).toThrow(/seed/);
  });
});

describe('Engine: input delay and sending', () => {
  it('schedules local input at frame + inputDelay and repeats at least the last 3 frames', () => {
    const sent: Uint8Array[] = [];
    const e = new Engine({ game: counterGame(), players: 2, localPlayer: 0, seed: 1, send: (_p, b) => sent.push(b), pingIntervalTicks: 0 });
    e.setLocalInput(byte(9));
    e.tick();
    const first = decode(sent[0]!);
    expect(first.ok && first.message.type === MessageType.Input).toBe(true);
    if (!first.ok || first.message.type !== MessageType.Input) return;
    // frames 0..2 are filled at the first tick (delay 2): the frames before the delay hold the neutral zeros
    expect(first.message.startFrame).toBe(0);
    expect(first.message.frameCount).toBe(3);
    expect([...first.message.inputs]).toEqual([0, 0, 9]);
    for (let i = 0; i < 4; i++) e.tick();
    const last = decode(sent.at(-1)!);
    if (!last.ok || last.message.type !== MessageType.Input) throw new Error('expected input');
    // nothing acked: every input from frame 0 is resent
    expect(last.message.startFrame).toBe(0);
    expect(last.message.startFrame + last.message.frameCount - 1).toBe(e.frame + 1);
    expect(e.stats().inputsResent).toBeGreaterThan(0);
  });

  it('sends only unacked inputs but never fewer than 3', () => {
    const m = mesh(counterGame(), 2, { pingIntervalTicks: 0, hashInterval: 0 });
    const sizes: number[] = [];
    const orig = m.engines[0]!;
    m.run(30);
    const before = orig.stats().bytesSent;
    m.step();
    sizes.push(orig.stats().bytesSent - before);
    expect(sizes[0]).toBe(16); // 13-byte header + 3 one-byte inputs
  });

  it('changes input delay at runtime without losing sync', () => {
    const m = mesh(counterGame(), 2, {}, { latencyMs: 30, jitterMs: 10, loss: 0.1, dup: 0, reorder: 0 });
    const rng = new Prng(3);
    m.run(120, () => byte(rng.nextInt(256)));
    m.engines[0]!.setInputDelay(5);
    m.run(120, () => byte(rng.nextInt(256)));
    m.engines[0]!.setInputDelay(0);
    m.engines[1]!.setInputDelay(4);
    m.run(120, () => byte(rng.nextInt(256)));
    m.run(60);
    const [a, b] = m.engines;
    expect(a!.inputDelay).toBe(0);
    expect(a!.stats().desyncs + b!.stats().desyncs).toBe(0);
    const la = a!.exportInputLog();
    const lb = b!.exportInputLog();
    const n = Math.min(la.length, lb.length);
    expect(n).toBeGreaterThan(300);
    expect(Buffer.compare(la.subarray(18 + 7, n), lb.subarray(18 + 7, n))).toBe(0);
  });
});

describe('Engine: prediction, rollback and stalls', () => {
  it('stalls at maxPrediction frames past the confirmed frame', () => {
    const e = new Engine({ game: counterGame(), players: 2, localPlayer: 0, seed: 1, send: () => {}, maxPrediction: 8 });
    const stalls: number[] = [];
    e.on('stall', ({ frame }) => stalls.push(frame));
    for (let i = 0; i < 20; i++) e.tick();
    expect(e.frame).toBe(8);
    expect(e.confirmedFrame).toBe(-1);
    expect(e.stats().stalls).toBe(12);
    expect(stalls[0]).toBe(8);
  });

  it('rolls back to the first mispredicted frame and re-simulates to the present', () => {
    const m = mesh(counterGame(), 2, { inputDelay: 0 }, { latencyMs: 50, jitterMs: 0, loss: 0, dup: 0, reorder: 0 });
    const rollbacks: { frame: number; depth: number }[] = [];
    m.engines[0]!.on('rollback', (r) => rollbacks.push(r));
    m.run(30);
    const changedAt = m.engines[1]!.frame; // delay 0: the new input is used from this frame on
    m.engines[1]!.setLocalInput(byte(5)); // player 1 changes its input: player 0 predicted the old one
    m.run(30);
    expect(rollbacks.length).toBeGreaterThan(0);
    const r = rollbacks[0]!;
    expect(r.frame).toBe(changedAt);
    expect(r.frame + r.depth).toBeLessThanOrEqual(m.engines[0]!.frame);
    expect(r.depth).toBeGreaterThanOrEqual(2);
    expect(r.depth).toBeLessThanOrEqual(8);
    const log = m.engines[1]!.inputLog();
    expect(log.inputs[(changedAt - 1) * 2 + 1]).toBe(0);
    expect(log.inputs[changedAt * 2 + 1]).toBe(5);
    m.run(30);
    expect(m.engines[0]!.confirmedStateHash()).toEqual(m.engines[1]!.confirmedStateHash());
  });

  it('uses the game predict() when given', () => {
    const game = { ...counterGame(), predict: () => byte(5) };
    const m = mesh(game, 2, { inputDelay: 0 }, { latencyMs: 50, jitterMs: 0, loss: 0, dup: 0, reorder: 0 });
    m.engines[1]!.setLocalInput(byte(5));
    m.run(60);
    // player 1 always sends 5 and the prediction is 5 from the start: nothing to correct
    expect(m.engines[0]!.stats().rollbacks).toBe(0);
  });
});

describe('Engine: hashes and desyncs', () => {
  it('emits a desync with frame, both hashes and the snapshot when peers disagree', () => {
    let peer = 0;
    const game = counterGame({ nondeterministic: () => (peer === 1 ? 1 : 0) });
    const m = mesh(game, 2, { hashInterval: 30 });
    const desyncs: { frame: number; localHash: number; remoteHash: number; snapshot: Uint8Array }[] = [];
    m.engines[0]!.on('desync', (d) => desyncs.push(d));
    for (let t = 0; t < 120; t++) {
      peer = 0;
      m.engines[0]!.tick();
      peer = 1;
      m.engines[1]!.tick();
      m.step([]);
    }
    expect(desyncs.length).toBeGreaterThan(0);
    const d = desyncs[0]!;
    expect(d.frame % 30).toBe(0);
    expect(d.localHash).not.toBe(d.remoteHash);
    expect(d.snapshot.length).toBeGreaterThan(8);
  });

  it('reports no desync and equal hashes for a deterministic game', () => {
    const m = mesh(createArena(), 3, { hashInterval: 20 }, { latencyMs: 40, jitterMs: 20, loss: 0.1, dup: 0.05, reorder: 0.05 });
    const hashes = new Map<number, Set<number>>();
    for (const e of m.engines) e.on('hash', ({ frame, hash }) => (hashes.get(frame) ?? hashes.set(frame, new Set()).get(frame)!).add(hash));
    const rng = new Prng(11);
    m.run(400, () => byte(rng.nextInt(32)));
    expect(m.engines.reduce((a, e) => a + e.stats().desyncs, 0)).toBe(0);
    expect(hashes.size).toBeGreaterThan(5);
    for (const set of hashes.values()) expect(set.size).toBe(1);
  });
});

describe('Engine: episodes, logs and replay', () => {
  it('takes episode boundaries on the confirmed timeline at the same frame on every peer', () => {
    const m = mesh(counterGame({ episodeFrames: 50 }), 2, {}, { latencyMs: 60, jitterMs: 30, loss: 0.2, dup: 0, reorder: 0.1 });
    const seen: { episode: number; endFrame: number }[][] = [[], []];
    m.engines.forEach((e, i) => e.on('episode', (ev) => {
      expect(ev.endFrame).toBeLessThanOrEqual(e.confirmedFrame);
      seen[i]!.push({ episode: ev.episode, endFrame: ev.endFrame });
    }));
    const rng = new Prng(5);
    m.run(400, () => byte(rng.nextInt(4)));
    expect(seen[0]!.length).toBeGreaterThanOrEqual(5);
    expect(seen[0]![0]).toEqual({ episode: 0, endFrame: 49 });
    const n = Math.min(seen[0]!.length, seen[1]!.length);
    expect(seen[0]!.slice(0, n)).toEqual(seen[1]!.slice(0, n));
  });

  it('replay(log) reproduces the confirmed state hash exactly', () => {
    const m = mesh(createArena({ episodeFrames: 200 }), 2, { endFrame: 600 }, { latencyMs: 30, jitterMs: 20, loss: 0.1, dup: 0, reorder: 0 });
    const rng = new Prng(8);
    m.run(700, () => byte(rng.nextInt(32)));
    const e = m.engines[0]!;
    expect(e.finished).toBe(true);
    const decoded = decodeInputLog(e.exportInputLog());
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(decoded.log.frames).toBe(600);
    const result = replay(decoded.log, gameFromSpec);
    expect(result.finalHash).toBe(e.confirmedStateHash().hash);
    expect(result.episodes).toBeGreaterThanOrEqual(3); // 600 frames of 200-frame episodes: the 4th has just begun
  });
});

describe('Engine: bad input never corrupts state', () => {
  it('counts and drops malformed, foreign and random packets; the session stays in sync', () => {
    const m = mesh(createArena(), 2, { hashInterval: 30, endFrame: 700 }, { latencyMs: 20, jitterMs: 10, loss: 0.05, dup: 0, reorder: 0 });
    const rng = new Prng(21);
    let junk = 0;
    for (let t = 0; t < 600; t++) {
      for (const e of m.engines) e.setLocalInput(byte(rng.nextInt(32)));
      for (let k = 0; k < 50; k++) {
        const len = rng.nextInt(40);
        const bytes = new Uint8Array(len).map(() => rng.nextU32() & 0xff);
        const target = rng.nextInt(2);
        if (len > 2 && rng.nextInt(2) === 0) {
          bytes[0] = PROTOCOL_VERSION; // right version and session: reach the type decoders
          bytes[2] = m.engines[target]!.sessionTag;
        }
        m.engines[target]!.receive(rng.nextInt(4) - 1, bytes);
        junk++;
      }
      m.step();
    }
    // an input packet for a player the sender does not own, and a wrong input size
    const foreign = encode({ type: MessageType.Input, tag: m.engines[0]!.sessionTag, startFrame: 0, frameCount: 3, players: [0], inputSize: 1, ack: -1, senderFrame: 0, inputs: new Uint8Array(3) });
    m.engines[0]!.receive(1, foreign);
    m.step();
    const s0 = m.engines[0]!.stats();
    const s1 = m.engines[1]!.stats();
    expect(junk).toBe(30000);
    expect(s0.malformed + s1.malformed).toBeGreaterThan(25000);
    expect(s0.malformedByReason['foreign-player']).toBeGreaterThanOrEqual(1);
    expect(s0.malformedByReason['bad-peer']).toBeGreaterThan(0);
    expect(s0.desyncs + s1.desyncs).toBe(0);
    m.run(200);
    expect(m.engines.every((e) => e.finished)).toBe(true);
    expect(m.engines[0]!.confirmedStateHash()).toEqual(m.engines[1]!.confirmedStateHash());
  });
});

describe('Engine: time sync', () => {
  it('stretches ticks when ahead of the slowest peer and not when in step', () => {
    const m = mesh(counterGame(), 2, {}, { latencyMs: 20, jitterMs: 0, loss: 0, dup: 0, reorder: 0 });
    // engine 0 runs 6 ticks alone first: it is ahead
    for (let i = 0; i < 6; i++) m.step([0]);
    m.run(60);
    const ahead = m.engines[0]!.stats();
    expect(ahead.frameAdvantage).toBeGreaterThan(1);
    expect(m.engines[0]!.tickInterval()).toBeGreaterThan(1000 / 60);
    expect(m.engines[1]!.tickInterval()).toBeCloseTo(1000 / 60, 5);
  });

  it('measures RTT with pings', () => {
    const m = mesh(counterGame(), 2, { pingIntervalTicks: 10 }, { latencyMs: 50, jitterMs: 0, loss: 0, dup: 0, reorder: 0 });
    m.run(120);
    const rtt = m.engines[0]!.stats().peers[0]!.rttMs;
    expect(rtt).toBeGreaterThanOrEqual(100);
    expect(rtt).toBeLessThan(140);
  });
});
