import { describe, expect, it } from 'vitest';
import { call, openPage, playRoom } from '../../harness/e2e.ts';
import { e2ePerTest } from '../support/per-test.ts';

const env = e2ePerTest();

describe('peer-to-peer in real Chromium', () => {
  it('two pages join through the server, connect P2P (host) and play 1,800 frames in sync', async () => {
    const e2e = await env.start();
    const pages = [await openPage(e2e), await openPage(e2e)];
    const results = await playRoom(pages, { server: e2e.serverUrl, room: 'p2p-two', players: 2, frames: 1800 });
    const [a, b] = results;
    expect(a!.sessionId).toBe(b!.sessionId);
    expect(results.map((r) => r.playerIndex).sort()).toEqual([0, 1]);
    for (const r of results) {
      expect(r.confirmedFrame).toBeGreaterThanOrEqual(1799);
      expect(r.desyncs).toBe(0);
      expect(r.links[0]!.connection?.type).toBe('host');
      expect(r.links[0]!.counters.packetsViaP2P).toBeGreaterThan(1000);
    }
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    expect(a!.confirmedHash).toBe(b!.confirmedHash);
    await Promise.all(pages.map((p) => call(p, 'leave')));
  });
});
