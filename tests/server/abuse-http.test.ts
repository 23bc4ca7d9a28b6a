/**
 * Hostile HTTP clients against a real server and a real SQLite store:
 * uploads refused from their headers before the body is read, input logs
 * checked against the session, exports that survive a bad stored log, CSV
 * formula cells, secrets kept out of logs, admin headers and asset lookups,
 * symlinks out of the static root, durable writes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from '../../server/app.ts';
import { csvCell, FRAME_CHUNK_ROWS, frameChunks } from '../../server/research/export.ts';
import { statfsFreeBytes } from '../../server/research/disk-guard.ts';
import type { SqliteDb } from '../../server/research/sql.ts';
import { type SessionReport } from '../../src/research/report.ts';
import { finalReport, type ReportOptions } from '../../harness/report.ts';
import type { Assignment } from '../../src/signaling/events.ts';
import { WAIT_MS, harnessPerTest, joinAll, withTimeout } from './helpers.ts';

const tmpDirs: string[] = [];
const extra: RunningServer[] = [];
afterEach(async () => {
  for (const s of extra.splice(0)) await s.close();
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
// Registered last, so closed first (vitest runs after-hooks newest first).
const h = harnessPerTest();

const TOKEN = 'admin-token-0123456789abc';
const admin = { headers: { authorization: `Bearer ${TOKEN}` } };

async function formSession(queue = 'research'): Promise<Assignment[]> {
  return joinAll(await h.connectMany(2), { queue, players: 2 });
}

/** A report for seat `a` with an input log of `frames` frames (overridable parts for attacks). */
function reportFor(a: Assignment, o: ReportOptions = {}): SessionReport {
  return finalReport(a, { frames: 120, input: (i) => (i * 7) & 31, ...o });
}

const headersFor = (r: { reportToken: string; sessionId: string; playerIndex: number }): Record<string, string> => ({
  'content-type': 'application/json',
  authorization: `Bearer ${r.reportToken}`,
  'x-netroll-session': r.sessionId,
  'x-netroll-player': String(r.playerIndex),
});

async function post(server: RunningServer, r: SessionReport): Promise<{ status: number; body: { ok: boolean; error?: { code: string; message: string } } }> {
  const res = await fetch(`${server.url}/ingest/report`, { method: 'POST', headers: headersFor(r), body: JSON.stringify(r) });
  return { status: res.status, body: (await res.json()) as { ok: boolean; error?: { code: string; message: string } } };
}

/**
 * Sends a POST declaring `declared` body bytes and writes up to `send` bytes
 * of filler in 64 KiB chunks until the server answers; resolves with the answer.
 */
function bigPost(server: RunningServer, headers: Record<string, string>, send: number, declared: number | undefined = send): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path: '/ingest/report', method: 'POST', agent: false, headers: { ...headers, ...(declared !== undefined ? { 'content-length': String(declared) } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', () => undefined); // the server may close the connection mid-body: that is the point
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < send && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!req.destroyed) req.end();
      };
      pump();
    }),
    10_000,
    'upload answer',
  );
}

describe('uploads: who and how much is checked before the body is read', () => {
  it('refuses uploads without credentials, or for unknown sessions, reading none of a 40 MB body', async () => {
    const server = await h.start();
    const [a] = await formSession();
    const noAuth = await bigPost(server, { 'content-type': 'application/json' }, 40 * 1024 * 1024);
    expect(noAuth.status).toBe(401);
    expect(JSON.parse(noAuth.body)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const unknown = await bigPost(server, headersFor({ reportToken: 'x'.repeat(43), sessionId: 'no-such-session', playerIndex: 0 }), 40 * 1024 * 1024);
    expect(unknown.status).toBe(404);
    const wrongToken = await bigPost(server, headersFor({ reportToken: 'x'.repeat(43), sessionId: a!.sessionId, playerIndex: 0 }), 40 * 1024 * 1024);
    expect(wrongToken.status).toBe(401);
    expect(server.stats().uploads).toMatchObject({ bodyBytesRead: 0, refusedBeforeBody: 3, inFlight: 0 });
    // At the socket level too, at most one read (64 KiB, headers included) per refused upload of 40 MB.
    expect(server.stats().uploads.socketBytesRefused).toBeLessThanOrEqual(3 * 64 * 1024);
  });

  it('with a valid token: a declared body over the session-age limit is refused unread; an undeclared one is cut at the limit', async () => {
    const server = await h.start();
    const [a] = await formSession();
    const tooBig = await bigPost(server, headersFor(reportFor(a!)), 40 * 1024 * 1024);
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.body)).toMatchObject({ ok: false, error: { code: 'too-large' } });
    expect(server.stats().uploads.bodyBytesRead).toBe(0);
    const limit = server.store!.maxReportBytes(await server.store!.authorizeUpload(a!.sessionId, a!.playerIndex, a!.reportToken!), Date.now());
    expect(limit).toBeLessThan(8 * 1024 * 1024); // a fresh session cannot send an hour of data
    const chunked = await bigPost(server, headersFor(reportFor(a!)), 40 * 1024 * 1024, undefined);
    expect(chunked.status).toBe(413);
    expect(server.stats().uploads.bodyBytesRead).toBeLessThanOrEqual(limit + 2 * 64 * 1024);
    expect(await server.store!.uploadCount(a!.sessionId)).toBe(0);
  });

  it('limits uploads in flight per IP (429 with Retry-After; the uploader retries those)', async () => {
    const server = await h.start({ limits: { uploadsPerIp: 1 } });
    const [a, b] = await formSession();
    // A slow upload that holds its slot: headers and a little of the body, then silence.
    const slow = request({ host: '127.0.0.1', port: server.port, path: '/ingest/report', method: 'POST', agent: false, headers: { ...headersFor(reportFor(a!)), 'content-length': '100000' } });
    slow.on('error', () => undefined);
    slow.write('{"partial":');
    await withTimeout((async () => { while (server.stats().uploads.inFlight === 0) await new Promise((r) => setTimeout(r, 10)); })(), WAIT_MS, 'slow upload in flight');
    const second = await post(server, reportFor(b!));
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ ok: false, error: { code: 'rate-limited' } });
    slow.destroy();
    await withTimeout((async () => { while (server.stats().uploads.inFlight !== 0) await new Promise((r) => setTimeout(r, 10)); })(), WAIT_MS, 'slot freed');
    expect((await post(server, reportFor(b!))).status).toBe(200);
  });
});

describe('uploads: the store keeps its disk from filling', () => {
  const onDisk = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'netroll-disk-'));
    tmpDirs.push(dir);
    return dir;
  };

  it('an upload that could take the disk under the floor is refused unread with 507 storage-full; nothing stored; then space frees and it is stored', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const dataDir = onDisk();
    // A floor above the free space this machine has: every upload would go under it.
    const server = await h.start({ dataDir, limits: { minFreeDiskBytes: statfsFreeBytes(dataDir) + 2 ** 40 } });
    const [a, b] = await formSession();
    const refused = await bigPost(server, headersFor(reportFor(a!)), 2 * 1024 * 1024);
    expect(refused.status).toBe(507);
    expect(refused.headers['retry-after']).toBe('60');
    expect(JSON.parse(refused.body)).toMatchObject({ ok: false, error: { code: 'storage-full' } });
    const small = await post(server, reportFor(b!));
    expect(small).toMatchObject({ status: 507, body: { ok: false, error: { code: 'storage-full' } } });
    expect(server.stats().uploads).toMatchObject({ bodyBytesRead: 0, refusedBeforeBody: 2, refusedStorageFull: 2, inFlight: 0 });
    expect(await server.store!.uploadCount(a!.sessionId)).toBe(0);
    vi.restoreAllMocks();
  });

  it('an in-memory store has no floor: even one above any disk stores the upload', async () => {
    const server = await h.start({ limits: { minFreeDiskBytes: Number.MAX_SAFE_INTEGER } });
    const [a] = await formSession();
    expect(await post(server, reportFor(a!))).toMatchObject({ status: 200, body: { ok: true } });
    expect(await server.store!.uploadCount(a!.sessionId)).toBe(1);
  });

  it('with room to spare (the default floor of 256 MiB, or a small one) uploads are stored', async () => {
    const dataDir = onDisk();
    const free = statfsFreeBytes(dataDir);
    const server = await h.start({ dataDir, ...(free < 1024 * 1024 * 1024 ? { limits: { minFreeDiskBytes: 1 } } : {}) });
    const [a] = await formSession();
    expect(await post(server, reportFor(a!))).toMatchObject({ status: 200, body: { ok: true } });
    expect(server.stats().uploads.refusedStorageFull).toBe(0);
    expect(await server.store!.uploadCount(a!.sessionId)).toBe(1);
  });

  it('the floor is checked as a limit: a negative or fractional one is refused at start', async () => {
    await expect(h.start({ limits: { minFreeDiskBytes: -1 } })).rejects.toThrow(/limits\.minFreeDiskBytes: must be an integer >= 0/);
    await expect(h.start({ limits: { minFreeDiskBytes: 0.5 } })).rejects.toThrow(/limits\.minFreeDiskBytes/);
  });
});

describe('uploads: the input log must fit the session', () => {
  it('refuses logs that are not logs, or of another game, seed, player count or length; stores nothing', async () => {
    const server = await h.start();
    const [a] = await formSession();
    const cases: [string, SessionReport, string][] = [
      ['valid base64, not a log', reportFor(a!, { inputLog: Buffer.from('definitely not an input log').toString('base64') }), 'not a netroll input log'],
      ['log of another game than the report says', reportFor(a!, { game: 'arena', logGame: 'swarm' }), 'game'],
      ['report seed is not the session seed', reportFor(a!, { seed: (a!.seed + 1) >>> 0 }), 'seed'],
      ['log seed is not the session seed', reportFor(a!, { logSeed: (a!.seed + 1) >>> 0 }), 'seed'],
      ['log of 3 players in a 2-player session', reportFor(a!, { logPlayers: 3 }), 'players'],
      ['more frames than a session this young can have', reportFor(a!, { frames: 40_000 }), 'more than a session this old'],
    ];
    for (const [what, r, message] of cases) {
      const res = await post(server, r);
      expect(res.status, what).toBe(400);
      expect(res.body.error?.code, what).toBe('bad-report');
      expect(res.body.error?.message, what).toContain(message);
    }
    expect(await server.store!.uploadCount(a!.sessionId)).toBe(0);
    expect((await server.store!.session(a!.sessionId))!.game).toBeNull();
  });

  it('the first stored report fixes the game: a later one of another game is a conflict and changes nothing', async () => {
    const server = await h.start();
    const [a, b] = await formSession();
    expect((await post(server, reportFor(a!, { game: 'arena' }))).status).toBe(200);
    const other = await post(server, reportFor(b!, { game: '=HYPERLINK("https://evil.example","x")' }));
    expect(other.status).toBe(409);
    expect(other.body.error?.code).toBe('conflict');
    expect((await server.store!.session(a!.sessionId))!.game).toBe('arena');
  });
});

describe('exports', () => {
  /** Stores a log that does not decode, as an older server version could have. */
  async function storeBadLog(server: RunningServer, a: Assignment): Promise<void> {
    await server.store!.sql.run('INSERT INTO input_logs (session_id, player_index, frames, log, hashes) VALUES (?, ?, ?, ?, ?)', [
      a.sessionId,
      a.playerIndex,
      10,
      Buffer.from('garbage that is not a log'),
      '[]',
    ]);
  }

  // In memory the export runs on the server's thread; with a file, in an export worker thread.
  it.each(['memory', 'file'] as const)('skip and report a session whose stored log is bad; the others export normally (%s store)', async (where) => {
    const dataDir = where === 'file' ? mkdtempSync(join(tmpdir(), 'netroll-export-')) : undefined;
    if (dataDir) tmpDirs.push(dataDir);
    const server = await h.start({ adminToken: TOKEN, ...(dataDir ? { dataDir } : {}) });
    const [good] = await formSession('good');
    const [bad] = await formSession('bad');
    expect((await post(server, reportFor(good!, { frames: 50 }))).status).toBe(200);
    await storeBadLog(server, bad!);
    const json = await fetch(`${server.url}/api/export?format=json`, admin);
    expect(json.status).toBe(200);
    const doc = (await json.json()) as { sessions: { session_id: string }[]; frames: { session_id: string }[]; skipped: { session_id: string; error: string }[] };
    expect(doc.sessions.map((s) => s.session_id).sort()).toEqual([good!.sessionId, bad!.sessionId].sort());
    expect(doc.frames).toHaveLength(50);
    expect(doc.frames.every((f) => f.session_id === good!.sessionId)).toBe(true);
    expect(doc.skipped).toEqual([{ session_id: bad!.sessionId, error: expect.stringContaining('not a netroll input log') as string }]);
    const badFrames = await fetch(`${server.url}/api/export?format=csv&kind=frames&session=${bad!.sessionId}`, admin);
    expect(badFrames.status).toBe(422);
    expect(await badFrames.json()).toMatchObject({ error: { code: 'bad-input-log' } });
    const goodFrames = await fetch(`${server.url}/api/export?format=csv&kind=frames&session=${good!.sessionId}`, admin);
    expect((await goodFrames.text()).trim().split('\n')).toHaveLength(51);
  });

  it('the CLI writes everything it can, names the skipped session and exits 1', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'netroll-abuse-'));
    tmpDirs.push(dataDir);
    const server = await h.start({ dataDir });
    const [good] = await formSession('good');
    const [bad] = await formSession('bad');
    expect((await post(server, reportFor(good!, { frames: 30 }))).status).toBe(200);
    await storeBadLog(server, bad!);
    await h.close();
    const out = join(dataDir, 'export');
    for (const format of ['csv', 'json']) {
      const cli = spawnSync(process.execPath, ['server/bin/netroll.mjs', 'export', '--format', format, '--out', out, '--data-dir', dataDir], { encoding: 'utf8', timeout: 60_000 });
      expect(cli.status, cli.stderr).toBe(1);
      expect(cli.stderr).toContain(`skipped the frames of session ${bad!.sessionId}`);
    }
    expect(readFileSync(join(out, 'frames.csv'), 'utf8').trim().split('\n')).toHaveLength(31);
    expect(readFileSync(join(out, 'sessions.csv'), 'utf8').trim().split('\n')).toHaveLength(3);
    const doc = JSON.parse(readFileSync(join(out, 'netroll-export.json'), 'utf8')) as { frames: unknown[]; skipped: unknown[] };
    expect(doc.frames).toHaveLength(30);
    expect(doc.skipped).toHaveLength(1);
  }, 60_000);

  it('escape formula cells: a game name like =HYPERLINK(...) is exported as text', async () => {
    const server = await h.start({ adminToken: TOKEN });
    const [a] = await formSession();
    const evil = '=HYPERLINK("https://evil.example","click")';
    expect((await post(server, reportFor(a!, { game: evil }))).status).toBe(200);
    const csv = await (await fetch(`${server.url}/api/export?format=csv&kind=sessions`, admin)).text();
    const cells = csv.split('\n')[1]!;
    expect(cells).toContain(`"'=HYPERLINK(""https://evil.example"",""click"")"`);
    // No cell of the export starts with a formula character.
    for (const line of csv.trim().split('\n')) for (const cell of line.split(',')) expect(cell).not.toMatch(/^"?[=+@]/);
    expect(csvCell('+1+1')).toBe("'+1+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell(-2)).toBe('-2'); // numbers are data
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('plain')).toBe('plain');
  });

  it('frames come in bounded chunks, so a long session never builds one huge array', async () => {
    const server = await h.start();
    const [a] = await formSession();
    expect((await post(server, reportFor(a!, { frames: 5000 }))).status).toBe(200);
    const chunks = [...(await frameChunks(server.store!, a!.sessionId))];
    const full = Math.floor(5000 / FRAME_CHUNK_ROWS);
    const expected = [...Array<number>(full).fill(FRAME_CHUNK_ROWS), ...(5000 % FRAME_CHUNK_ROWS ? [5000 % FRAME_CHUNK_ROWS] : [])];
    expect(chunks.map((c) => c.length)).toEqual(expected);
    expect(chunks.flat().map((r) => r.frame)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });
});

describe('secrets stay out of logs, admin housekeeping, durability', () => {
  it('a failing request logs its path but never its query string', async () => {
    const server = await h.start();
    server.addRoute('GET', '/boom', () => {
      throw new Error('deliberate failure');
    });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const res = await fetch(`${server.url}/boom?token=SECRET-IN-QUERY&x=1`);
      expect(res.status).toBe(500);
      expect(errors).toHaveBeenCalled();
      const logged = errors.mock.calls.flat().map(String).join(' ');
      expect(logged).toContain('/boom');
      expect(logged).not.toContain('SECRET-IN-QUERY');
    } finally {
      errors.mockRestore();
    }
  });

  it('admin pages and API carry CSP, X-Frame-Options and Referrer-Policy; asset names are not object keys', async () => {
    const server = await h.start({ adminToken: TOKEN });
    for (const path of ['/admin', '/api/live', '/api/sessions', '/admin/assets/app.js']) {
      const res = await fetch(`${server.url}${path}`, admin);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
    const unauth = await fetch(`${server.url}/api/live`);
    expect(unauth.headers.get('x-frame-options')).toBe('DENY');
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect((await fetch(`${server.url}/admin/assets/${name}`)).status, name).toBe(404);
    }
    expect(server.adminUrl).toMatch(/\/admin#token=/);
    expect(server.adminUrl).not.toContain('?token=');
  });

  it('static files do not follow symbolic links out of their root', async () => {
    const base = mkdtempSync(join(tmpdir(), 'netroll-static-'));
    tmpDirs.push(base);
    const root = join(base, 'root');
    mkdirSync(root);
    writeFileSync(join(base, 'secret.txt'), 'outside the root');
    writeFileSync(join(root, 'inside.txt'), 'inside the root');
    symlinkSync(join(base, 'secret.txt'), join(root, 'leak.txt'));
    symlinkSync(base, join(root, 'up'));
    symlinkSync(join(root, 'inside.txt'), join(root, 'alias.txt'));
    const server = await h.start({ staticDir: root });
    expect((await fetch(`${server.url}/leak.txt`)).status).toBe(404);
    expect((await fetch(`${server.url}/up/secret.txt`)).status).toBe(404);
    const alias = await fetch(`${server.url}/alias.txt`);
    expect(alias.status).toBe(200);
    expect(await alias.text()).toBe('inside the root');
  });

  it('the store writes with synchronous=FULL (an acknowledged report survives a power cut)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'netroll-sync-'));
    tmpDirs.push(dataDir);
    const server = await startServer({ port: 0, host: '127.0.0.1', dataDir });
    extra.push(server);
    const db = (server.store!.sql as SqliteDb).raw;
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // 2 = FULL
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });
});
