/**
 * E2E spectators: two real Chromium pages play a session; four more pages
 * watch it with watchGame, two over DataChannels from the players (one each)
 * and two through the server's fan-out. Every spectator's state hash at
 * every sample frame it reached equals both players' confirmed hash there,
 * to the end frame. One P2P spectator is hostile and sends junk to its
 * player: the player counts and drops it, and the players' engines never
 * see a spectator packet (no malformed packet, identical logs, no desync,
 * confirmed frame to the end).
 */
import { describe, expect, it } from 'vitest';
import { call, joinRoom, leaveAll, openPage, results, until, waitFrames } from '../../harness/e2e.ts';
import type { WatchResult } from '../../harness/types.ts';
import { e2ePerTest } from '../support/per-test.ts';

const env = e2ePerTest();

describe('spectators in real Chromium', () => {
  it('four spectators watch a 2-player session (2 P2P, 2 via the server) and see the confirmed frames', async () => {
    const e2e = await env.start({ spectatorPeerSlots: 1 });
    // one page at a time: on a loaded machine, six pages loading at once can miss the page-load timeout
    const pages = [];
    for (let i = 0; i < 6; i++) pages.push(await openPage(e2e));
    const players = pages.slice(0, 2);
    const spectators = pages.slice(2);
    const frames = Number(process.env.SPECT_FRAMES ?? 1200);
    await joinRoom(players, { server: e2e.serverUrl, room: 'spectators-e2e', players: 2, frames });
    // generous: on a loaded machine two pages can take long to connect and get going
    for (const c of await waitFrames(players, 180, 120_000)) expect(c).toBeGreaterThanOrEqual(179);
    const sessionId = (await results(players))[0]!.sessionId;

    const vias = ['p2p', 'p2p', 'server', 'server'] as const;
    const watched = await Promise.all(spectators.map((page, i) => call(page, 'watch', { server: e2e.serverUrl, session: sessionId, via: vias[i], delayFrames: 6 })));
    expect(watched.map((w) => w.path)).toEqual(['p2p', 'p2p', 'server', 'server']);
    expect(watched.slice(0, 2).map((w) => w.feeder).sort()).toEqual([0, 1]);

    const watching = (): Promise<WatchResult[]> => Promise.all(spectators.map((p) => call(p, 'watchResult')));
    let seen: WatchResult[] = [];
    await until(async () => (seen = await watching()).every((w) => w.frame > 0), 30_000, 'every spectator showing frames').catch(async (e: unknown) => {
      console.log(JSON.stringify(seen.map(({ hashes, lagSamples, ...w }) => ({ ...w, hashes: hashes.length, lags: lagSamples.length }))));
      console.log(JSON.stringify((await results(players)).map((r) => [r.confirmedFrame, r.spectatorFeed])));
      throw e;
    });
    // spectator 0 turns hostile: junk on both channels of its link to its player
    expect(await call(spectators[0]!, 'spectatorJunk', 40)).toBeGreaterThan(0);

    for (const c of await waitFrames(players, frames)) expect(c).toBe(frames - 1);
    const ws = await until(async () => {
      const all = await watching();
      return all.every((w) => w.frame >= frames) ? all : null;
    }, 30_000, 'every spectator at the end frame');
    const [a, b] = await results(players);
    console.log(JSON.stringify(ws.map((w) => ({ path: w.path, first: w.hashes[0], samples: w.hashes.length, renders: w.renders, lagMsP50: w.lagMsP50 }))));

    // the players: one confirmed timeline, untouched by spectators
    for (const r of [a!, b!]) {
      expect(r.confirmedFrame).toBe(frames - 1);
      expect(r.desyncs).toBe(0);
      expect(r.malformed).toBe(0);
      expect(r.maxRollback).toBeLessThanOrEqual(8);
      expect(r.spectatorFeed!.snapshotsSent).toBeGreaterThanOrEqual(1);
    }
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    expect(a!.hashes).toEqual(b!.hashes);
    const hostileFeeder = [a!, b!].find((r) => r.playerIndex === watched[0]!.feeder)!;
    expect(hostileFeeder.spectatorFeed!.hostileMessages).toBeGreaterThan(0);
    const uploader = [a!, b!].find((r) => r.playerIndex === watched[2]!.feeder)!;
    // one snapshot per server-path spectator, uploaded by the same player (the feed itself closes when the session ends)
    expect(uploader.spectatorFeed!.snapshotsSent).toBeGreaterThanOrEqual(2);

    // the spectators: the players' confirmed hash at every sample frame they reached, to the end
    const byFrame = new Map(a!.hashes.map((h) => [h.frame, h.hash]));
    for (const [i, w] of ws.entries()) {
      // joined mid-session, then every sample the players took, to the end frame
      expect(w.hashes[0]!.frame).toBeGreaterThanOrEqual(180);
      expect(w.hashes[0]!.frame).toBeLessThanOrEqual(frames - 240);
      expect(w.hashes.at(-1)!.frame).toBe(frames);
      expect(w.hashes).toEqual(a!.hashes.filter((h) => h.frame >= w.hashes[0]!.frame));
      for (const h of w.hashes) expect({ frame: h.frame, hash: byFrame.get(h.frame) }).toEqual(h);
      expect(w.gaps).toBe(0);
      expect(w.malformed).toBe(0);
      expect(w.renders).toBeGreaterThan(100);
      if (i < 2) expect([w.viaP2P > 0, w.viaServer]).toEqual([true, 0]);
      else expect([w.viaP2P, w.viaServer > 0]).toEqual([0, true]);
    }
    const lags = ws.flatMap((w) => w.lagSamples).sort((x, y) => x - y);
    console.log(`spectator lag beyond the delay: p50 ${lags[Math.floor(lags.length / 2)]?.toFixed(1)} ms over ${lags.length} samples; per spectator p50 ${ws.map((w) => w.lagMsP50.toFixed(1)).join(', ')}`);
    await Promise.all(spectators.map((p) => call(p, 'unwatch')));
    await leaveAll(players);
  }, 400_000);
});
