/**
 * E2E through coturn: both pages forced to `iceTransportPolicy: 'relay'`,
 * with per-client REST credentials from the netroll server. The link must
 * report connection type `relay`, the logs must match, and no page may ever
 * see coturn's static secret.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { leaveAll, openPages, playRoom } from '../../harness/e2e.ts';
import { coturnPerTest, e2ePerTest } from '../support/per-test.ts';

// Closed after each test in reverse order: pages and servers, then coturn.
const turn = coturnPerTest();
const env = e2ePerTest();

describe('TURN relay (coturn) in real Chromium', () => {
  it('two pages play 900 frames through coturn with REST credentials: type relay, identical logs, no secret in the page', async () => {
    const coturn = await turn.start();
    const e2e = await env.start({ turnSecret: coturn.secret, turnUrls: [coturn.url] }, ['--allow-loopback-in-peer-connection']);
    const pages = await openPages(e2e, 2);
    const results = await playRoom(pages, { server: e2e.serverUrl, room: 'turn-two', players: 2, frames: 900, iceTransportPolicy: 'relay' });
    const [a, b] = results;
    for (const r of results) {
      expect(r.confirmedFrame).toBeGreaterThanOrEqual(899);
      expect(r.desyncs).toBe(0);
      const link = r.links[0]!;
      expect(link.connection?.type).toBe('relay');
      expect(link.connection?.localType).toBe('relay');
      expect(link.route).toBe('p2p'); // the DataChannel (through TURN) carried the game, not the server relay
      expect(link.counters.packetsViaP2P).toBeGreaterThan(500);

      // REST credentials, never the static secret
      expect(r.turn).toBe(true);
      expect(JSON.stringify(r.iceServers)).not.toContain(coturn.secret);
      const turn = r.iceServers.find((s) => [s.urls].flat().includes(coturn!.url));
      expect(turn).toBeDefined();
      expect(turn!.username).toMatch(/^\d+:[A-Za-z0-9_-]+$/);
      const expiry = Number(turn!.username!.split(':')[0]);
      expect(expiry).toBeGreaterThan(Date.now() / 1000);
      expect(turn!.credential).not.toBe(coturn.secret);
      expect(turn!.credential).toBe(createHmac('sha1', coturn.secret).update(turn!.username!).digest('base64'));
    }
    expect(a!.iceServers[0]!.username).not.toBe(b!.iceServers[0]!.username); // per client
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    expect(a!.confirmedHash).toBe(b!.confirmedHash);
    await leaveAll(pages);
  });
});
