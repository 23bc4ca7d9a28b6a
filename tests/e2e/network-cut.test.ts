/**
 * E2E network cut: one player's whole network goes silent for 20 s, at the
 * packet level. Every page reaches the server through its own cuttable TCP
 * proxy (socket.io signaling and relay, research uploads) and coturn through
 * its own UDP proxy (the P2P path: pages are forced through TURN), so a test
 * can cut everything one page sends or receives, without a reset or a close
 * reaching either end, as a dead network would.
 *
 * The server's heartbeat is short here (ping every 2 s, 3 s to answer), so
 * both ends drop the silent connection during the cut: the cut page has to
 * resume its seat with its resume secret when the network is back. The other
 * page plays on with the absent player's neutral input (the default
 * `onAbsent`); the cut page, which also played on alone, loads a state
 * transfer from it (the tie rule has the higher index start over, so the test
 * cuts player 1) and plays again. Both logs are identical to the end and
 * record the absence, and the research parity is `fullySynced`.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import { call, hostAddress, leaveAll, openPages, parityAfterFinalReports, results, sleep, until, waitFrames } from '../../harness/e2e.ts';
import { decodeInputLog } from '../../src/engine/input-log.ts';
import { coturnPerTest, e2ePerTest, tcpProxyPerTest, udpProxyPerTest } from '../support/per-test.ts';

// Closed after each test in reverse order: pages and servers, then the proxies, then coturn.
const turn = coturnPerTest();
const udp = udpProxyPerTest();
const tcp = tcpProxyPerTest();
const env = e2ePerTest();

describe('one player’s network cut for 20 s in real Chromium (per-page TCP and UDP proxies)', () => {
  it('the cut page resumes its seat, loads a transfer and plays again; the other plays on; logs identical, parity fullySynced', async () => {
    const coturn = await turn.start();
    const udpProxies = [await udp.start({ targetHost: '127.0.0.1', targetPort: coturn.port }), await udp.start({ targetHost: '127.0.0.1', targetPort: coturn.port })];
    const turnUrls = udpProxies.map((p) => `turn:127.0.0.1:${p.port}?transport=udp`);
    const e2e = await env.start({ turnSecret: coturn.secret, turnUrls: [turnUrls[0]!], pingIntervalMs: 2000, pingTimeoutMs: 3000 }, ['--allow-loopback-in-peer-connection']);
    const host = hostAddress();
    const tcpProxies = [await tcp.start({ targetHost: host, targetPort: e2e.server.port, listenHost: host }), await tcp.start({ targetHost: host, targetPort: e2e.server.port, listenHost: host })];
    const t0 = Date.now();
    // Where the time went (a loaded machine can be slow anywhere): printed at the end, or when the test fails.
    const phases: string[] = [];
    const phase = (name: string) => phases.push(`${name} +${Date.now() - t0} ms`);
    onTestFailed(() => console.log(`phases: ${phases.join(', ')}`));
    const pages = await openPages(e2e, 2);
    phase('pages open');
    const frames = 1800;
    const joined = await Promise.all(
      pages.map((p, i) =>
        call(p, 'join', {
          server: `http://${host}:${tcpProxies[i]!.port}`,
          room: 'network-cut',
          players: 2,
          frames,
          inputSeed: 1000 + i,
          iceTransportPolicy: 'relay',
          turnUrl: turnUrls[i]!,
          research: { reportIntervalMs: 1000 },
          rejoinWindowMs: 60_000,
          matchTimeoutMs: 30_000,
        }),
      ),
    );
    phase('joined');
    await waitFrames(pages, 240);
    phase('240 frames');
    // Both sides of a 2-player cut play on alone; the tie rule has the higher player index start over, so cut that one.
    const c = joined.findIndex((j) => j.playerIndex === 1);
    const cut = pages[c]!;
    const live = pages[1 - c]!;
    const cutPlayer = 1;
    const cutAt = Date.now();
    udpProxies[c]!.cut(true);
    tcpProxies[c]!.cut(true);
    phase('cut');
    const liveBefore = (await call(live, 'stats')).confirmedFrame;
    // The heartbeat drops the silent connection on both ends during the cut.
    await until(async () => (await call(cut, 'signalingInfo')).states.some((s) => s.state === 'lost'), 15_000, 'the cut page to see its server connection lost');
    await sleep(Math.max(0, 20_000 - (Date.now() - cutAt)));
    const liveDuring = (await call(live, 'stats')).confirmedFrame;
    udpProxies[c]!.cut(false);
    tcpProxies[c]!.cut(false);
    const cutMs = Date.now() - cutAt;
    phase('restored');
    const backAt = await call(cut, 'now');

    const returned = await until(async () => {
      const ev = await call(live, 'rejoinEvents');
      return ev.find((e) => e.type === 'peer-returned') ?? null;
    }, 30_000, 'peer-returned on the live page').catch(async (e: unknown) => {
      console.log(`live page events ${JSON.stringify(await call(live, 'rejoinEvents'))}; cut page events ${JSON.stringify(await call(cut, 'rejoinEvents'))}`);
      throw e;
    });
    phase('peer returned');
    // The live page counts the return when it sends the transfer; the cut page loads it a little later, and its
    // server connection may come back after the P2P path does: wait for both rather than read them at once.
    const loaded = await until(async () => {
      const ev = await call(cut, 'rejoinEvents');
      return ev.find((e) => e.type === 'transfer' && e.direction === 'loaded') ?? null;
    }, 30_000, 'the transfer loaded on the cut page');
    phase('transfer loaded');
    const signaling = await until(async () => {
      const info = await call(cut, 'signalingInfo');
      return info.seated && info.states.some((s) => s.state === 'resumed') ? info : null;
    }, 30_000, 'the cut page to resume its seat');
    const liveEvents = await call(live, 'rejoinEvents');
    const cutEvents = await call(cut, 'rejoinEvents');
    const absent = liveEvents.find((e) => e.type === 'peer-absent')!;
    expect(absent).toMatchObject({ player: cutPlayer });
    expect(returned).toMatchObject({ player: cutPlayer });
    expect(cutEvents.map((e) => e.type)).toContain('rejoining');
    expect(loaded).toMatchObject({ type: 'transfer', direction: 'loaded' });
    // The cut page lost its server connection and took its seat back with its resume secret.
    const states = signaling.states.map((s) => s.state);
    expect(states.indexOf('lost')).toBeGreaterThanOrEqual(0);
    expect(states.lastIndexOf('resumed')).toBeGreaterThan(states.indexOf('lost'));
    expect(signaling.seated).toBe(true);
    // The live page played on during the cut (neutral input for the cut player): generous, a quarter of real time.
    expect(liveDuring - liveBefore).toBeGreaterThan((cutMs / 1000) * 60 * 0.25 - 60);

    const confirmed = await waitFrames(pages, frames);
    phase('all frames');
    for (const f of confirmed) expect(f).toBeGreaterThanOrEqual(frames - 1);
    const [a, b] = await results(pages);
    const describeLink = (r: typeof a) => {
      const l = r!.links[0]!;
      return `player ${r!.playerIndex}: route ${l.route}, ICE restarts ${l.iceRestarts}, gave up ${JSON.stringify(l.iceGaveUp)}, P2P ${l.counters.receivedViaP2P} / relay ${l.counters.receivedViaRelay} received`;
    };
    console.log(
      `cut ${cutMs} ms (${udpProxies[c]!.stats().cutDropped} datagrams dropped, ${tcpProxies[c]!.stats().acceptedWhileCut} connections held); ` +
        `signaling ${states.join(' > ')}; absent from frame ${String(absent.frame)}, returned at frame ${String(returned.frame)}, transfer loaded ${Math.round(loaded.at - backAt)} ms after the cut ended; ` +
        `${describeLink(a)}; ${describeLink(b)}; join openMs ${joined.map((j) => Math.round(j.openMs ?? -1)).join('/')}; phases ${phases.join(', ')}`,
    );
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    expect(a!.confirmedHash).toBe(b!.confirmedHash);
    for (const r of [a!, b!]) expect(r.desyncs).toBe(0);
    const log = decodeInputLog(Uint8Array.from(Buffer.from(a!.inputLogHex, 'hex')));
    if (!log.ok) throw new Error(log.error.message);
    console.log(`absences in the log: ${JSON.stringify(log.log.absences)}`);
    const brief = (events: { type: string }[]) => JSON.stringify(events.map((e) => ({ ...e, at: undefined })));
    console.log(`rejoin events: live page ${brief(await call(live, 'rejoinEvents'))}; cut page ${brief(await call(cut, 'rejoinEvents'))}`);
    expect((log.log.absences ?? []).filter((x) => x.player === cutPlayer)).toEqual([{ player: cutPlayer, from: absent.frame, to: returned.frame }]);
    expect(Number(returned.frame) - Number(absent.frame)).toBeGreaterThan(12 * 60); // the gap: most of the 20 s, in neutral input

    const store = e2e.server.store!;
    const sessionId = a!.sessionId;
    const session = await parityAfterFinalReports(store, sessionId, frames);
    console.log(`parity ${session.parity_status} over ${session.parity_frames} frames`);
    expect(session.parity_status).toBe('fullySynced');
    await leaveAll(pages);
  }, 300_000);
});
