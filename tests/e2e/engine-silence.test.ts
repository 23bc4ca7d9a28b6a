/**
 * E2E engine silence: two real pages play; one page's game traffic is cut
 * on every link, both ways, for 14 s, while its DataChannels stay up and
 * keep answering the links' pings (the gate in the test page drops what the
 * engine sends and receives): a page whose worker froze or whose engine is
 * gone looks like that. A link that answers pings is not silent, so plain
 * silence (`disconnectedMs`, 5 s) does not make the peer absent; the
 * engine-silence bound (`engineSilentMs`, here 8 s instead of 30 s to keep
 * the test short) does. The other page then keeps the seat and plays on with
 * the absent player's neutral input; when the traffic is back, the cut page
 * loads a state transfer and plays again (both sides counted the other absent
 * and played on: the tie rule has the higher player index start over, so the
 * test cuts player 1). Both logs are identical to the end and record the
 * absence, and the server's research parity is `fullySynced`.
 */
import { describe, expect, it } from 'vitest';
import { call, joinRoom, leaveAll, openPages, parityAfterFinalReports, results, until, waitFrames } from '../../harness/e2e.ts';
import { decodeInputLog } from '../../src/engine/input-log.ts';
import { e2ePerTest } from '../support/per-test.ts';

const env = e2ePerTest();

describe('a page whose engine goes silent while its links answer pings, in real Chromium', () => {
  it('is absent after engineSilentMs, not after disconnectedMs; the other plays on, the cut page loads a transfer and plays again; logs identical, parity fullySynced', async () => {
    const e2e = await env.start({ adminToken: 'e2e-admin-token-0123456789' });
    const pages = await openPages(e2e, 2);
    const frames = 3000;
    const joined = await joinRoom(pages, {
      server: e2e.serverUrl,
      room: 'engine-silence',
      players: 2,
      frames,
      // The page's gate cuts what passes the page: the inputs channels stay there (not in the engine's worker).
      mesh: { engineSilentMs: 8000, channelsInEngine: false },
      research: { reportIntervalMs: 1000 },
      rejoinWindowMs: 60_000,
    });
    await waitFrames(pages, 240);
    // Both sides of a 2-player cut play on alone; the tie rule has the higher player index start over, so cut that one.
    const cutAt = joined.findIndex((j) => j.playerIndex === 1);
    const cut = pages[cutAt]!;
    const live = pages[1 - cutAt]!;
    const cutPlayer = 1;
    const liveClockOffset = Date.now() - (await call(live, 'now'));
    const cutStart = Date.now();
    const backAt = await call(cut, 'blackout', 14_000);

    const returned = await until(async () => {
      const ev = await call(live, 'rejoinEvents');
      return ev.find((e) => e.type === 'peer-returned') ?? null;
    }, 30_000, 'peer-returned on the live page').catch(async (e: unknown) => {
      console.log(`live page events ${JSON.stringify(await call(live, 'rejoinEvents'))}; cut page events ${JSON.stringify(await call(cut, 'rejoinEvents'))}`);
      throw e;
    });
    const liveEvents = await call(live, 'rejoinEvents');
    const cutEvents = await call(cut, 'rejoinEvents');
    const absent = liveEvents.find((e) => e.type === 'peer-absent')!;
    expect(absent).toMatchObject({ player: cutPlayer });
    expect(returned).toMatchObject({ player: cutPlayer });
    expect(cutEvents.map((e) => e.type)).toContain('rejoining');
    const loaded = cutEvents.find((e) => e.type === 'transfer' && e.direction === 'loaded');
    expect(loaded).toBeDefined();
    // Pongs kept it present past disconnectedMs (5 s); engine silence made it absent (8 s after its last packet).
    const absentAfterMs = absent.at + liveClockOffset - cutStart;
    expect(absentAfterMs).toBeGreaterThan(6500);
    const statuses = (await results([live]))[0]!.statuses.filter((s) => s.peer === cutPlayer).map((s) => s.status);
    expect(statuses).toContain('disconnected');
    console.log(`absent ${Math.round(absentAfterMs)} ms after the cut began (from frame ${String(absent.frame)}), returned at frame ${String(returned.frame)}, transfer loaded ${Math.round(loaded!.at - backAt)} ms after the cut ended; live page's statuses of the cut player: ${statuses.join(' > ')}`);

    const confirmed = await waitFrames(pages, frames);
    for (const c of confirmed) expect(c).toBeGreaterThanOrEqual(frames - 1);
    const [a, b] = await results(pages);
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    expect(a!.confirmedHash).toBe(b!.confirmedHash);
    for (const r of [a!, b!]) expect(r.desyncs).toBe(0);
    const log = decodeInputLog(Uint8Array.from(Buffer.from(a!.inputLogHex, 'hex')));
    if (!log.ok) throw new Error(log.error.message);
    expect(log.log.absences).toEqual([{ player: cutPlayer, from: absent.frame, to: returned.frame }]);
    // The live page stalled until the bound (its peer's link answered pings), then played on alone: about 6 s of neutral input.
    expect(Number(returned.frame) - Number(absent.frame)).toBeGreaterThan(4 * 60);

    const store = e2e.server.store!;
    const sessionId = a!.sessionId;
    const session = await parityAfterFinalReports(store, sessionId, frames);
    console.log(`parity ${session.parity_status} over ${session.parity_frames} frames`);
    expect(session.parity_status).toBe('fullySynced');
    await leaveAll(pages);
  }, 120_000);
});
