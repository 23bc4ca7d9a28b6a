/**
 * E2E: two netroll nodes share one Redis and one research data directory;
 * two real Chromium pages, each connected to a different node, are matched
 * across the nodes and play P2P. One node is killed (SIGKILL of its process:
 * no goodbye to any client). Its page reconnects to the other node (its
 * fallback) and resumes its seat there; P2P play never stops; the relay
 * works again (inputs forced onto it by closing a channel) and now runs on
 * the surviving node; the logs end identical; both final reports are stored
 * and the parity check runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, hostAddress, joinRoom, leaveAll, openPages, results, sleep, until, waitFrames } from '../../harness/e2e.ts';
import type { SignalingSummary } from '../../harness/types.ts';
import { openResearchStore } from '../../server/research/store.ts';
import { e2ePerTest, redisPerTest, serverProcessPerTest } from '../support/per-test.ts';

const env = e2ePerTest();
const servers = serverProcessPerTest();
const redises = redisPerTest();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('a cluster node killed mid-session, real Chromium', () => {
  it('the page on the killed node resumes on the other; P2P never stops; relay works again; no report lost', async () => {
    const e2e = await env.start();
    const redis = await redises.start();
    const dataDir = mkdtempSync(join(tmpdir(), 'netroll-cluster-'));
    dirs.push(dataDir);
    const origin = new URL(e2e.pageUrl).origin;
    const node = (nodeId: string) => servers.start({ host: hostAddress(), dataDir, corsOrigins: [origin], redisUrl: redis.url, nodeId });
    const nodeA = await node('node-a');
    const nodeB = await node('node-b');
    const pages = await openPages(e2e, 2);
    const frames = 1500;
    // page 0 on node a (falls back to b), page 1 on node b (falls back to a)
    await Promise.all([
      call(pages[0]!, 'join', { server: nodeA.url, fallbackServers: [nodeB.url], room: 'cluster', players: 2, frames, inputSeed: 1000 }),
      call(pages[1]!, 'join', { server: nodeB.url, fallbackServers: [nodeA.url], room: 'cluster', players: 2, frames, inputSeed: 1001 }),
    ]);
    await waitFrames(pages, 180);

    await nodeA.kill();
    const killedAt = Date.now();
    const atKill = await Promise.all(pages.map(async (p) => (await call(p, 'result')).confirmedFrame));
    let infos: SignalingSummary[] = [];
    const resumed = await until(
      async () => {
        const info = await call(pages[0]!, 'signalingInfo');
        return info.states.some((x) => x.state === 'resumed' && x.at >= killedAt) ? info : null;
      },
      20_000,
      'the page of the killed node to resume its seat on the other node',
    );
    const resumedMs = resumed.states.find((x) => x.state === 'resumed' && x.at >= killedAt)!.at - killedAt;
    expect(resumed.states.map((x) => x.state)).toEqual(expect.arrayContaining(['lost', 'regained', 'resumed']));
    // the page on the surviving node never lost its server
    const survivor = await call(pages[1]!, 'signalingInfo');
    expect(survivor.states.filter((x) => x.at >= killedAt).map((x) => x.state)).not.toContain('lost');
    await sleep(1000);
    const later = await Promise.all(pages.map(async (p) => (await call(p, 'result')).confirmedFrame));
    for (const [i, f] of later.entries()) expect(f, `page ${i} confirmed frames after the kill`).toBeGreaterThan(atKill[i]! + 60);

    // Force the inputs onto the relay (now both seats are on node b).
    for (const p of pages) await call(p, 'markRelay');
    const forcedAt = Date.now();
    await call(pages[1]!, 'closeChannel', (await results([pages[1]!]))[0]!.links[0]!.peer);
    infos = await until(
      async () => {
        const s = await Promise.all(pages.map((p) => call(p, 'signalingInfo')));
        return s.every((x) => x.relaySinceMark >= 20) ? s : null;
      },
      10_000,
      'relay packets delivered to both pages after the failover',
    );
    const relayAfterForceMs = infos.map((s) => s.firstRelayAfterMark! - forcedAt);
    console.log(
      `node a killed at confirmed frames ${atKill.join('/')}; page 0 resumed on node b ${resumedMs} ms later; ` +
        `1 s after resuming: ${later.join('/')}; relay delivering ${relayAfterForceMs.map((m) => m.toFixed(0)).join('/')} ms after forcing it`,
    );

    await waitFrames(pages, frames);
    const [a, b] = await results(pages);
    for (const r of [a!, b!]) {
      expect(r.confirmedFrame).toBeGreaterThanOrEqual(frames - 1);
      expect(r.desyncs).toBe(0);
      expect(r.links[0]!.counters.receivedViaRelay).toBeGreaterThan(0);
    }
    expect(a!.sessionId).toBe(b!.sessionId);
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    expect(a!.confirmedHash).toBe(b!.confirmedHash);

    // Both final reports reach the shared store (through node b), and parity is computed.
    const store = await openResearchStore({ dataDir });
    try {
      const sessionId = a!.sessionId;
      await until(async () => {
        const logs = await store.inputLogs(sessionId);
        return logs.length === 2 && logs.every((l) => l.frames === frames);
      }, 30_000, 'both final reports in the store');
      const session = await until(async () => {
        const s = await store.session(sessionId);
        return s?.parity_status ? s : null;
      }, 15_000, 'the parity check');
      expect(session.parity_status).toBe('fullySynced');
    } finally {
      await store.close();
    }
    await leaveAll(pages);
    expect(nodeB.log()).not.toMatch(/handler failed/);
  });
});
