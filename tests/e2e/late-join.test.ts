/**
 * E2E late join: a 3-seat room starts with 2 players (`startPlayers: 2`);
 * they play; a third page joins the same room while the session runs, takes
 * the free seat, connects to both, loads a state transfer from the authority
 * and plays on. Every engine agrees the frame the newcomer's input counts
 * from: the three logs are identical (the free seat is an absence from frame
 * 0 to that frame), the server records the newcomer as a participant, and
 * the research parity is `fullySynced`.
 */
import { describe, expect, it } from 'vitest';
import { call, joinRoom, leaveAll, openPages, parityAfterFinalReports, results, until, waitFrames } from '../../harness/e2e.ts';
import { decodeInputLog } from '../../src/engine/input-log.ts';
import { e2ePerTest } from '../support/per-test.ts';

const env = e2ePerTest();

describe('late join with real pages', () => {
  it('2 players play, a third takes the free seat of the running session; all three logs identical, parity fullySynced', async () => {
    const e2e = await env.start({ adminToken: 'e2e-admin-token-0123456789' });
    const pages = await openPages(e2e, 3);
    // Long enough (60 s) that the founders are still playing when a slow, loaded machine seats the newcomer.
    const frames = 3600;
    const options = { server: e2e.serverUrl, room: 'late-join', players: 3, startPlayers: 2, frames, research: { reportIntervalMs: 1000 } };
    const founders = await joinRoom(pages.slice(0, 2), options);
    expect(founders.map((f) => f.playerIndex).sort()).toEqual([0, 1]);
    await waitFrames(pages.slice(0, 2), 240);

    const joinedAt = Date.now();
    const late = await call(pages[2]!, 'join', { ...options, inputSeed: 1002 });
    expect(late.playerIndex).toBe(2);
    console.log(`newcomer's joinGame resolved after ${Date.now() - joinedAt} ms (channels open after ${String(late.openMs)} ms)`);
    const returned = await until(async () => {
      const ev = await call(pages[0]!, 'rejoinEvents');
      return ev.find((e) => e.type === 'peer-returned' && e.player === 2) ?? null;
    }, 30_000, 'peer-returned of the newcomer on a founder').catch(async (e: unknown) => {
      for (const p of pages) console.log(JSON.stringify({ events: await call(p, 'rejoinEvents'), stats: await call(p, 'stats') }));
      throw e;
    });
    // The founder counts the return when it sends the transfer; the newcomer loads it a little later: wait for it.
    const loaded = await until(async () => {
      const ev = await call(pages[2]!, 'rejoinEvents');
      return ev.find((e) => e.type === 'transfer' && e.direction === 'loaded') ?? null;
    }, 30_000, 'the transfer loaded on the newcomer');
    expect(loaded.returnFrame).toBe(returned.frame);
    console.log(`newcomer joined: transfer of frame ${String(loaded.frame)} loaded ${Date.now() - joinedAt} ms after its join, its input counts from frame ${String(returned.frame)}`);

    const confirmed = await waitFrames(pages, frames);
    for (const c of confirmed) expect(c).toBeGreaterThanOrEqual(frames - 1);
    const all = await results(pages);
    for (const r of all) {
      expect(r.sessionId).toBe(all[0]!.sessionId);
      expect(r.inputLogHex).toBe(all[0]!.inputLogHex);
      expect(r.confirmedHash).toBe(all[0]!.confirmedHash);
      expect(r.desyncs).toBe(0);
    }
    const log = decodeInputLog(Uint8Array.from(Buffer.from(all[0]!.inputLogHex, 'hex')));
    if (!log.ok) throw new Error(log.error.message);
    expect(log.log.players).toBe(3);
    // The join in the log: seat 2 was absent (neutral input) from frame 0 to the agreed frame.
    expect(log.log.absences).toEqual([{ player: 2, from: 0, to: returned.frame }]);
    expect(Number(returned.frame)).toBeGreaterThan(240);
    // The newcomer's inputs count after the agreed frame: its log holds real (not only neutral) inputs of seat 2.
    const stride = log.log.players * log.log.inputSize;
    let lateInputs = 0;
    for (let f = Number(returned.frame); f < frames; f++) if (log.log.inputs[f * stride + 2 * log.log.inputSize] !== 0) lateInputs++;
    expect(lateInputs).toBeGreaterThan(100);

    const store = e2e.server.store!;
    const sessionId = all[0]!.sessionId;
    const participants = await until(async () => {
      const rows = await store.rows('participants', sessionId);
      return rows.length === 3 ? rows : null;
    }, 15_000, 'the newcomer recorded as a participant');
    expect(participants.map((p) => p['player_index'])).toEqual([0, 1, 2]);
    const session = await parityAfterFinalReports(store, sessionId, frames, 3);
    console.log(`parity ${session.parity_status} over ${session.parity_frames} frames`);
    expect(session.parity_status).toBe('fullySynced');
    await leaveAll(pages);
  }, 240_000);
});
