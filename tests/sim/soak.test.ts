/**
 * Whole sessions over the seeded in-memory network: 2 and 4 players, 1,800
 * frames, 20% loss, 100±50 ms one-way latency, duplication and reordering,
 * 20 seeds each; a 30% loss case; a 2 s one-way outage that recovers.
 * Faults: state corruptions (every one must be detected within
 * hashInterval frames, by the oracle that compares state bytes) and
 * players leaving 3-, 4- and 2-player sessions.
 */
import { describe, expect, it } from 'vitest';
import { runSoak, type SoakResult } from '../../src/sim/soak.ts';

const harsh = { frames: 1800, latencyMs: 100, jitterMs: 50, loss: 0.2, dup: 0.05, reorder: 0.05 };

function expectClean(r: SoakResult): void {
  expect(r.completed).toBe(true);
  expect(r.desyncs).toBe(0);
  expect(r.inputsLost).toBe(0);
  expect(r.confirmedFrames).toBe(r.frames);
  expect(r.logsIdentical).toBe(true);
  expect(r.hashesIdentical).toBe(true);
  expect(r.malformed).toBe(0);
  // the oracle compared every frame's confirmed state bytes and found no divergence
  expect(r.oracle.framesCompared).toBe(r.frames);
  expect(r.oracle.divergences).toBe(0);
  // pings, pongs and hash samples ride on the input packet: one packet per tick per link
  expect(r.maxPacketsPerTickPerLink).toBeLessThanOrEqual(1);
}

describe.each([2, 4])('%i players, 20% loss, 100±50 ms, dup + reorder', (players) => {
  it.each(Array.from({ length: 20 }, (_, i) => i + 1))('seed %i', (seed) => {
    const r = runSoak({ ...harsh, players, seed, game: 'arena' });
    expectClean(r);
    // the conditions really were harsh and the netcode really worked
    expect(r.packets.dropped).toBeGreaterThan(r.packets.sent * 0.15);
    expect(r.packets.duplicated).toBeGreaterThan(0);
    expect(r.rollbacks).toBeGreaterThan(0);
    // 100 ms one way is ~6 frames: deep rollbacks happened (the ≤ 8 bound is the stall's, not checked here)
    expect(r.maxRollback).toBeGreaterThanOrEqual(4);
  });
});

describe('harder cases', () => {
  it('30% loss', () => {
    const r = runSoak({ ...harsh, loss: 0.3, players: 2, seed: 99, game: 'arena' });
    expectClean(r);
    expect(r.packets.dropped).toBeGreaterThan(r.packets.sent * 0.25);
  });

  it('a one-way outage of 2 s recovers', () => {
    const r = runSoak({
      frames: 1800,
      latencyMs: 40,
      jitterMs: 10,
      loss: 0.05,
      dup: 0,
      reorder: 0,
      players: 2,
      seed: 5,
      game: 'arena',
      outages: [{ from: 0, to: 1, startMs: 10_000, endMs: 12_000 }],
    });
    expectClean(r);
    expect(r.packets.outageDropped).toBeGreaterThan(100);
    expect(r.stalls).toBeGreaterThan(60); // both peers waited through the outage
  });

  it('a one-way outage in a 4-player mesh recovers', () => {
    const r = runSoak({
      ...harsh,
      loss: 0.1,
      players: 4,
      seed: 6,
      game: 'arena',
      outages: [{ from: 2, to: 3, startMs: 8_000, endMs: 10_000 }],
    });
    expectClean(r);
  });

  it('swarm with 1,000 entities, 3 players', () => {
    const r = runSoak({ ...harsh, frames: 600, players: 3, seed: 4, game: 'swarm?entities=1000' });
    expectClean(r);
  });

  it('8 players, full mesh', () => {
    const r = runSoak({ frames: 900, latencyMs: 30, jitterMs: 20, loss: 0.05, dup: 0.01, reorder: 0.01, players: 8, seed: 8, game: 'arena' });
    expectClean(r);
  });
});

describe('desync detection: every corruption is reported within hashInterval frames', () => {
  const base = { latencyMs: 40, jitterMs: 10, loss: 0.05, dup: 0, reorder: 0, players: 2, seed: 3 };

  it.each([
    [50, 99], // the last frame of an episode: only the episode-final sample sees it
    [50, 70],
    [50, 49],
    [60, 99],
    [60, 0],
    [60, 599], // the session's last frame: the end-frame sample
  ])('hashInterval %i, corruption right after frame %i', (hashInterval, frame) => {
    const r = runSoak({ ...base, frames: 600, hashInterval, game: 'arena?episodeFrames=100', corrupt: [{ player: 1, frame }] });
    expect(r.completed).toBe(true);
    expect(r.oracle.divergences).toBeGreaterThanOrEqual(1);
    expect(r.oracle.firstDivergenceFrame).toBe(frame);
    expect(r.oracle.divergencesUndetected).toBe(0);
    expect(r.oracle.detectionLatencyFrames).not.toBeNull();
    expect(r.oracle.detectionLatencyFrames!).toBeLessThan(hashInterval);
    expect(r.desyncs).toBeGreaterThan(0);
    expect(r.logsIdentical).toBe(true); // the inputs agree: only the state diverged
  });

  it.each([50, 60])('a peer diverging in frames 70–99 of every 100-frame episode: all 6 reported (hashInterval %i)', (hashInterval) => {
    const corrupt = [];
    for (let episode = 0; episode < 6; episode++) for (let f = 70; f < 100; f++) corrupt.push({ player: 1, frame: episode * 100 + f });
    const r = runSoak({ ...base, frames: 600, hashInterval, game: 'arena?episodeFrames=100', corrupt });
    expect(r.oracle.divergences).toBe(6);
    expect(r.oracle.divergencesUndetected).toBe(0);
    expect(r.desyncs).toBeGreaterThanOrEqual(6);
  });

  it('a corruption in a 4-player swarm is seen by the others', () => {
    const r = runSoak({ ...base, players: 4, frames: 300, game: 'swarm?entities=200', corrupt: [{ player: 2, frame: 123 }] });
    expect(r.oracle.firstDivergenceFrame).toBe(123);
    expect(r.oracle.divergencesUndetected).toBe(0);
    expect(r.oracle.detectionLatencyFrames!).toBeLessThan(60);
  });
});

describe('players leave', () => {
  const base = { latencyMs: 50, jitterMs: 20, loss: 0.1, dup: 0.02, reorder: 0.02, game: 'arena' };

  it.each([1, 2, 3])('3 players, player 2 leaves at frame 600; the other two play on (seed %i)', (seed) => {
    const r = runSoak({ ...base, players: 3, frames: 1800, seed, leave: [{ player: 2, frame: 600 }] });
    expect(r.completed).toBe(true);
    expect(r.departures).toHaveLength(1);
    expect(r.departures[0]!.player).toBe(2);
    expect(Math.abs(r.departures[0]!.frame - 600)).toBeLessThanOrEqual(20);
    expect(r.departuresAgreed).toBe(true);
    expect(r.remainingLogsIdentical).toBe(true);
    expect(r.framesAfterLeave).toBeGreaterThanOrEqual(1800 - 620);
    expect(r.desyncs).toBe(0);
    expect(r.oracle.divergences).toBe(0);
    expect(r.inputsLost).toBe(0);
    expect(r.peers[2]!.left).toBe(true);
  });

  it('4 players, two leave at different times', () => {
    const r = runSoak({ ...base, players: 4, frames: 1500, seed: 7, leave: [{ player: 0, frame: 300 }, { player: 3, frame: 800 }] });
    expect(r.completed).toBe(true);
    expect(r.departures.map((d) => d.player).sort()).toEqual([0, 3]);
    expect(r.departuresAgreed).toBe(true);
    expect(r.remainingLogsIdentical).toBe(true);
    expect(r.framesAfterLeave).toBeGreaterThanOrEqual(600);
    expect(r.desyncs).toBe(0);
  });

  it('2 players: the session ends cleanly at the departure frame', () => {
    const r = runSoak({ ...base, players: 2, frames: 1800, seed: 4, leave: [{ player: 1, frame: 600 }] });
    expect(r.completed).toBe(true);
    expect(r.departures).toHaveLength(1);
    expect(r.confirmedFrames).toBe(r.departures[0]!.frame);
    expect(r.framesAfterLeave).toBe(0);
    expect(r.desyncs).toBe(0);
  });
});

describe('desync policy resync', () => {
  it.each([2, 3, 4])('%i players: a corrupted peer is repaired from the lowest-index peer and the session ends in sync', (players) => {
    const r = runSoak({
      latencyMs: 40,
      jitterMs: 10,
      loss: 0.05,
      dup: 0,
      reorder: 0,
      players,
      seed: 12,
      frames: 1200,
      game: 'arena',
      corrupt: [{ player: players - 1, frame: 400 }],
      desyncPolicy: 'resync',
    });
    expect(r.completed).toBe(true);
    expect(r.desyncs).toBeGreaterThan(0);
    expect(r.oracle.divergences).toBe(1);
    expect(r.oracle.divergencesUndetected).toBe(0);
    // repaired: the divergence lasted about one hash interval plus the snapshot's trip, not to the end
    expect(r.oracle.divergedFrames).toBeLessThan(120);
    expect(r.resyncsLoaded).toBeGreaterThanOrEqual(players - 1);
    expect(r.hashesIdentical).toBe(true);
    expect(r.logsIdentical).toBe(true);
  });

  it('with policy report the same corruption lasts to the episode end', () => {
    const r = runSoak({ latencyMs: 40, jitterMs: 10, loss: 0.05, dup: 0, reorder: 0, players: 2, seed: 12, frames: 1200, game: 'arena', corrupt: [{ player: 1, frame: 400 }] });
    expect(r.resyncsLoaded).toBe(0);
    expect(r.oracle.divergedFrames).toBeGreaterThan(300);
  });
});
