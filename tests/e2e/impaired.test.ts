/**
 * E2E over an impaired path: a seeded UDP proxy in front of coturn adds
 * 25 ms to every datagram each way and drops some, and both pages are forced
 * through TURN via the proxy. A packet between the peers crosses the proxy
 * twice, so the link has ~100 ms RTT and ~5 % loss. The logs must still
 * match, the measured RTT must show the delay, and the engine must roll back.
 */
import { describe, expect, it } from 'vitest';
import { leaveAll, openPages, playRoom } from '../../harness/e2e.ts';
import { coturnPerTest, e2ePerTest, udpProxyPerTest } from '../support/per-test.ts';

// Closed after each test in reverse order: pages and servers, then the proxy, then coturn.
const turn = coturnPerTest();
const udp = udpProxyPerTest();
const env = e2ePerTest();

/** Per-pass loss so that two passes lose `endToEnd` of the packets. */
const perPassLoss = (endToEnd: number) => 1 - Math.sqrt(1 - endToEnd);

describe('impaired link (seeded UDP proxy in front of coturn) in real Chromium', () => {
  it('100 ms RTT and 5 % loss: identical logs, rollbacks observed, RTT measured', async () => {
    const coturn = await turn.start();
    const proxy = await udp.start({ targetHost: '127.0.0.1', targetPort: coturn.port, latencyMs: 25, loss: perPassLoss(0.05), seed: 20261123 });
    const e2e = await env.start(
      { turnSecret: coturn.secret, turnUrls: [`turn:127.0.0.1:${proxy.port}?transport=udp`] },
      ['--allow-loopback-in-peer-connection'],
    );
    const pages = await openPages(e2e, 2);
    const frames = 900;
    const results = await playRoom(pages, { server: e2e.serverUrl, room: 'impaired', players: 2, frames, iceTransportPolicy: 'relay' });
    const [a, b] = results;
    const stats = proxy.stats();
    console.log(
      `proxy: ${stats.clients} clients, ${stats.forwarded} forwarded, ${stats.dropped} dropped (${((100 * stats.dropped) / (stats.forwarded + stats.dropped)).toFixed(2)} %); ` +
        results.map((r) => `player ${r.playerIndex}: RTT ${r.links[0]!.health.rttMs.toFixed(1)} ms, loss ${r.links[0]!.health.loss.toFixed(3)}, rollbacks ${r.rollbacks}, max ${r.maxRollback}, route ${r.links[0]!.route}`).join('; '),
    );
    expect(stats.dropped).toBeGreaterThan(0);
    for (const r of results) {
      const link = r.links[0]!;
      expect(r.confirmedFrame).toBeGreaterThanOrEqual(frames - 1);
      expect(r.desyncs).toBe(0);
      expect(link.connection?.type).toBe('relay');
      expect(link.health.rttMs).toBeGreaterThan(80);
      expect(link.health.rttMs).toBeLessThan(200);
      expect(r.rollbacks).toBeGreaterThan(0);
    }
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    expect(a!.confirmedHash).toBe(b!.confirmedHash);
    await leaveAll(pages);
  });
});
