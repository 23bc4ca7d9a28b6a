/**
 * E2E: the server is killed mid-session (SIGKILL of its process: no goodbye
 * to any client) and started again on the same port and data directory.
 * P2P play never stops; both pages see signaling lost, reconnect, and
 * resume their seats with the secrets the first process issued (its key is
 * kept in the data directory's store); the relay works again afterwards
 * (inputs forced onto it by closing a channel); the logs end identical.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, hostAddress, joinRoom, leaveAll, openPages, results, sleep, until, waitFrames } from '../../harness/e2e.ts';
import type { SignalingSummary } from '../../harness/types.ts';
import { e2ePerTest, serverProcessPerTest } from '../support/per-test.ts';

const env = e2ePerTest();
const servers = serverProcessPerTest();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('server killed and restarted mid-session, real Chromium', () => {
  it('P2P play never stops, both seats resume, the relay delivers again, logs identical', async () => {
    const e2e = await env.start();
    const dataDir = mkdtempSync(join(tmpdir(), 'netroll-restart-'));
    dirs.push(dataDir);
    const origin = new URL(e2e.pageUrl).origin;
    const first = await servers.start({ host: hostAddress(), dataDir, corsOrigins: [origin] });
    const pages = await openPages(e2e, 2);
    const frames = 1500;
    await joinRoom(pages, { server: first.url, room: 'restart', players: 2, frames });
    await waitFrames(pages, 180);

    await first.kill();
    const killedAt = Date.now();
    const atKill = await Promise.all(pages.map(async (p) => (await call(p, 'result')).confirmedFrame));
    await until(async () => (await Promise.all(pages.map((p) => call(p, 'signalingInfo')))).every((s) => s.state === 'lost'), 10_000, 'both pages to see signaling lost');
    await sleep(2000); // the server stays down: play goes on over P2P
    const whileDown = await Promise.all(pages.map(async (p) => (await call(p, 'result')).confirmedFrame));
    for (const [i, f] of whileDown.entries()) expect(f, `player page ${i} confirmed frames while the server was down`).toBeGreaterThan(atKill[i]! + 90);
    const downLinks = await results(pages);
    for (const r of downLinks) expect(r.links[0]!.relayAvailable).toBe(false);

    const second = await servers.start({ host: hostAddress(), port: first.port, dataDir, corsOrigins: [origin] });
    const downMs = second.listeningAt - killedAt;
    let infos: SignalingSummary[] = [];
    await until(
      async () => (infos = await Promise.all(pages.map((p) => call(p, 'signalingInfo')))).every((s) => s.state === 'resumed'),
      15_000,
      'both pages to resume their seats on the restarted server',
    );
    const resumedMs = infos.map((s) => s.states.find((x) => x.state === 'resumed' && x.at >= second.listeningAt)!.at - second.listeningAt);
    for (const s of infos) expect(s.states.map((x) => x.state)).toEqual(expect.arrayContaining(['lost', 'regained', 'resumed']));

    // Force the inputs onto the relay: close the inputs channel on one side (the failover test hook).
    for (const p of pages) await call(p, 'markRelay');
    const forcedAt = Date.now();
    await call(pages[1]!, 'closeChannel', (await results([pages[1]!]))[0]!.links[0]!.peer);
    infos = await until(
      async () => {
        const s = await Promise.all(pages.map((p) => call(p, 'signalingInfo')));
        return s.every((x) => x.relaySinceMark >= 20) ? s : null;
      },
      10_000,
      'relay packets delivered to both pages after the restart',
    );
    const relayAfterForceMs = infos.map((s) => s.firstRelayAfterMark! - forcedAt);
    console.log(
      `server down ${downMs} ms; confirmed frames at kill ${atKill.join('/')}, 2 s later ${whileDown.join('/')}; ` +
        `resumed ${resumedMs.map((m) => m.toFixed(0)).join('/')} ms after the restart; relay delivering ${relayAfterForceMs.map((m) => m.toFixed(0)).join('/')} ms after forcing it; ` +
        `relay packets dropped while unseated ${infos.map((s) => s.relayDropped).join('/')}`,
    );

    await waitFrames(pages, frames);
    const [a, b] = await results(pages);
    for (const r of [a!, b!]) {
      const link = r.links[0]!;
      expect(r.confirmedFrame).toBeGreaterThanOrEqual(frames - 1);
      expect(r.desyncs).toBe(0);
      expect(link.counters.receivedViaRelay).toBeGreaterThan(0);
      expect(link.relayAvailable).toBe(true);
    }
    expect(a!.sessionId).toBe(b!.sessionId);
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    expect(a!.confirmedHash).toBe(b!.confirmedHash);
    await leaveAll(pages);
  });
});
