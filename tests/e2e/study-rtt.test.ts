/**
 * Latency-gated matching with real pages: both pages are forced through
 * TURN behind the seeded UDP proxy, so the delay it adds per pass sets the
 * DataChannel RTT (a packet between the peers crosses it twice each way:
 * about 4 × the delay). With a 100 ms limit, ~150 ms RTT forms no session
 * (the probe fails, is recorded, and the pages wait until the server gives
 * up), while ~50 ms RTT forms one after a passed probe.
 */
import { describe, expect, it } from 'vitest';
import { call, leaveAll, openPages, waitFrames } from '../../harness/e2e.ts';
import { coturnPerTest, e2ePerTest, udpProxyPerTest } from '../support/per-test.ts';

const turn = coturnPerTest();
const udp = udpProxyPerTest();
const env = e2ePerTest();

async function gatedEnv(latencyMs: number) {
  const coturn = await turn.start();
  const proxy = await udp.start({ targetHost: '127.0.0.1', targetPort: coturn.port, latencyMs, loss: 0, seed: 20261202 });
  const e2e = await env.start({ turnSecret: coturn.secret, turnUrls: [`turn:127.0.0.1:${proxy.port}?transport=udp`] }, ['--allow-loopback-in-peer-connection']);
  return { e2e, pages: await openPages(e2e, 2) };
}

type ProbeRow = { outcome: string; rtts: string; max_rtt_ms: number };
const worst = (p: ProbeRow) => Math.max(...(JSON.parse(p.rtts) as (number | null)[][]).flat().map((v) => v ?? 0));

describe('RTT gate in real Chromium over an impaired path', () => {
  it('at ~150 ms RTT and a 100 ms limit no session forms; the failed probe is recorded', async () => {
    const { e2e, pages } = await gatedEnv(38);
    const options = { server: e2e.serverUrl, queue: 'gated', maxRttMs: 100, waitTimeoutMs: 25_000, matchTimeoutMs: 60_000, players: 2, frames: 600, iceTransportPolicy: 'relay' as const };
    const outcomes = await Promise.all(
      pages.map((p, i) =>
        call(p, 'join', { ...options, inputSeed: 1 + i }).then(
          () => 'joined',
          (e: unknown) => String(e),
        ),
      ),
    );
    for (const o of outcomes) expect(o).toMatch(/no session formed/);
    const store = e2e.server.store!;
    expect(await store.sessions()).toEqual([]);
    const probes = (await store.rttProbes()) as ProbeRow[];
    console.log(`probes: ${probes.map((p) => `${p.outcome} ${p.rtts}`).join('; ')}`);
    expect(probes.length).toBeGreaterThanOrEqual(1);
    expect(probes.every((p) => p.outcome !== 'passed')).toBe(true);
    const measured = probes.filter((p) => p.outcome === 'over');
    expect(measured.length).toBeGreaterThanOrEqual(1);
    expect(worst(measured[0]!)).toBeGreaterThan(100);
    expect(await store.waitTimeouts()).toHaveLength(2);
  });

  it('at ~50 ms RTT and a 100 ms limit the session forms after a passed probe', async () => {
    const { e2e, pages } = await gatedEnv(9);
    const options = { server: e2e.serverUrl, queue: 'gated', maxRttMs: 100, waitTimeoutMs: 25_000, matchTimeoutMs: 60_000, players: 2, frames: 300, iceTransportPolicy: 'relay' as const };
    const store = e2e.server.store!;
    const joined = await Promise.all(pages.map((p, i) => call(p, 'join', { ...options, inputSeed: 1 + i }))).finally(async () =>
      console.log(`probes: ${((await store.rttProbes()) as ProbeRow[]).map((p) => `${p.outcome} ${p.rtts}`).join('; ')}`),
    );
    expect(joined.map((j) => j.playerIndex).sort()).toEqual([0, 1]);
    await waitFrames(pages, 300);
    const probes = (await store.rttProbes()) as ProbeRow[];
    expect(probes.at(0)!.outcome).toBe('passed');
    expect(worst(probes.at(0)!)).toBeGreaterThan(20);
    expect(worst(probes.at(0)!)).toBeLessThanOrEqual(100);
    expect(await store.sessions()).toHaveLength(1);
    await leaveAll(pages);
  });
});
