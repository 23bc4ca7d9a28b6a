/**
 * Exports from a file store or Postgres run in a worker thread
 * (server/research/export-job.ts), the same tests on both stores:
 * the text is the same as the in-thread export's, at most MAX_EXPORT_WORKERS
 * run at once (more get 429), and a client that goes away ends its worker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.ts';
import { exportsRunning, MAX_EXPORT_WORKERS } from '../../server/research/export-job.ts';
import { framesCsvChunks, type SkippedSession } from '../../server/research/export.ts';
import { gameFromSpec } from '../../src/games/index.ts';
import { finalReport } from '../../harness/report.ts';
import { STORE_KINDS, type StoreFixture, storesPerTest } from '../support/stores.ts';
import { type Harness, harnessPerTest, until } from './helpers.ts';

const tmpDirs: string[] = [];
afterEach(() => {
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const TOKEN = 'admin-token-0123456789abc';
const admin = { authorization: `Bearer ${TOKEN}` };

/** A finished 2-player arena session of `frames` frames stored straight into the server's store. */
async function storeSession(server: RunningServer, id: string, frames: number): Promise<void> {
  const store = server.store!;
  const seed = 777;
  await store.recordSession({ id, createdAt: Date.now() - Math.ceil(frames / 60) * 1000 - 60_000, seed, room: 'queue:export', players: [{ index: 0, clientId: 'a', name: 'A' }, { index: 1, clientId: 'b', name: 'B' }] });
  const report = finalReport({ sessionId: id, playerIndex: 0, reportToken: store.reportToken(id, 0), seed }, { frames, input: (i) => (i * 2654435761) >>> 27 });
  expect((await store.applyReport(report, 0, Date.now())).stored).toBe(true);
}

/** A server whose store another thread can read: a SQLite file, or Postgres. */
async function fileServer(h: Harness, stores: StoreFixture): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'netroll-export-job-'));
  tmpDirs.push(dataDir);
  return h.start({ adminToken: TOKEN, ...(await stores.location(dataDir)) });
}

/** A GET whose body is not read: the response stays open with its export held by backpressure. */
function holdOpen(url: string): Promise<{ status: number; destroy: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: admin }, (res) => {
      res.pause();
      resolve({ status: res.statusCode ?? 0, destroy: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(STORE_KINDS)('exports in a worker thread (%s)', (kind) => {
  const stores = storesPerTest(kind);
  const h = harnessPerTest();
  it('write the same frames CSV as the in-thread export, outcome columns included', async () => {
    const server = await fileServer(h, stores);
    await storeSession(server, 'same-text', 2500);
    const res = await fetch(`${server.url}/api/export?format=csv&kind=frames&session=same-text`, { headers: admin });
    expect(res.status).toBe(200);
    const text = await res.text();
    const skipped: SkippedSession[] = [];
    let expected = '';
    for await (const chunk of framesCsvChunks(server.store!, 'same-text', skipped, gameFromSpec)) expected += chunk;
    expect(skipped).toEqual([]);
    expect(text.split('\n')[0]).toContain('score_0');
    expect(text.trim().split('\n')).toHaveLength(2501);
    expect(text).toBe(expected);
  });

  it(`run at most ${MAX_EXPORT_WORKERS} at once: more get 429, and a client that goes away frees its worker`, async () => {
    const server = await fileServer(h, stores);
    await storeSession(server, 'big', 60 * 60 * 60); // 1 hour: tens of MB of JSON, far more than the sockets buffer
    const url = `${server.url}/api/export?format=json&session=big`;
    const held = [];
    for (let i = 0; i < MAX_EXPORT_WORKERS; i++) held.push(await holdOpen(url));
    expect(held.map((r) => r.status)).toEqual(held.map(() => 200));
    expect(exportsRunning()).toBe(MAX_EXPORT_WORKERS);
    const refused = await fetch(url, { headers: admin });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: { code: 'rate-limited' } });
    for (const r of held) r.destroy();
    await until(() => exportsRunning() === 0, 'the held exports to end');
    // A slot is free again: the next export starts (its start is read, then it is dropped).
    const controller = new AbortController();
    const again = await fetch(url, { headers: admin, signal: controller.signal });
    expect(again.status).toBe(200);
    const first = await again.body!.getReader().read();
    expect(new TextDecoder().decode(first.value as Uint8Array | undefined).startsWith('{"sessions":[')).toBe(true);
    controller.abort();
    await until(() => exportsRunning() === 0, 'the dropped export to end');
  }, 180_000); // an hour of frames stored: a minute on a loaded 2-core machine
});
