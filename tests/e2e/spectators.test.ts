/**
 * E2E spectators: two real Chromium pages play a session; four more pages
 * watch it with watchGame, two over DataChannels from the players (one each)
 * and two through the server's fan-out. Every spectator's state hash at
 * every sample frame it reached equals both players' confirmed hash there,
 * to the end frame. One P2P spectator is hostile and sends junk to its
 * player: the player counts and drops it, and the players' engines never
 * see a spectator packet (no malformed packet, identical logs, no desync,
 * confirmed frame to the end).
 *
 * Then the server is killed (SIGKILL) and restarted on the same port and
 * data directory mid-session: the players resume their seats, and both
 * spectators (one P2P, one on the server path) watch again by themselves and
 * show new frames; every hash they took equals the players' confirmed hash.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, hostAddress, joinRoom, leaveAll, openPage, results, until, waitFrames } from '../../harness/e2e.ts';
import type { WatchResult } from '../../harness/types.ts';
import { e2ePerTest, serverProcessPerTest } from '../support/per-test.ts';

const env = e2ePerTest();
const servers = serverProcessPerTest();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

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

  it('the server is killed and restarted mid-session: both spectators (P2P and server path) watch again by themselves and see the confirmed frames to the end', async () => {
    const e2e = await env.start();
    const dataDir = mkdtempSync(join(tmpdir(), 'netroll-spect-restart-'));
    dirs.push(dataDir);
    const origin = new URL(e2e.pageUrl).origin;
    const first = await servers.start({ host: hostAddress(), dataDir, corsOrigins: [origin] });
    const pages = [];
    for (let i = 0; i < 4; i++) pages.push(await openPage(e2e));
    const players = pages.slice(0, 2);
    const spectators = pages.slice(2);
    const frames = 2400;
    await joinRoom(players, { server: first.url, room: 'spectators-restart', players: 2, frames });
    for (const c of await waitFrames(players, 180, 120_000)) expect(c).toBeGreaterThanOrEqual(179);
    const sessionId = (await results(players))[0]!.sessionId;
    const watched = [await call(spectators[0]!, 'watch', { server: first.url, session: sessionId, via: 'p2p', delayFrames: 6 }), await call(spectators[1]!, 'watch', { server: first.url, session: sessionId, via: 'server', delayFrames: 6 })];
    expect(watched.map((w) => w.path)).toEqual(['p2p', 'server']);
    const watching = (): Promise<WatchResult[]> => Promise.all(spectators.map((p) => call(p, 'watchResult')));
    await until(async () => (await watching()).every((w) => w.frame > 0), 30_000, 'both spectators showing frames');

    await first.kill();
    const atKill = await watching();
    await until(async () => (await Promise.all(players.map((p) => call(p, 'signalingInfo')))).every((s) => s.state === 'lost'), 10_000, 'both players to see signaling lost');
    const second = await servers.start({ host: hostAddress(), port: first.port, dataDir, corsOrigins: [origin] });
    await until(async () => (await Promise.all(players.map((p) => call(p, 'signalingInfo')))).every((s) => s.state === 'resumed'), 20_000, 'both players to resume their seats');
    let seen: WatchResult[] = [];
    await until(
      async () => (seen = await watching()).every((w, i) => w.rewatches >= 1 && w.frame > atKill[i]!.frame + 120),
      40_000,
      'both spectators watching again and showing new frames',
    ).catch((e: unknown) => {
      console.log(JSON.stringify(seen.map(({ hashes, lagSamples, ...w }) => ({ ...w, hashes: hashes.length, lags: lagSamples.length }))));
      throw e;
    });
    const rewatchedAfterMs = Date.now() - second.listeningAt;

    for (const c of await waitFrames(players, frames)) expect(c).toBe(frames - 1);
    const ws = await until(async () => {
      const all = await watching();
      return all.every((w) => w.frame >= frames) ? all : null;
    }, 30_000, 'both spectators at the end frame');
    const [a, b] = await results(players);
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    expect(a!.hashes).toEqual(b!.hashes);
    for (const r of [a!, b!]) expect(r.desyncs).toBe(0);
    const byFrame = new Map(a!.hashes.map((h) => [h.frame, h.hash]));
    for (const [i, w] of ws.entries()) {
      expect(w.rewatches).toBe(1);
      expect(w.ended).toBeNull();
      expect(w.malformed).toBe(0);
      expect(w.snapshotsLoaded).toBeGreaterThanOrEqual(2);
      // Every sample it took is the players' confirmed hash, once, in order, to the end frame.
      expect(w.hashes.at(-1)!.frame).toBe(frames);
      for (const h of w.hashes) expect({ frame: h.frame, hash: byFrame.get(h.frame) }).toEqual(h);
      for (let k = 1; k < w.hashes.length; k++) expect(w.hashes[k]!.frame).toBeGreaterThan(w.hashes[k - 1]!.frame);
      expect(w.spectatorId).not.toBe(atKill[i]!.spectatorId);
    }
    console.log(
      `spectators at the kill: frames ${atKill.map((w) => w.frame).join('/')}; watching again and showing new frames ${rewatchedAfterMs} ms after the restart; ` +
        `paths after ${ws.map((w) => w.path).join('/')}; snapshots ${ws.map((w) => w.snapshotsLoaded).join('/')}; events ${JSON.stringify(ws.map((w) => w.events.filter((e) => !e.startsWith('info'))))}`,
    );
    await Promise.all(spectators.map((p) => call(p, 'unwatch')));
    await leaveAll(players);
  }, 400_000);
});
