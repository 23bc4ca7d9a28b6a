/**
 * The worker host's API for departures and profiling, on the page (MessageChannel
 * and setTimeout are all EngineHost needs): three hosts routed through
 * their packet ports; one vanishes, the others' transports report it, the
 * host API `dropPlayer` starts the departure, `peer-left` and the metrics
 * carry the agreed frame, and the two play on with identical logs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HostEvent, PortPacket } from '../../worker/api.ts';
import { decodeInputLog } from '../../src/engine/input-log.ts';
import { EngineHost } from '../../worker/engine-host.ts';
import { counterGame } from '../engine/harness.ts';
import { sameBytes } from './helpers.ts';

const until = async (cond: () => boolean | Promise<boolean>, ms: number, what: string) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
};

let hosts: EngineHost[] = [];
afterEach(() => {
  for (const h of hosts) h.close();
  hosts = [];
});

describe('EngineHost: players leave through the host API', () => {
  it('dropPlayer → peer-left with the agreed frame on both remaining hosts; they play on in sync', async () => {
    const game = counterGame();
    const alive = [true, true, true];
    const ports: MessagePort[] = [];
    const events: HostEvent[][] = [[], [], []];
    for (let p = 0; p < 3; p++) {
      const host = new EngineHost(() => game as never);
      const channel = new MessageChannel();
      // the "page side" of each host: route packets to the addressed host, unless either end is gone
      channel.port2.onmessage = (ev: MessageEvent<PortPacket>) => {
        const { peer, buf, reliable } = ev.data;
        if (!alive[p] || !alive[peer]) return;
        ports[peer]!.postMessage({ peer: p, buf, reliable }, [buf]);
      };
      ports.push(channel.port2);
      await host.configure({ game: 'counter', players: 3, localPlayer: p, seed: 5, endFrame: 900 }, channel.port1, {
        onRender: () => {},
        onEvent: (e) => events[p]!.push(e),
      });
      hosts.push(host);
    }
    hosts.forEach((h, i) => h.setLocalInput(Uint8Array.of(i + 1)));
    for (const h of hosts) h.start();
    await until(() => hosts.every((h) => h.stats().confirmedFrame >= 60), 20_000, 'frame 60');
    alive[2] = false;
    hosts[2]!.stop();
    // the transports of hosts 0 and 1 report player 2 disconnected
    expect(hosts[0]!.dropPlayer(2)).toBe(true);
    expect(hosts[1]!.dropPlayer(2)).toBe(true);
    await until(() => hosts[0]!.stats().confirmedFrame >= 240 && hosts[1]!.stats().confirmedFrame >= 240, 20_000, 'frame 240 after the departure');
    const left = [0, 1].map((p) => events[p]!.filter((e) => e.type === 'peer-left'));
    expect(left[0]).toHaveLength(1);
    expect(left[1]).toEqual(left[0]);
    const ev = left[0]![0] as Extract<HostEvent, { type: 'peer-left' }>;
    expect(ev.player).toBe(2);
    expect(ev.remaining).toBe(2);
    const [m0, m1] = [hosts[0]!.metrics(), hosts[1]!.metrics()];
    expect(m0.departures).toEqual([{ player: 2, frame: ev.frame }]);
    expect(m1.departures).toEqual(m0.departures);
    const [l0, l1] = [decodeInputLog(m0.inputLog), decodeInputLog(m1.inputLog)];
    if (!l0.ok || !l1.ok) throw new Error('undecodable log');
    expect(l0.log.departures).toEqual([{ player: 2, frame: ev.frame }]);
    expect(l1.log.departures).toEqual(l0.log.departures);
    const n = Math.min(l0.log.frames, l1.log.frames) * 3;
    expect(n).toBeGreaterThanOrEqual(240 * 3);
    expect(sameBytes(l0.log.inputs.subarray(0, n), l1.log.inputs.subarray(0, n))).toBe(true);
    // player 2's column is its real input (3) before the departure frame and the neutral zero after
    expect(l0.log.inputs[(ev.frame - 1) * 3 + 2]).toBe(3);
    expect(l0.log.inputs[ev.frame * 3 + 2]).toBe(0);
    expect(m0.stats.desyncs + m1.stats.desyncs).toBe(0);
  });

  it('profile levels: off, default and detailed; a bad level or desync policy is an invalid-option error', async () => {
    const game = counterGame();
    const make = async (profile: unknown, desyncPolicy?: unknown) => {
      const h = new EngineHost(() => game as never);
      hosts.push(h);
      const channel = new MessageChannel();
      await h.configure({ game: 'counter', players: 1, localPlayer: 0, seed: 1, profile: profile as never, desyncPolicy: desyncPolicy as never }, channel.port1, { onRender: () => {}, onEvent: () => {} });
      return h;
    };
    await expect(make('loud')).rejects.toMatchObject({ code: 'invalid-option' });
    await expect(make('default', 'panic')).rejects.toMatchObject({ code: 'invalid-option' });
    await expect(make(false)).resolves.toBeDefined();
    await expect(make('detailed', 'resync')).resolves.toBeDefined();
  });
});
