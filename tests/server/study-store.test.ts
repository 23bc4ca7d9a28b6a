/**
 * The research store's study columns: on a real SQLite file migration 2
 * upgrades a version-1 store in place (old rows kept); on a real Postgres the
 * migrations apply once, also when two nodes open the store together; and, on
 * both stores, each player's end reason comes from its own report, or from
 * the server when it left without one (a later report of its own replaces
 * that).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from '../../server/research/migrations.ts';
import { PG_MIGRATIONS } from '../../server/research/migrations-pg.ts';
import type { SqliteDb } from '../../server/research/sql.ts';
import { type ResearchStore, SqlResearchStore } from '../../server/research/store.ts';
import { STORE_KINDS, storesPerTest } from '../support/stores.ts';
import { type SessionReport } from '../../src/research/report.ts';
import { finalReport } from '../../harness/report.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'netroll-study-'));
  dirs.push(d);
  return d;
};

describe('migration 2 (study)', () => {
  it('upgrades a version-1 store in place: old rows stay, new columns are empty, new tables exist', async () => {
    const dir = tempDir();
    const path = join(dir, 'netroll.sqlite');
    const old = new Database(path);
    expect(migrate(old, MIGRATIONS.filter((m) => m.version === 1))).toEqual([1]);
    old.prepare('INSERT INTO sessions (id, created_at, seed, players, room) VALUES (?, ?, ?, ?, ?)').run('old-1', 1000, 7, 2, 'queue:q');
    old.prepare('INSERT INTO participants (session_id, player_index, client_id, name) VALUES (?, ?, ?, ?)').run('old-1', 0, 'c0', 'Ada');
    old.close();

    const store = await SqlResearchStore.openSqlite(dir);
    try {
      const versions = (store.sql as SqliteDb).raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
      expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await store.session('old-1')).toMatchObject({ id: 'old-1', seed: 7, room: 'queue:q' });
      expect((await store.rows('participants', 'old-1'))[0]).toMatchObject({ client_id: 'c0', name: 'Ada', participant_id: null, end_reason: null, episodes_completed: null });
      expect(await store.waitTimeouts()).toEqual([]);
      expect(await store.rttProbes()).toEqual([]);
    } finally {
      await store.close();
    }
    // opening again applies nothing
    const again = new Database(path);
    expect(migrate(again)).toEqual([]);
    again.close();
  });
});

/** A minimal valid final report of player `p` of a 2-player arena session. */
function report(store: ResearchStore, sessionId: string, p: number, extra: Partial<SessionReport>, seq = 0): SessionReport {
  return { ...finalReport({ sessionId, playerIndex: p, reportToken: store.reportToken(sessionId, p), seed: 5 }, { game: 'arena@1', frames: 3, seq }), ...extra };
}

describe('Postgres migrations', () => {
  const stores = storesPerTest('postgres');
  it('apply every version once; two nodes opening a new database together migrate it once; opening again applies nothing', async () => {
    const url = await (await stores.postgres()).createDatabase();
    const [a, b] = await Promise.all([SqlResearchStore.openPostgres(url), SqlResearchStore.openPostgres(url)]);
    try {
      const versions = await a.sql.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(versions.map((v) => v.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
      expect(PG_MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version)); // the same versions as SQLite
      // both nodes sign with the one stored secret
      expect(a.reportToken('s', 0)).toBe(b.reportToken('s', 0));
      expect(await a.storedSecret('resume-key')).toEqual(await b.storedSecret('resume-key'));
    } finally {
      await a.close();
      await b.close();
    }
    const again = await SqlResearchStore.openPostgres(url);
    try {
      expect(await again.sql.all('SELECT version FROM schema_migrations')).toHaveLength(PG_MIGRATIONS.length);
    } finally {
      await again.close();
    }
  });
});

describe.each(STORE_KINDS)('end reasons (%s)', (kind) => {
  const stores = storesPerTest(kind);
  it('stores each player’s own end reason and episodes completed; the server fills in for one that left without a word', async () => {
    const store = await stores.open();
    const now = Date.now();
    await store.recordSession({ id: 's1', createdAt: now, seed: 5, players: [{ index: 0, clientId: 'a', name: 'A' }, { index: 1, clientId: 'b', name: 'B' }] });
    // player 1 closed its page: its socket said leave; player 0's session ended because of it
    await store.memberLeft('s1', 1, 'left', now + 10);
    await store.applyReport(report(store, 's1', 0, { end: { reason: 'peer-left', peer: 1, frame: 3 }, episodesCompleted: 2 }), 100, now + 20);
    await store.memberLeft('s1', 0, 'disconnected', now + 30); // its own word stays
    const rows = await store.rows('participants', 's1');
    expect(rows[0]).toMatchObject({ end_reason: 'peer-left', end_source: 'report', end_frame: 3, episodes_completed: 2 });
    expect(rows[1]).toMatchObject({ end_reason: 'closed', end_source: 'server', end_frame: null });
    // a late report of player 1 replaces the server's fallback
    await store.applyReport(report(store, 's1', 1, { end: { reason: 'closed' }, episodesCompleted: 2 }), 100, now + 40);
    expect((await store.rows('participants', 's1'))[1]).toMatchObject({ end_reason: 'closed', end_source: 'report', episodes_completed: 2 });
    // a dropped connection without a report: server-lost
    await store.recordSession({ id: 's2', createdAt: now, seed: 5, players: [{ index: 0, clientId: 'c', name: 'C', participantId: 'P9' }, { index: 1, clientId: 'd', name: 'D' }] });
    await store.memberLeft('s2', 0, 'disconnected', now);
    expect((await store.rows('participants', 's2'))[0]).toMatchObject({ end_reason: 'server-lost', end_source: 'server' });
    expect(await store.participantCompleted('P9')).toBe(false);
    expect(store.knownCompleted('P9')).toBe(false);
    await store.applyReport(report(store, 's2', 0, { end: { reason: 'completed' } }), 100, now + 50);
    expect(await store.participantCompleted('P9')).toBe(true);
    expect(store.knownCompleted('P9')).toBe(true); // the join path sees it at once on the node that stored it
  });

  it('refuses a report whose end reason is not in the vocabulary (nothing stored)', async () => {
    const { reportSchema } = await import('../../src/research/report.ts');
    const store = await stores.open();
    await store.recordSession({ id: 's3', createdAt: Date.now(), seed: 5, players: [{ index: 0, clientId: 'a', name: 'A' }, { index: 1, clientId: 'b', name: 'B' }] });
    const bad = { ...report(store, 's3', 0, {}), end: { reason: 'bored' } };
    expect(reportSchema.safeParse(bad).success).toBe(false);
    const tooMany = { ...report(store, 's3', 0, {}), frameClock: Array.from({ length: 100_001 }, (_, i) => ({ frame: i, at: i })) };
    expect(reportSchema.safeParse(tooMany).success).toBe(false);
    expect((await store.rows('participants', 's3'))[0]).toMatchObject({ end_reason: null });
  });
});
