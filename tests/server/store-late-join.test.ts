/**
 * Late join in the research store, on SQLite and on a real Postgres (the
 * same tests on each, tests/support/stores.ts): a session with free seats
 * records every seat as its player count but only its founders as
 * participants; a late joiner becomes a participant once it confirmed
 * (`memberJoined`), and only then may it upload; parity waits for every
 * participant's log, not for free seats nobody took.
 */
import { describe, expect, it } from 'vitest';
import { createArena } from '../../src/games/arena.ts';
import { toBase64, type SessionReport } from '../../src/research/report.ts';
import { Prng } from '../../src/util/prng.ts';
import type { ResearchStore } from '../../server/research/store.ts';
import { mesh } from '../engine/harness.ts';
import { STORE_KINDS, storesPerTest } from '../support/stores.ts';

const SEED = 99;
const SEATS = 3;
const FRAMES = 300;

/** A real 3-seat session played in process: every seat's final report (tokens from `store`). */
function reports(store: ResearchStore, sessionId: string): SessionReport[] {
  const m = mesh(createArena({ episodeFrames: 120 }), SEATS, { seed: SEED, endFrame: FRAMES, hashInterval: 30 });
  const hashes: { frame: number; hash: number }[][] = m.engines.map(() => []);
  m.engines.forEach((e, i) => e.on('hash', (x) => hashes[i]!.push(x)));
  const rng = new Prng(5);
  m.run(FRAMES + 120, () => Uint8Array.of(rng.nextInt(32)));
  return m.engines.map((e, p) => {
    const s = e.stats();
    return {
      uploadId: `${sessionId}:${p}:0`,
      kind: 'final',
      seq: 0,
      sessionId,
      playerIndex: p,
      reportToken: store.reportToken(sessionId, p),
      game: e.game.spec,
      seed: SEED,
      players: SEATS,
      frames: e.confirmedFrame + 1,
      episodes: [],
      links: [],
      rollbacks: { count: s.rollbacks, histogram: {}, totalMs: 0, maxDepth: s.maxRollback },
      stalls: s.stalls,
      desyncs: [],
      hiddenPeriods: [],
      hashes: hashes[p]!,
      confirmedHash: e.confirmedStateHash(),
      inputLog: toBase64(e.exportInputLog()),
      counters: {},
      createdAt: new Date().toISOString(),
    } satisfies SessionReport;
  });
}

const founders = [
  { index: 0, clientId: 'c0', name: 'A' },
  { index: 1, clientId: 'c1', name: 'B' },
];

describe.each(STORE_KINDS)('research store (%s), late join', (kind) => {
  const stores = storesPerTest(kind);

  it('records free seats in the player count, a late joiner only once it confirmed; it uploads only then; parity waits for it', async () => {
    const store = await stores.open();
    await store.recordSession({ id: 'lj-1', createdAt: Date.now(), seed: SEED, players: founders, seats: SEATS });
    expect((await store.session('lj-1'))?.players).toBe(SEATS);
    expect(await store.rows('participants', 'lj-1')).toHaveLength(2);
    // A free seat's token is refused until its joiner is recorded.
    const refused = store.authorizeUpload('lj-1', 2, store.reportToken('lj-1', 2));
    await expect(refused).rejects.toMatchObject({ code: 'not-found' });
    await expect(refused).rejects.toThrow(/no participant 2/);

    // Nothing recorded for an unknown session or a seat outside the session.
    await store.memberJoined('no-such-session', { index: 2, clientId: 'x', name: 'X' });
    await store.memberJoined('lj-1', { index: SEATS, clientId: 'x', name: 'X' });
    expect(await store.rows('participants', 'no-such-session')).toHaveLength(0);
    expect(await store.rows('participants', 'lj-1')).toHaveLength(2);

    await store.memberJoined('lj-1', { index: 2, clientId: 'c2', name: 'C', participantId: 'p-late', metadata: { condition: 'B' } });
    await store.memberJoined('lj-1', { index: 2, clientId: 'other', name: 'Other' }); // a repeat changes nothing
    const rows = await store.rows('participants', 'lj-1');
    expect(rows.map((r) => r['player_index'])).toEqual([0, 1, 2]);
    expect(rows[2]).toMatchObject({ client_id: 'c2', name: 'C', participant_id: 'p-late', metadata: JSON.stringify({ condition: 'B' }) });
    expect(await store.authorizeUpload('lj-1', 2, store.reportToken('lj-1', 2))).toMatchObject({ players: SEATS });

    const [r0, r1, r2] = reports(store, 'lj-1');
    expect((await store.applyReport(r0!, 1000, Date.now())).parity).toBeNull();
    // Two of three participants: parity still waits for the late joiner's log.
    expect((await store.applyReport(r1!, 1000, Date.now())).parity).toBeNull();
    expect((await store.session('lj-1'))?.parity_status).toBeNull();
    const last = await store.applyReport(r2!, 1000, Date.now());
    expect(last.stored).toBe(true);
    expect(last.parity?.status).toBe('fullySynced');
    expect((await store.session('lj-1'))?.parity_frames).toBe(FRAMES);
  });

  it('a free seat nobody took: parity is checked once every founder reported, and the seat cannot upload', async () => {
    const store = await stores.open();
    await store.recordSession({ id: 'lj-2', createdAt: Date.now(), seed: SEED, players: founders, seats: SEATS });
    const [r0, r1, r2] = reports(store, 'lj-2');
    expect((await store.applyReport(r0!, 1000, Date.now())).parity).toBeNull();
    const second = await store.applyReport(r1!, 1000, Date.now());
    expect(second.parity?.status).toBe('fullySynced');
    await expect(store.applyReport(r2!, 1000, Date.now())).rejects.toMatchObject({ code: 'not-found' });
    expect(await store.uploadCount('lj-2')).toBe(2);
  });
});
