/**
 * E2E failover: mid-game, one page closes its inputs DataChannel. The server
 * relay must carry the inputs within 500 ms on both sides, the game must go
 * on to the end with identical logs (nothing lost), and, once the initiator
 * has re-opened the channel (2 s later), P2P takes the route back.
 */
import { describe, expect, it } from 'vitest';
import { call, joinRoom, leaveAll, openPages, results, sleep, waitFrames } from '../../harness/e2e.ts';
import { e2ePerTest } from '../support/per-test.ts';
import type { LinkSummary, PlayResult } from '../../harness/types.ts';

const env = e2ePerTest();

/** Absolute time (ms) the first input went over the relay after the route's first switch to it at or after `since` (absolute). */
function firstRelayInputAt(r: PlayResult, link: LinkSummary, since: number): number | null {
  const sw = link.routeHistory.find((h) => h.route === 'relay' && r.timeOrigin + h.at >= since - 1);
  if (!sw || link.lastFailoverMs === null) return null;
  return r.timeOrigin + sw.at + link.lastFailoverMs;
}

describe('DataChannel failover in real Chromium', () => {
  it('the inputs channel closes mid-game: the relay takes over within 500 ms, the game goes on, P2P comes back', async () => {
    const e2e = await env.start();
    const pages = await openPages(e2e, 2);
    const frames = 900;
    const joined = await joinRoom(pages, { server: e2e.serverUrl, room: 'failover', players: 2, frames });
    await waitFrames(pages, 180);

    // Close the non-initiator's channel (player 1): the initiator sees the remote close and re-opens it.
    const closer = joined.findIndex((j) => j.playerIndex === 1);
    const closedAtPage = await call(pages[closer]!, 'closeChannel', 0);
    await sleep(1000); // past the failover, before the re-open (2 s)
    const mid = await results(pages);
    const closedAt = mid[closer]!.timeOrigin + closedAtPage;
    const failoverMs = mid.map((r) => {
      const link = r.links[0]!;
      const history = `player ${r.playerIndex} routes: ${JSON.stringify(link.routeHistory)}, health ${JSON.stringify(link.health)}`;
      expect(link.failovers, history).toBe(1);
      expect(link.route, history).toBe('relay');
      const at = firstRelayInputAt(r, link, closedAt);
      expect(at).not.toBeNull();
      return at! - closedAt;
    });
    console.log(`failover (close → first input via relay), player 0 / 1: ${failoverMs.map((m) => m.toFixed(1)).join(' / ')} ms`);
    for (const ms of failoverMs) expect(ms).toBeLessThan(500);

    await waitFrames(pages, frames);
    const [a, b] = await results(pages);
    for (const r of [a!, b!]) {
      const link = r.links[0]!;
      expect(r.confirmedFrame).toBeGreaterThanOrEqual(frames - 1);
      expect(r.desyncs).toBe(0);
      expect(link.counters.packetsViaP2P).toBeGreaterThan(0);
      expect(link.counters.packetsViaRelay).toBeGreaterThan(0);
      expect(link.counters.receivedViaRelay).toBeGreaterThan(0);
      // The inputs channel lives in the engine's worker (the default): P2P packets went out and came in there.
      expect(r.directChannels).not.toBeNull();
      expect(r.directChannels!.sent[1 - r.playerIndex]).toBeGreaterThan(0);
      expect(r.directChannels!.received[1 - r.playerIndex]).toBeGreaterThan(0);
      expect(r.directChannels!.badMessages).toBe(0);
      console.log(
        `player ${r.playerIndex}: packets via P2P ${link.counters.packetsViaP2P}, via relay ${link.counters.packetsViaRelay}; ` +
          `failovers ${link.failovers}, recoveries ${link.recoveries}, route now ${link.route}; ` +
          `routes ${link.routeHistory.map((h) => `${h.route}@${Math.round(h.at)} (${h.reason})`).join(', ')}`,
      );
      // the initiator re-opens the channel after 2 s; P2P is healthy 1 s later and takes the route back
      expect(link.open).toBe(true);
      expect(link.recoveries).toBeGreaterThanOrEqual(1);
      expect(link.route).toBe('p2p');
    }
    // nothing lost: both peers confirmed the same inputs for every frame
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    expect(a!.confirmedHash).toBe(b!.confirmedHash);
    await leaveAll(pages);
  });
});
