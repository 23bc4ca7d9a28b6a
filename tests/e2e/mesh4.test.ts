/**
 * E2E full mesh: four pages in one session, each connected P2P to the three
 * others; every page must confirm the same inputs and state.
 */
import { describe, expect, it } from 'vitest';
import { leaveAll, openPages, playRoom } from '../../harness/e2e.ts';
import { e2ePerTest } from '../support/per-test.ts';

const env = e2ePerTest();

describe('four players, full mesh, in real Chromium', () => {
  it('four pages play 600 frames in one session: identical logs, zero desyncs', async () => {
    const e2e = await env.start();
    const pages = await openPages(e2e, 4);
    const frames = 600;
    const results = await playRoom(pages, { server: e2e.serverUrl, room: 'mesh-four', players: 4, frames });
    expect(new Set(results.map((r) => r.sessionId)).size).toBe(1);
    expect(results.map((r) => r.playerIndex).sort()).toEqual([0, 1, 2, 3]);
    for (const r of results) {
      expect(r.confirmedFrame).toBeGreaterThanOrEqual(frames - 1);
      expect(r.desyncs).toBe(0);
      expect(r.links.map((l) => l.peer).sort()).toEqual([0, 1, 2, 3].filter((p) => p !== r.playerIndex));
      for (const link of r.links) {
        expect(link.open).toBe(true);
        expect(link.connection?.type).toBe('host');
        expect(link.counters.packetsViaP2P).toBeGreaterThan(300);
      }
    }
    const [first, ...rest] = results;
    for (const r of rest) {
      expect(r.inputLogHex).toBe(first!.inputLogHex);
      expect(r.confirmedHash).toBe(first!.confirmedHash);
    }
    expect(first!.inputLogHex.length).toBeGreaterThanOrEqual(frames * 4 * 2); // 4 players × 1 byte × 2 hex digits a frame
    await leaveAll(pages);
  });
});
