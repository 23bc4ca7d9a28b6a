/**
 * Whole sessions over the seeded in-memory network: 2 and 4 players, 1,800
 * frames, 20% loss, 100±50 ms one-way latency, duplication and reordering,
 * 20 seeds each; a 30% loss case; a 2 s one-way outage that recovers.
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
}

describe.each([2, 4])('%i players, 20% loss, 100±50 ms, dup + reorder', (players) => {
  it.each(Array.from({ length: 20 }, (_, i) => i + 1))('seed %i', (seed) => {
    const r = runSoak({ ...harsh, players, seed, game: 'arena' });
    expectClean(r);
    // the conditions really were harsh and the netcode really worked
    expect(r.packets.dropped).toBeGreaterThan(r.packets.sent * 0.15);
    expect(r.packets.duplicated).toBeGreaterThan(0);
    expect(r.rollbacks).toBeGreaterThan(0);
    expect(r.maxRollback).toBeLessThanOrEqual(8);
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
