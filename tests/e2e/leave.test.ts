/**
 * E2E players leaving: three real pages play one room; one page is closed
 * with no goodbye. The other two drop it once their transport reports it
 * disconnected, agree on its departure frame (the same `peer-left` frame on
 * both), and play on with its neutral input for at least 600 more confirmed
 * frames, to the end frame. Their input logs are identical and record the
 * departure, and the server's research parity for the session is
 * `fullySynced`.
 */
import { describe, expect, it } from 'vitest';
import { call, joinRoom, leaveAll, openPages, parityAfterFinalReports, results, resultsWhenEnded, until, waitFrames } from '../../harness/e2e.ts';
import { decodeInputLog } from '../../src/engine/input-log.ts';
import { e2ePerTest } from '../support/per-test.ts';

const env = e2ePerTest();

describe('a player leaves a 3-player game in real Chromium', () => {
  it('the other two agree on the departure frame and play on with identical logs; parity fullySynced', async () => {
    const e2e = await env.start({ adminToken: 'e2e-admin-token-0123456789' });
    const pages = await openPages(e2e, 3);
    const frames = 1500;
    const joined = await joinRoom(pages, {
      server: e2e.serverUrl,
      room: 'leave-e2e',
      players: 3,
      frames,
      // the leaver says `leave` (its page closes): silence is not what decides here, so the mesh keeps its
      // default bounds (a page that stalls a second or two on a busy machine is not taken for gone)
      research: { reportIntervalMs: 1000 },
    });
    await waitFrames(pages, 240);
    const leaver = pages[2]!;
    const gone = joined[2]!.playerIndex;
    const stay = pages.slice(0, 2);
    await leaver.context().close();

    const left = await until(async () => {
      const rs = await results(stay);
      return rs.every((r) => r.peerLeft.length > 0) ? rs.map((r) => r.peerLeft) : null;
    }, 30_000, 'peer-left on both remaining pages');
    const frame = left[0]![0]!.frame;
    expect(left).toEqual([
      [{ player: gone, frame, remaining: 2 }],
      [{ player: gone, frame, remaining: 2 }],
    ]);
    expect(frame).toBeGreaterThanOrEqual(240);
    expect(frames - frame).toBeGreaterThanOrEqual(600);

    const confirmed = await waitFrames(stay, frames);
    for (const c of confirmed) expect(c).toBeGreaterThanOrEqual(frames - 1);
    const [a, b] = await resultsWhenEnded(stay);
    for (const r of [a!, b!]) {
      expect(r.confirmedFrame - frame).toBeGreaterThanOrEqual(600);
      expect(r.desyncs).toBe(0);
      expect(r.departures).toEqual([{ player: gone, frame }]);
      expect(r.ended).toEqual({ reason: 'completed' }); // two players remain: the session goes on to its end frame
    }
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    expect(a!.confirmedHash).toBe(b!.confirmedHash);
    const log = decodeInputLog(Uint8Array.from(Buffer.from(a!.inputLogHex, 'hex')));
    if (!log.ok) throw new Error(log.error.message);
    expect(log.log.departures).toEqual([{ player: gone, frame }]);

    const store = e2e.server.store!;
    const sessionId = a!.sessionId;
    const session = await parityAfterFinalReports(store, sessionId, frames);
    console.log(`departure frame ${frame}; parity ${session.parity_status} over ${session.parity_frames} frames`);
    expect(session.parity_status).toBe('fullySynced');
    // the leaver's stored log ends before its departure; the two who played on are compared with each other to the end
    const leaverFrames = (await store.inputLogs(sessionId)).find((l) => l.playerIndex === gone)!.frames;
    expect(leaverFrames).toBeGreaterThan(0);
    expect(leaverFrames).toBeLessThanOrEqual(frame);
    expect(session.parity_frames).toBe(frames);
    // and past the departure, the two remaining peers' stored logs (appended range by range) are the same bytes, to the end
    const remaining = (await store.inputLogs(sessionId)).filter((l) => l.playerIndex !== gone);
    expect(remaining.map((l) => l.frames)).toEqual([frames, frames]);
    expect(Buffer.from(remaining[0]!.log).equals(Buffer.from(remaining[1]!.log))).toBe(true);
    expect(Buffer.from(remaining[0]!.log).toString('hex')).toBe(a!.inputLogHex);
    await leaveAll(stay);
  });

  it('with a rejoin window, a player who leaves on purpose is a departure at once on both others, not an absence', async () => {
    const e2e = await env.start({ adminToken: 'e2e-admin-token-0123456789' });
    const pages = await openPages(e2e, 3);
    const frames = 1200;
    const joined = await joinRoom(pages, {
      server: e2e.serverUrl,
      room: 'leave-window',
      players: 3,
      frames,
      rejoinWindowMs: 60_000,
    });
    await waitFrames(pages, 240);
    const gone = joined[2]!.playerIndex;
    const stay = pages.slice(0, 2);
    const leftAt = await call(stay[0]!, 'now');
    await call(pages[2]!, 'leave'); // the app closes its session: the server is told `leave`
    const left = await until(async () => {
      const rs = await results(stay);
      return rs.every((r) => r.peerLeft.length > 0) ? rs : null;
    }, 20_000, 'peer-left on both remaining pages');
    const frame = left[0]!.peerLeft[0]!.frame;
    for (const r of left) expect(r.peerLeft).toEqual([{ player: gone, frame, remaining: 2 }]);
    // at once: well inside the 60 s window (the seat is not kept)
    expect((await call(stay[0]!, 'now')) - leftAt).toBeLessThan(20_000);
    const [a, b] = await (async () => {
      await waitFrames(stay, frames);
      return resultsWhenEnded(stay);
    })();
    for (const r of [a!, b!]) {
      expect(r.departures).toEqual([{ player: gone, frame }]);
      expect(r.ended).toEqual({ reason: 'completed' });
      expect(r.desyncs).toBe(0);
    }
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    const log = decodeInputLog(Uint8Array.from(Buffer.from(a!.inputLogHex, 'hex')));
    if (!log.ok) throw new Error(log.error.message);
    expect(log.log.departures).toEqual([{ player: gone, frame }]);
    expect(log.log.absences ?? []).toEqual([]); // a departure, not an absence
    console.log(`explicit leave with a rejoin window: departure frame ${frame}`);
    await leaveAll(stay);
  });
});
