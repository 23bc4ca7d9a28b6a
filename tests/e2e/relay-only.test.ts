/**
 * E2E without any P2P path: the pages are forced to `iceTransportPolicy:
 * 'relay'` but the server hands out no TURN server, so ICE has no candidate
 * at all. After the P2P timeout the server relay must carry every input.
 */
import { describe, expect, it } from 'vitest';
import { leaveAll, openPages, playRoom } from '../../harness/e2e.ts';
import { e2ePerTest } from '../support/per-test.ts';

const env = e2ePerTest();

describe('P2P never connects, in real Chromium', () => {
  it('the server relay carries the whole 600-frame game: identical logs', async () => {
    const e2e = await env.start();
    const pages = await openPages(e2e, 2);
    const frames = 600;
    const results = await playRoom(pages, {
      server: e2e.serverUrl,
      room: 'relay-only',
      players: 2,
      frames,
      iceTransportPolicy: 'relay',
      p2pTimeoutMs: 2000,
    });
    const [a, b] = results;
    for (const r of results) {
      const link = r.links[0]!;
      expect(r.turn).toBe(false);
      expect(r.timings.openMs).toBeNull();
      expect(r.confirmedFrame).toBeGreaterThanOrEqual(frames - 1);
      expect(r.desyncs).toBe(0);
      expect(link.open).toBe(false);
      expect(link.route).toBe('relay');
      expect(link.counters.packetsViaP2P).toBe(0);
      expect(link.counters.packetsViaRelay).toBeGreaterThan(300);
      expect(link.counters.receivedViaP2P).toBe(0);
    }
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    expect(a!.confirmedHash).toBe(b!.confirmedHash);
    expect(e2e.server.stats().relayedPackets).toBeGreaterThan(600);
    await leaveAll(pages);
  });
});
