/**
 * E2E ICE restart: both pages are forced through TURN (coturn), each through
 * its own UDP proxy, so a test can cut one player's P2P path for real (every
 * datagram of that page to and from coturn is dropped; a CDP "offline"
 * switch would not touch WebRTC). The server connection is not cut: the
 * server relay stays available, as it is for a player whose UDP path breaks.
 *
 * - A cut of about 3 s: the links restart ICE (counted, at most 3), play goes
 *   on over the server relay meanwhile and returns to P2P; the research
 *   record holds the restarts.
 * - A cut that lasts: every restart fails; after 3 attempts the links give
 *   up, with the reason in the link report and the research record, and stay
 *   on the relay to the end. Logs identical in both cases.
 */
import { describe, expect, it } from 'vitest';
import { call, leaveAll, openPages, results, sleep, until, waitFrames } from '../../harness/e2e.ts';
import type { PlayResult } from '../../harness/types.ts';
import { coturnPerTest, e2ePerTest, udpProxyPerTest } from '../support/per-test.ts';

// Closed after each test in reverse order: pages and servers, then the proxies, then coturn.
const turn = coturnPerTest();
const udp = udpProxyPerTest();
const env = e2ePerTest();

async function setup(frames: number, link: { maxIceRestarts?: number; iceRestartTimeoutMs?: number; disconnectedRestartMs?: number; stallRestartMs?: number } = {}) {
  const coturn = await turn.start();
  const proxies = [await udp.start({ targetHost: '127.0.0.1', targetPort: coturn.port }), await udp.start({ targetHost: '127.0.0.1', targetPort: coturn.port })];
  const urls = proxies.map((p) => `turn:127.0.0.1:${p.port}?transport=udp`);
  const e2e = await env.start({ turnSecret: coturn.secret, turnUrls: [urls[0]!] }, ['--allow-loopback-in-peer-connection']);
  const pages = await openPages(e2e, 2);
  // Each page goes through its own proxy (same coturn, same credentials).
  await Promise.all(
    pages.map((p, i) =>
      call(p, 'join', { server: e2e.serverUrl, room: 'ice-restart', players: 2, frames, inputSeed: 1000 + i, iceTransportPolicy: 'relay', turnUrl: urls[i]!, link: { connection: link } }),
    ),
  );
  return { e2e, pages, proxies };
}

const describeLink = (r: PlayResult) => {
  const l = r.links[0]!;
  return `player ${r.playerIndex}: restarts ${l.iceRestarts}, gave up ${JSON.stringify(l.iceGaveUp)}, route ${l.route}, failovers ${l.failovers}, recoveries ${l.recoveries}, P2P ${l.counters.receivedViaP2P} / relay ${l.counters.receivedViaRelay} received; routes ${l.routeHistory.map((h) => `${h.route}@${Math.round(h.at)} (${h.reason})`).join(', ')}`;
};

describe('ICE restart in real Chromium (TURN through per-page UDP proxies)', () => {
  it('one player’s path is cut for about 3 s: ICE restarts (at most 3, recorded) and play returns to P2P', async () => {
    const frames = 1500;
    // Restart once no pong came back for 2 s (Chromium itself calls a TURN path disconnected only after about 5 s).
    const { e2e, pages, proxies } = await setup(frames, { stallRestartMs: 2000 });
    await waitFrames(pages, 240);
    const cutAt = Date.now();
    proxies[1]!.cut(true);
    // Hold the cut 3 s, and (should Chromium be slower to notice) until both links have started an ICE restart.
    await sleep(3000);
    await until(async () => (await results(pages)).every((r) => r.links[0]!.iceRestarts >= 1), 20_000, 'both links to restart ICE');
    proxies[1]!.cut(false);
    const cutMs = Date.now() - cutAt;
    const atRestore = await results(pages);
    await until(
      async () => {
        const now = await results(pages);
        return now.every((r, i) => r.links[0]!.route === 'p2p' && r.links[0]!.counters.receivedViaP2P > atRestore[i]!.links[0]!.counters.receivedViaP2P + 60);
      },
      30_000,
      'play back on P2P after the path came back',
    );
    await waitFrames(pages, frames);
    const end = await results(pages);
    console.log(`path of page 1 cut for ${cutMs} ms (${proxies[1]!.stats().cutDropped} datagrams dropped); ${end.map(describeLink).join('; ')}`);
    for (const r of end) {
      const l = r.links[0]!;
      expect(r.confirmedFrame).toBeGreaterThanOrEqual(frames - 1);
      expect(r.desyncs).toBe(0);
      expect(l.iceRestarts).toBeGreaterThanOrEqual(1);
      expect(l.iceRestarts).toBeLessThanOrEqual(3);
      expect(l.iceGaveUp).toBeNull();
      expect(l.route).toBe('p2p');
      expect(l.connection?.type).toBe('relay'); // TURN: the P2P path of this test
      expect(l.counters.receivedViaRelay).toBeGreaterThan(0); // the server relay carried the game while the path was cut
    }
    expect(end[0]!.inputLogHex).toBe(end[1]!.inputLogHex);
    expect(end[0]!.confirmedHash).toBe(end[1]!.confirmedHash);
    // The research record counts the restarts of each peer's link.
    const store = e2e.server.store!;
    const sessionId = end[0]!.sessionId;
    const rows = await until(async () => {
      const r = await store.rows('links', sessionId);
      return r.length === 2 && r.every((x) => Number(x.ice_restarts) >= 1) ? r : null;
    }, 20_000, 'both final reports with their ICE restarts');
    expect(rows.map((x) => Number(x.ice_restarts)).sort()).toEqual(end.map((r) => r.links[0]!.iceRestarts).sort());
    await leaveAll(pages);
  });

  it('the path stays cut: after 3 failed restarts the links give up with the reason and stay on the relay', async () => {
    const frames = 1800;
    const { e2e, pages, proxies } = await setup(frames, { iceRestartTimeoutMs: 1500 });
    await waitFrames(pages, 240);
    const before = await results(pages);
    const cutAt = Date.now();
    proxies[1]!.cut(true);
    // Each attempt ends by its own timeout or by ICE failing, whichever first: allow three slow ones.
    const atGiveUp = await until(async () => {
      const now = await results(pages);
      return now.every((r) => r.links[0]!.iceGaveUp !== null) ? now : null;
    }, 120_000, 'both links to give up restarting ICE');
    const giveUpMs = Date.now() - cutAt;
    await waitFrames(pages, frames);
    const end = await results(pages);
    console.log(`gave up ${giveUpMs} ms after the cut; ${end.map(describeLink).join('; ')}`);
    // Play went on over the relay while the restarts failed: at 60 frames a second, at least a quarter of real time (generous for a loaded machine).
    for (const [i, r] of atGiveUp.entries()) {
      expect(r.confirmedFrame - before[i]!.confirmedFrame, `confirmed ${before[i]!.confirmedFrame} at the cut, ${r.confirmedFrame} at the give-up; ${describeLink(r)}`).toBeGreaterThan((giveUpMs / 1000) * 60 * 0.25);
    }
    for (const r of end) {
      const l = r.links[0]!;
      expect(r.confirmedFrame).toBeGreaterThanOrEqual(frames - 1);
      expect(r.desyncs).toBe(0);
      expect(l.iceRestarts).toBe(3);
      expect(l.iceGaveUp).toMatch(/after 3 restarts/);
      expect(l.route).toBe('relay');
      expect(l.counters.receivedViaRelay).toBeGreaterThan(300);
    }
    expect(end[0]!.inputLogHex).toBe(end[1]!.inputLogHex);
    expect(end[0]!.confirmedHash).toBe(end[1]!.confirmedHash);
    // The research record holds the restarts and, in the link's connection history, the switch to the relay with the reason.
    const store = e2e.server.store!;
    const rows = await until(async () => {
      const r = await store.rows('links', end[0]!.sessionId);
      return r.length === 2 ? r : null;
    }, 20_000, 'both final reports');
    for (const row of rows) {
      expect(Number(row.ice_restarts)).toBe(3);
      const history = JSON.parse(String(row.connection_history)) as { type: string; reason?: string }[];
      expect(history.some((c) => c.type === 'relay-server' && /after 3 restarts/.test(c.reason ?? ''))).toBe(true);
    }
    await leaveAll(pages);
  }, 300_000);
});
