/**
 * What only Postgres has, against a real Postgres: two server nodes (two
 * stores on one database) receiving a session's last two reports at the same
 * moment compute its parity exactly once and never miss it; a database that
 * is down at start is a clear error; one that goes down later makes uploads
 * answer 503 (the uploader retries them) and the dashboard API 503, and once
 * it is back every upload is stored, nothing acknowledged lost.
 */
import { describe, expect, it } from 'vitest';
import { ReportUploader } from '../../main/uploader.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { openResearchStore, type ResearchStore, SqlResearchStore } from '../../server/research/store.ts';
import { encodeInputLog } from '../../src/engine/input-log.ts';
import { toBase64, type SessionReport } from '../../src/research/report.ts';
import { perTest } from '../support/per-test.ts';
import { storesPerTest } from '../support/stores.ts';

const stores = storesPerTest('postgres');
const servers = perTest(
  (url: string) => startServer({ port: 0, host: '127.0.0.1', dataDir: ':memory:', databaseUrl: url }),
  (s: RunningServer) => s.close(),
);
const nodes = perTest(
  (url: string) => SqlResearchStore.openPostgres(url, { poolSize: 4 }),
  (s: ResearchStore) => s.close(),
);

const PLAYERS = [{ index: 0, clientId: 'a', name: 'A' }, { index: 1, clientId: 'b', name: 'B' }];

/** A valid final report of player `p` of a 2-player session: both players' logs are the same 30 frames. */
function report(store: ResearchStore, sessionId: string, p: number): SessionReport {
  const inputs = new Uint8Array(60).map((_, i) => (i * 7) % 5);
  const log = encodeInputLog({ spec: 'arena@1', seed: 5, players: 2, inputSize: 1, frames: 30, inputs });
  return {
    uploadId: `${sessionId}:${p}:0`, kind: 'final', seq: 0, sessionId, playerIndex: p, reportToken: store.reportToken(sessionId, p),
    game: 'arena@1', seed: 5, players: 2, frames: 30, episodes: [], links: [], rollbacks: { count: 0, histogram: {}, totalMs: 0, maxDepth: 0 },
    stalls: 0, desyncs: [], hiddenPeriods: [], hashes: [{ frame: 15, hash: 99 }], confirmedHash: { frame: 30, hash: 1 }, inputLog: toBase64(log),
    counters: {}, createdAt: new Date().toISOString(),
  };
}

describe('parity across nodes (Postgres)', () => {
  it('the last two reports arriving together at two nodes: parity computed exactly once per session, never missed', async () => {
    const url = await (await stores.postgres()).createDatabase();
    const [a, b] = await Promise.all([nodes.start(url), nodes.start(url)]);
    const sessions = 30;
    const ids = Array.from({ length: sessions }, (_, i) => `race-${i}`);
    for (const id of ids) await a.recordSession({ id, createdAt: Date.now(), seed: 5, players: PLAYERS });
    // every session's two reports at once, one at each node, all sessions together
    const results = await Promise.all(
      ids.map((id) => Promise.all([a.applyReport(report(a, id, 0), 100, Date.now()), b.applyReport(report(b, id, 1), 100, Date.now())])),
    );
    for (const [i, pair] of results.entries()) {
      expect(pair.map((r) => r.stored), ids[i]).toEqual([true, true]);
      // exactly one of the two transactions saw both logs and computed parity
      expect(pair.filter((r) => r.parity !== null), ids[i]).toHaveLength(1);
      expect(pair.find((r) => r.parity !== null)!.parity!.status).toBe('fullySynced');
    }
    for (const id of ids) {
      const s = await b.session(id);
      expect(s, id).toMatchObject({ parity_status: 'fullySynced', parity_frames: 30 });
      expect(s!.parity_checked_at).toBeGreaterThan(0);
    }
    // the same upload retried at the other node is a duplicate, stored once
    const again = await b.applyReport(report(a, ids[0]!, 0), 100, Date.now());
    expect(again).toMatchObject({ stored: false, duplicate: true });
    expect(await a.uploadCount(ids[0]!)).toBe(2);
  });

  it('a completion stored through one node reaches the other node’s join check within the refresh interval', async () => {
    const url = await (await stores.postgres()).createDatabase();
    const [a, b] = await Promise.all([nodes.start(url), nodes.start(url)]);
    await a.recordSession({ id: 'c1', createdAt: Date.now(), seed: 5, players: [{ ...PLAYERS[0]!, participantId: 'P-done' }, PLAYERS[1]!] });
    expect(b.knownCompleted('P-done')).toBe(false);
    await a.applyReport({ ...report(a, 'c1', 0), end: { reason: 'completed' } }, 100, Date.now());
    expect(a.knownCompleted('P-done')).toBe(true);
    expect(await b.participantCompleted('P-done')).toBe(true);
    const started = Date.now();
    while (!b.knownCompleted('P-done') && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 100));
    expect(b.knownCompleted('P-done')).toBe(true);
  });
});

describe('Postgres outages', () => {
  it('down at start: opening the store (and starting the server) fails with a clear error', async () => {
    const pg = await stores.postgres();
    const url = await pg.createDatabase();
    const dead = url.replace(`:${pg.port}/`, ':1/'); // nothing listens on port 1
    await expect(openResearchStore({ dataDir: ':memory:', databaseUrl: dead, pg: { connectTimeoutMs: 2000 } })).rejects.toThrow(/cannot reach the research database at postgres:\/\/postgres@127\.0\.0\.1:1\//);
    await expect(startServer({ port: 0, host: '127.0.0.1', databaseUrl: dead })).rejects.toThrow(/cannot reach the research database/);
  });

  it('down later: uploads answer 503 and are retried, the API answers 503; back up, every upload is stored once', async () => {
    const pg = await stores.postgres();
    const server = await servers.start(await pg.createDatabase());
    const store = server.store!;
    await store.recordSession({ id: 'out-1', createdAt: Date.now(), seed: 5, players: PLAYERS });
    const auth = { headers: { authorization: `Bearer ${server.adminToken}` } };
    await pg.down();
    try {
      const direct = await fetch(`${server.url}/ingest/report`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${store.reportToken('out-1', 0)}`, 'x-netroll-session': 'out-1', 'x-netroll-player': '0' },
        body: JSON.stringify(report(store, 'out-1', 0)),
      });
      expect(direct.status).toBe(503);
      expect(direct.headers.get('retry-after')).toBe('2');
      const refused = (await direct.json()) as { ok: boolean; error: { code: string; message: string } };
      expect(refused).toMatchObject({ ok: false, error: { code: 'internal' } });
      expect(refused.error.message).toMatch(/unavailable/);
      const api = await fetch(`${server.url}/api/sessions/out-1`, auth);
      expect(api.status).toBe(503);
      expect(await api.json()).toMatchObject({ error: { code: 'internal' } });
      // the page's uploader keeps retrying while the database is down
      const uploader = new ReportUploader({ server: server.url, baseDelayMs: 100, maxDelayMs: 400 });
      uploader.enqueue(report(store, 'out-1', 0));
      uploader.enqueue(report(store, 'out-1', 1));
      const started = Date.now();
      while (uploader.state.attempts < 3 && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 50));
      expect(uploader.state.attempts).toBeGreaterThanOrEqual(3);
      expect(uploader.state.acked).toBe(0);
      expect(uploader.state.lastError).toMatch(/internal|503/);
      await pg.up();
      expect(await uploader.flush(30_000)).toBe(true);
      uploader.stop();
      expect(uploader.state.acked).toBe(2);
    } finally {
      await pg.up();
    }
    expect(await store.uploadCount('out-1')).toBe(2);
    expect(await store.session('out-1')).toMatchObject({ parity_status: 'fullySynced' });
    expect((await fetch(`${server.url}/api/sessions/out-1`, auth)).status).toBe(200);
  });
});
