/**
 * E2E departures: mid-game one page is closed (no `leave`); the survivor
 * must see its peer `interrupted`, then `disconnected`, and its session must
 * end with reason `peer-disconnected` while its data stays exportable. And
 * when a page only loses its server connection, the server tells the other
 * page its peer left, but the game goes on over P2P.
 */
import { describe, expect, it } from 'vitest';
import { call, crashPage, joinRoom, leaveAll, openPages, resultsWhenEnded, waitFrames } from '../../harness/e2e.ts';
import { e2ePerTest } from '../support/per-test.ts';
import type { PlayResult } from '../../harness/types.ts';

const env = e2ePerTest();

describe('a peer goes away in real Chromium', () => {
  it('one page crashes: the other sees interrupted, then disconnected, and ends cleanly', async () => {
    const e2e = await env.start();
    const pages = await openPages(e2e, 2);
    await joinRoom(pages, { server: e2e.serverUrl, room: 'disconnect', players: 2, frames: 3600 });
    await waitFrames(pages, 240);
    const [survivor, leaver] = pages as [typeof pages[0], typeof pages[0]];
    const closedAt = await call(survivor, 'now');
    await crashPage(leaver); // gone with no goodbye (a closed page would say leave)

    // bounded: 5 s of silence makes the peer disconnected; allow generous slack
    const deadline = Date.now() + 15_000;
    let r: PlayResult = await call(survivor, 'result');
    while (r.ended === null && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 200));
      r = await call(survivor, 'result');
    }
    const after = r.statuses.filter((s) => s.at >= closedAt).map((s) => s.status);
    console.log(`survivor statuses after the close: ${r.statuses.filter((s) => s.at >= closedAt).map((s) => `${s.status}@+${Math.round(s.at - closedAt)}ms`).join(', ')}; ended ${JSON.stringify(r.ended)}`);
    // it ends at the departure frame both sides agreed (here: this page alone), announced by peer-left
    expect(r.ended).toEqual({ reason: 'peer-disconnected', peer: 1 - r.playerIndex, frame: r.peerLeft[0]?.frame });
    expect(r.peerLeft.map(({ player, remaining }) => ({ player, remaining }))).toEqual([{ player: 1 - r.playerIndex, remaining: 1 }]);
    expect(r.peerLeft[0]!.frame).toBeGreaterThanOrEqual(239);
    expect(r.departures).toEqual([{ player: 1 - r.playerIndex, frame: r.peerLeft[0]!.frame }]);
    expect(after).toContain('interrupted');
    expect(after).toContain('disconnected');
    expect(after.indexOf('interrupted')).toBeLessThan(after.indexOf('disconnected'));
    expect(after.at(-1)).toBe('disconnected');
    expect(r.links[0]!.status).toBe('disconnected');
    // its data is kept: the metrics still export, with everything confirmed before the close
    expect(r.confirmedFrame).toBeGreaterThanOrEqual(239);
    expect(r.desyncs).toBe(0);
    expect(r.inputLogHex.length).toBeGreaterThanOrEqual(240 * 2 * 2);
    await leaveAll([survivor]);
  });

  it('one page loses only its server connection: the game goes on over P2P to the end', async () => {
    const e2e = await env.start();
    const pages = await openPages(e2e, 2);
    const frames = 600;
    await joinRoom(pages, { server: e2e.serverUrl, room: 'signaling-drop', players: 2, frames });
    await waitFrames(pages, 180);
    await call(pages[1]!, 'dropSignaling');
    await waitFrames(pages, frames);
    expect(e2e.server.stats().clients).toBe(1); // the server dropped the page (and told the other one peer-left)
    const [a, b] = await resultsWhenEnded(pages);
    for (const r of [a!, b!]) {
      expect(r.confirmedFrame).toBeGreaterThanOrEqual(frames - 1);
      expect(r.desyncs).toBe(0);
      expect(r.ended).toEqual({ reason: 'completed' });
      expect(r.statuses.map((s) => s.status)).not.toContain('disconnected');
      expect(r.links[0]!.status).toBe('connected');
    }
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    expect(a!.confirmedHash).toBe(b!.confirmedHash);
    await leaveAll(pages);
  });
});
