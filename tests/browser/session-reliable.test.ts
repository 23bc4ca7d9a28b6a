/**
 * The page's reliable path with real engine hosts: two sessions in one page
 * over the in-page network, desync policy `resync`, and a game that
 * diverges once on player 1. The authority's snapshot chunks leave its host
 * as port packets marked reliable, cross the transport's reliable channel,
 * reach the other host marked reliable, and it loads them: both peers end
 * with the same state. And `dropPlayer` on a session gives `peer-left`
 * with the agreed frame, and a 2-player session finishes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSession, type Session } from '../../main/session.ts';
import { createMemoryNetwork } from '../../main/transport.ts';
import type { Game } from '../../src/engine/game.ts';
import type { HostEvent } from '../../worker/api.ts';
import { until } from './helpers.ts';

let sessions: Session[] = [];
afterEach(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  sessions = [];
});

interface S {
  data: Int32Array;
}

/** A counter game; on `player` 1's peer, frame 100 is perturbed once (when `diverge`). */
function counter(diverge: boolean): Game<S> {
  return {
    spec: 'counter',
    inputSize: 1,
    init: (seed) => ({ data: Int32Array.from([seed | 0, 0]) }),
    step(state, inputs, frame) {
      const d = state.data;
      for (let p = 0; p < inputs.length; p++) d[0] = (Math.imul(d[0]!, 31) + inputs[p]! * (p + 1) + frame) | 0;
      if (diverge && frame === 100) d[0] = (d[0]! + 1) | 0;
      d[1] = d[1]! + 1;
      return state;
    },
    save: (state) => new Uint8Array(state.data.buffer.slice(0)),
    load: (bytes) => ({ data: new Int32Array(bytes.slice().buffer) }),
  };
}

async function pair(options: { diverge: boolean; endFrame: number }): Promise<{ events: HostEvent[][] }> {
  const net = createMemoryNetwork(2, { latencyMs: 10 });
  const events: HostEvent[][] = [[], []];
  sessions = await Promise.all(
    [0, 1].map((p) =>
      createSession({
        game: 'counter',
        players: 2,
        localPlayer: p,
        seed: 5,
        hashInterval: 30,
        endFrame: options.endFrame,
        desyncPolicy: 'resync',
        engine: { mainThread: () => counter(options.diverge && p === 1) as Game<unknown> },
        transport: net[p]!,
      }),
    ),
  );
  sessions.forEach((s, p) => {
    for (const type of ['desync', 'resync', 'peer-left'] as const) s.on(type, (e) => events[p]!.push(e));
  });
  return { events };
}

describe('reliable engine messages through the page', () => {
  it('resync snapshot chunks travel marked reliable on the transport and are loaded: both peers end in the same state', async () => {
    const { events } = await pair({ diverge: true, endFrame: 400 });
    await until(async () => (await Promise.all(sessions.map((s) => s.stats()))).every((st) => st.confirmedFrame >= 399), 60_000, 'both peers to confirm 400 frames');
    const [a, b] = await Promise.all(sessions.map((s) => s.exportSessionMetrics()));
    expect(a!.desyncs.length + b!.desyncs.length).toBeGreaterThan(0);
    expect(a!.desyncs.concat(b!.desyncs).every((d) => d.policy === 'resync')).toBe(true);
    // player 0 (the authority) sent, player 1 loaded
    expect(events[0]!.some((e) => e.type === 'resync' && e.from === 0)).toBe(true);
    expect(events[1]!.some((e) => e.type === 'resync' && e.from === 0)).toBe(true);
    expect(sessions[0]!.packets.reliableFromEngine).toBeGreaterThan(0);
    expect(sessions[1]!.packets.reliableToEngine).toBe(sessions[0]!.packets.reliableFromEngine);
    expect(sessions[0]!.packets.reliableUnsent).toBe(0);
    expect(b!.resyncs.length).toBeGreaterThan(0);
    expect(a!.confirmedHash).toEqual(b!.confirmedHash);
  });

  it('dropPlayer on a session: peer-left with the agreed frame, the departure in the metrics, and the 2-player session finishes', async () => {
    const { events } = await pair({ diverge: false, endFrame: 100_000 });
    await until(async () => (await Promise.all(sessions.map((s) => s.stats()))).every((st) => st.confirmedFrame >= 60), 30_000, 'both peers to confirm 60 frames');
    const finished = new Promise<void>((resolve) => sessions[0]!.on('finished', () => resolve()));
    expect(await sessions[0]!.dropPlayer(1)).toBe(true);
    expect(await sessions[0]!.dropPlayer(1)).toBe(false); // already leaving
    await until(() => events[0]!.some((e) => e.type === 'peer-left'), 20_000, 'peer-left on player 0');
    const left = events[0]!.find((e) => e.type === 'peer-left');
    expect(left).toMatchObject({ type: 'peer-left', player: 1, remaining: 1 });
    await finished;
    const m = await sessions[0]!.exportSessionMetrics();
    expect(m.departures).toEqual([{ player: 1, frame: (left as { frame: number }).frame }]);
  });
});
