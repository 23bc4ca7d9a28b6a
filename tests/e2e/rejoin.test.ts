/**
 * E2E rejoin: two real pages play; one page's game traffic is cut on every
 * link, both ways, for 20 s (a page-level cut: its DataChannels stay up, the
 * gate in the test page drops what they carry). The other page keeps the
 * seat and plays on with the absent player's neutral input; when the
 * traffic is back, the cut page loads a state transfer and plays again (both
 * sides counted the other absent and played on: the tie rule has the higher
 * player index start over, so the test cuts player 1). Both logs are identical to the end and
 * record the absence, and the server's research parity is `fullySynced`.
 */
import { describe, expect, it } from 'vitest';
import { call, joinRoom, leaveAll, openPages, results, until, waitFrames } from '../../harness/e2e.ts';
import { decodeInputLog } from '../../src/engine/input-log.ts';
import { e2ePerTest } from '../support/per-test.ts';

const env = e2ePerTest();

describe('a player cut off for 20 s comes back in real Chromium', () => {
  it('the other plays on with its neutral input, the cut page loads a transfer and plays again; logs identical, parity fullySynced', async () => {
    const e2e = await env.start({ adminToken: 'e2e-admin-token-0123456789' });
    const pages = await openPages(e2e, 2);
    const frames = 3000;
    const joined = await joinRoom(pages, {
      server: e2e.serverUrl,
      room: 'rejoin-cut',
      players: 2,
      frames,
      mesh: { interruptedMs: 500, disconnectedMs: 2000 },
      research: { reportIntervalMs: 1000 },
      rejoinWindowMs: 60_000,
    });
    await waitFrames(pages, 240);
    // Both sides of a 2-player cut play on alone; the tie rule has the higher player index start over, so cut that one.
    const cutAt = joined.findIndex((j) => j.playerIndex === 1);
    const cut = pages[cutAt]!;
    const live = pages[1 - cutAt]!;
    const cutPlayer = 1;
    const backAt = await call(cut, 'blackout', 20_000);

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
    console.log(`absent from frame ${String(absent.frame)}, returned at frame ${String(returned.frame)}, transfer loaded ${Math.round(loaded!.at - backAt)} ms after the cut ended`);

    const confirmed = await waitFrames(pages, frames);
    for (const c of confirmed) expect(c).toBeGreaterThanOrEqual(frames - 1);
    const [a, b] = await results(pages);
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    expect(a!.confirmedHash).toBe(b!.confirmedHash);
    for (const r of [a!, b!]) expect(r.desyncs).toBe(0);
    const log = decodeInputLog(Uint8Array.from(Buffer.from(a!.inputLogHex, 'hex')));
    if (!log.ok) throw new Error(log.error.message);
    expect(log.log.absences).toEqual([{ player: cutPlayer, from: absent.frame, to: returned.frame }]);
    expect(Number(returned.frame) - Number(absent.frame)).toBeGreaterThan(15 * 60); // the gap: about 20 s of neutral input

    const store = e2e.server.store!;
    const sessionId = a!.sessionId;
    await until(async () => (await store.inputLogs(sessionId)).filter((l) => l.frames === frames).length === 2, 30_000, 'both final reports');
    const session = await until(async () => {
      const s = await store.session(sessionId);
      return s?.parity_checked_at ? s : null;
    }, 20_000, 'the parity check');
    console.log(`parity ${session.parity_status} over ${session.parity_frames} frames`);
    expect(session.parity_status).toBe('fullySynced');
    await leaveAll(pages);
  }, 120_000);
});
