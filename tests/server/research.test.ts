/**
 * Research data against a real server and a real store, SQLite and Postgres
 * (the same tests on each, tests/support/stores.ts): uploads are
 * acknowledged and idempotent, parity is checked when every peer reported,
 * replay reproduces the reported hash, exports load cleanly, uploads survive
 * a server restart mid-upload, and the admin API refuses the unauthenticated.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from '../../server/app.ts';
import { statfsFreeBytes } from '../../server/research/disk-guard.ts';
import { createArena } from '../../src/games/arena.ts';
import { decodeInputLog, encodeInputLog } from '../../src/engine/input-log.ts';
import { fromBase64, toBase64, type SessionReport } from '../../src/research/report.ts';
import type { Assignment } from '../../src/signaling/events.ts';
import { Prng } from '../../src/util/prng.ts';
import { ReportUploader } from '../../main/uploader.ts';
import { LogRanges } from '../../main/research-format.ts';
import { mesh } from '../engine/harness.ts';
import { STORE_KINDS, storesPerTest } from '../support/stores.ts';
import { harnessPerTest, type Harness } from './helpers.ts';

const tmpDirs: string[] = [];
const extraServers: RunningServer[] = [];
afterEach(async () => {
  for (const s of extraServers.splice(0)) await s.close();
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
/** Two clients join a queue; returns both assignments. */
async function formSessionOf(h: Harness): Promise<Assignment[]> {
  const [a, b] = await h.connectMany(2);
  await a!.join({ queue: 'research', players: 2 });
  await b!.join({ queue: 'research', players: 2 });
  return Promise.all([a!.inbox.nextPayload<Assignment>('assigned'), b!.inbox.nextPayload<Assignment>('assigned')]);
}

/** Play a real 2-engine session in process and build each peer's report. */
function playAndReport(assignments: Assignment[], frames: number, tamper?: (p: number, log: Uint8Array) => void): SessionReport[] {
  const seed = assignments[0]!.seed;
  const m = mesh(createArena({ episodeFrames: 120 }), 2, { seed, endFrame: frames, hashInterval: 30 }, { latencyMs: 30, jitterMs: 10, loss: 0.05, dup: 0, reorder: 0 });
  const hashes: { frame: number; hash: number }[][] = [[], []];
  const episodes: { episode: number; startFrame: number; endFrame: number; seed: number }[][] = [[], []];
  m.engines.forEach((e, i) => {
    e.on('hash', (x) => hashes[i]!.push(x));
    e.on('episode', (x) => episodes[i]!.push({ episode: x.episode, startFrame: x.startFrame, endFrame: x.endFrame, seed: 0 }));
  });
  const rng = new Prng(4);
  m.run(frames + 120, () => Uint8Array.of(rng.nextInt(32)));
  return m.engines.map((e, p) => {
    const log = e.exportInputLog();
    tamper?.(p, log);
    const a = assignments[p]!;
    const s = e.stats();
    return {
      uploadId: `${a.sessionId}:${p}:0`,
      kind: 'final',
      seq: 0,
      sessionId: a.sessionId,
      playerIndex: p,
      reportToken: a.reportToken!,
      game: e.game.spec,
      seed,
      players: 2,
      frames: e.confirmedFrame + 1,
      episodes: episodes[p]!,
      links: [
        {
          peer: 1 - p,
          connectionType: 'host',
          connectionHistory: [{ at: 5, type: 'host', localType: 'host', remoteType: 'host' }],
          rttMs: 61,
          rttSamples: [60, 62],
          loss: 0.05,
          inputsViaP2P: 500,
          inputsViaRelay: 3,
          relayFailovers: 1,
          relayRecoveries: 1,
          iceRestarts: 0,
        },
      ],
      rollbacks: { count: s.rollbacks, histogram: { '2': s.rollbacks }, totalMs: 1.5, maxDepth: s.maxRollback },
      stalls: s.stalls,
      desyncs: [],
      hiddenPeriods: [{ start: 100, end: 900 }],
      hashes: hashes[p]!,
      confirmedHash: e.confirmedStateHash(),
      inputLog: toBase64(log),
      counters: { frame: s.frame },
      createdAt: new Date().toISOString(),
    } satisfies SessionReport;
  });
}

/** Upload headers of a report: who uploads, checked before the body is read. */
function uploadHeaders(r: { reportToken?: unknown; sessionId?: unknown; playerIndex?: unknown }): Record<string, string> {
  return {
    'content-type': 'application/json',
    authorization: `Bearer ${String(r.reportToken)}`,
    'x-netroll-session': String(r.sessionId),
    'x-netroll-player': String(r.playerIndex),
  };
}

async function post(server: RunningServer, report: SessionReport | Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/ingest/report`, { method: 'POST', headers: uploadHeaders(report), body: JSON.stringify(report) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const auth = (s: RunningServer) => ({ headers: { authorization: `Bearer ${s.adminToken}` } });

describe.each(STORE_KINDS)('research store (%s), uploads and parity', (kind) => {
  const stores = storesPerTest(kind);
  // Registered last, so closed first (vitest runs after-hooks newest first).
  const h = harnessPerTest(() => stores.serverOptions());
  const formSession = () => formSessionOf(h);
  it('stores both uploads once, finds the session fullySynced, replays to the reported hash, exports one row per frame', async () => {
    const server = await h.start();
    const assignments = await formSession();
    expect(assignments[0]!.reportToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const reports = playAndReport(assignments, 600);
    for (const r of reports) {
      const first = await post(server, r);
      expect(first).toEqual({ status: 200, body: { ok: true, stored: true, duplicate: false, superseded: false } });
      const again = await post(server, r); // a retry of the same upload
      expect(again.body).toEqual({ ok: true, stored: false, duplicate: true, superseded: false });
    }
    const id = assignments[0]!.sessionId;
    const store = server.store!;
    expect(await store.uploadCount(id)).toBe(2);
    const session = (await store.session(id))!;
    expect(session.parity_status).toBe('fullySynced');
    expect(session.parity_frames).toBe(600);
    expect(session.parity_hashes).toBeGreaterThanOrEqual(19);

    const replay = await (await fetch(`${server.url}/api/sessions/${id}/replay`, auth(server))).json() as { checks: { match: boolean; frames: number }[] };
    expect(replay.checks.map((c) => [c.match, c.frames])).toEqual([[true, 600], [true, 600]]);

    const csv = await (await fetch(`${server.url}/api/export?format=csv&kind=frames&session=${id}`, auth(server))).text();
    const lines = csv.trim().split('\n');
    // inputs, each player's clock and focus (empty: these reports carry no frame clock), then arena's record() columns
    expect(lines[0]).toBe('session_id,frame,episode,player_0,player_1,time_ms_0,time_ms_1,focused_0,focused_1,episode_over,score_0,score_1');
    expect(lines.length - 1).toBe(600);
    expect(lines[1]).toMatch(new RegExp(`^${id},0,0,\\d+,\\d+,,,,,0,\\d+,\\d+$`));
    expect(lines[600]).toMatch(new RegExp(`^${id},599,4,\\d+,\\d+,,,,,[01],\\d+,\\d+$`)); // 120-frame episodes: frame 599 is in episode 4
    const sessions = (await (await fetch(`${server.url}/api/export?format=csv&kind=sessions`, auth(server))).text()).trim().split('\n');
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).toContain('parity_status');
    expect(sessions[1]).toContain('fullySynced');
  });

  it('reports the first mismatching frame when logs disagree', async () => {
    const server = await h.start();
    const assignments = await formSession();
    const headerBytes = 18 + 'arena@1?episodeFrames=120'.length + 2 + 2; // header, spec, absence and pause counts (none of either)
    const reports = playAndReport(assignments, 300, (p, log) => {
      if (p === 1) log[headerBytes + 2 * 250]! ^= 1; // player 0's input at frame 250, as player 1 logged it
    });
    for (const r of reports) expect((await post(server, r)).status).toBe(200);
    const s = (await server.store!.session(assignments[0]!.sessionId))!;
    expect(s.parity_status).toBe('mismatch');
    expect(s.parity_first_mismatch_frame).toBe(250);
  });

  it('refuses bad uploads with clear errors and stores nothing', async () => {
    const server = await h.start();
    const assignments = await formSession();
    const [r] = playAndReport(assignments, 60);
    expect((await post(server, { ...r!, reportToken: 'x'.repeat(43) })).body).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const unknown = await post(server, { ...r!, sessionId: 'nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect((await post(server, { ...r!, playerIndex: 5 })).body).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect((await post(server, { ...r!, frames: -1 })).body).toMatchObject({ ok: false, error: { code: 'bad-report' } });
    const junk = await fetch(`${server.url}/ingest/report`, { method: 'POST', headers: uploadHeaders(r!), body: 'not json' });
    expect(junk.status).toBe(400);
    expect(await junk.json()).toMatchObject({ ok: false, error: { code: 'bad-report' } });
    const noHeaders = await fetch(`${server.url}/ingest/report`, { method: 'POST', body: JSON.stringify(r) });
    expect(noHeaders.status).toBe(401);
    expect(await server.store!.uploadCount(assignments[0]!.sessionId)).toBe(0);
  });

  it('an older report never replaces a newer one', async () => {
    const server = await h.start();
    const assignments = await formSession();
    const [r] = playAndReport(assignments, 120);
    expect((await post(server, { ...r, uploadId: 'x:1', seq: 1 })).body).toMatchObject({ stored: true });
    const [shorter] = playAndReport(assignments, 60); // a real, shorter report: as an older upload would be
    expect((await post(server, { ...shorter!, uploadId: 'x:0', seq: 0 })).body).toMatchObject({ stored: false, superseded: true });
    expect((await server.store!.rows('metrics', assignments[0]!.sessionId))[0]!.frames).toBe(120);
  });

  it('appends incremental input-log ranges: the stored log is the whole log, a re-sent range is a no-op, a gap is refused with conflict', async () => {
    const server = await h.start();
    const assignments = await formSession();
    const reports = playAndReport(assignments, 240);
    const id = assignments[0]!.sessionId;
    const store = server.store!;
    const rangeOf = (r: SessionReport, from: number, to: number) => {
      const d = decodeInputLog(fromBase64(r.inputLog)!);
      if (!d.ok) throw new Error(d.error.message);
      const stride = d.log.players * d.log.inputSize;
      return toBase64(encodeInputLog({ ...d.log, frames: to - from, inputs: d.log.inputs.slice(from * stride, to * stride), departures: [] }));
    };
    for (const r of reports) {
      const part = (seq: number, from: number, to: number) => ({
        ...r, uploadId: `${r.uploadId}:${seq}`, seq, kind: 'partial' as const, frames: to, logFrom: from, inputLog: rangeOf(r, from, to),
        // hash samples are incremental too: only those in this range
        hashes: r.hashes.filter((x) => x.frame >= from && x.frame <= to),
      });
      expect((await post(server, part(1, 0, 100))).body).toMatchObject({ ok: true, stored: true });
      expect((await store.inputLogs(id)).find((l) => l.playerIndex === r.playerIndex)!.frames).toBe(100);
      // a gap (frames 100..149 never arrived): refused, nothing changes
      const gap = await post(server, part(2, 150, 200));
      expect(gap).toMatchObject({ status: 409, body: { ok: false, error: { code: 'conflict' } } });
      expect(String((gap.body.error as { message?: unknown }).message)).toContain('gap');
      expect((await post(server, part(3, 100, 200))).body).toMatchObject({ ok: true, stored: true });
      // the same range again, under a new upload id (a retry after a lost ack): stored, appends nothing
      expect((await post(server, part(4, 100, 200))).body).toMatchObject({ ok: true, stored: true });
      expect((await post(server, { ...part(5, 200, 240), kind: 'final' })).body).toMatchObject({ ok: true, stored: true });
      const stored = (await store.inputLogs(id)).find((l) => l.playerIndex === r.playerIndex)!;
      expect(toBase64(stored.log)).toBe(r.inputLog); // byte for byte the whole log
      expect(r.hashes.length).toBeGreaterThan(2);
      expect(stored.hashes).toEqual(r.hashes); // every sample, each sent once
    }
    const session = (await store.session(id))!;
    expect(session.parity_status).toBe('fullySynced');
    expect(session.parity_frames).toBe(240);
  });

  it('the page side (LogRanges + ReportUploader) sends each report with only the log range after the acknowledged one; the server ends up with the whole log', async () => {
    const server = await h.start();
    const assignments = await formSession();
    const [full] = playAndReport(assignments, 600);
    const whole = decodeInputLog(fromBase64(full!.inputLog)!);
    if (!whole.ok) throw new Error(whole.error.message);
    const stride = whole.log.players * whole.log.inputSize;
    // the log as the page held it after `frames` confirmed frames
    const logAt = (frames: number) => encodeInputLog({ ...whole.log, frames, inputs: whole.log.inputs.slice(0, frames * stride), departures: [] });
    const ranges = new LogRanges();
    const uploader = new ReportUploader({ server: server.url, onAnswer: (r, ack) => ranges.answered(r.uploadId, ack) });
    const sent: { logFrom: number | undefined; chars: number }[] = [];
    for (const [k, frames] of [150, 300, 450, 600].entries()) {
      const uploadId = `${full!.uploadId}:${k}`;
      const { logFrom, inputLog } = ranges.range(uploadId, logAt(frames));
      sent.push({ logFrom, chars: inputLog.length });
      uploader.enqueue({ ...full!, uploadId, seq: k, kind: frames === 600 ? 'final' : 'partial', frames, logFrom, inputLog });
      expect(await uploader.flush(10_000)).toBe(true);
    }
    uploader.stop();
    expect(uploader.state.lastError).toBeNull();
    expect(sent.map((x) => x.logFrom)).toEqual([0, 150, 300, 450]);
    for (const x of sent.slice(1)) expect(x.chars).toBe(sent[0]!.chars); // 150 frames each, not the whole log
    const stored = (await server.store!.inputLogs(assignments[0]!.sessionId)).find((l) => l.playerIndex === 0)!;
    expect(toBase64(stored.log)).toBe(full!.inputLog);
    // the server holds something else (a conflict), or the page's log changed (a state transfer, `replace()`):
    // the next report carries the whole log without logFrom, and the server replaces what it held with it
    ranges.answered('x', { ok: false, error: { code: 'conflict', message: 'gap' } });
    const changed = encodeInputLog({ ...whole.log, inputs: whole.log.inputs.map((v, i) => (i >= 300 * stride ? v ^ 1 : v)), departures: [] });
    const replacement = ranges.range('y', changed);
    expect(replacement.logFrom).toBeUndefined();
    const uploader2 = new ReportUploader({ server: server.url, onAnswer: (r, ack) => ranges.answered(r.uploadId, ack) });
    uploader2.enqueue({ ...full!, uploadId: 'y', seq: 9, kind: 'final', frames: 600, logFrom: undefined, inputLog: replacement.inputLog });
    expect(await uploader2.flush(10_000)).toBe(true);
    uploader2.stop();
    expect(uploader2.state.lastError).toBeNull();
    const replaced = (await server.store!.inputLogs(assignments[0]!.sessionId)).find((l) => l.playerIndex === 0)!;
    expect(Buffer.compare(replaced.log, changed)).toBe(0);
    expect(ranges.range('z', changed).logFrom).toBe(600); // incremental again
  });

  it('stores the integrity records: each desync with its policy, departures and resyncs; a report without them reads as policy report, none left', async () => {
    const server = await h.start();
    const assignments = await formSession();
    const [r0, r1] = playAndReport(assignments, 120);
    const withRecords = {
      ...r0!,
      desyncs: [{ frame: 60, peer: 1, localHash: 7, remoteHash: 9, policy: 'resync' as const }],
      departures: [{ player: 1, frame: 100 }],
      resyncs: [{ frame: 61, from: 0, bytes: 4096 }],
    };
    expect((await post(server, withRecords)).body).toMatchObject({ ok: true, stored: true });
    const { departures: _d, resyncs: _r, ...older } = { ...r1!, desyncs: [{ frame: 60, peer: 0, localHash: 9, remoteHash: 7 }] };
    expect((await post(server, older)).body).toMatchObject({ ok: true, stored: true });
    const id = assignments[0]!.sessionId;
    const events = ((await server.store!.rows('events', id)) as { player_index: number; type: string; frame: number | null; data: string }[])
      .filter((e) => ['desync', 'departure', 'resync'].includes(e.type))
      .map((e) => ({ player: e.player_index, type: e.type, frame: e.frame, data: JSON.parse(e.data) as unknown }));
    expect(events).toEqual([
      { player: 0, type: 'desync', frame: 60, data: { frame: 60, peer: 1, localHash: 7, remoteHash: 9, policy: 'resync' } },
      { player: 0, type: 'departure', frame: 100, data: { player: 1, frame: 100 } },
      { player: 0, type: 'resync', frame: 61, data: { frame: 61, from: 0, bytes: 4096 } },
      { player: 1, type: 'desync', frame: 60, data: { frame: 60, peer: 0, localHash: 9, remoteHash: 7, policy: 'report' } },
    ]);
    const tooMany = { ...r0!, uploadId: 'x:9', seq: 9, departures: Array.from({ length: 8 }, (_, player) => ({ player, frame: 1 })) };
    expect((await post(server, tooMany)).body).toMatchObject({ ok: false, error: { code: 'bad-report' } });
  });
});

describe.each(STORE_KINDS)('uploads across a server restart (%s)', (kind) => {
  const stores = storesPerTest(kind);
  const h = harnessPerTest();
  const formSession = () => formSessionOf(h);
  it('a server that dies after storing but before acknowledging gets the retry, and stores it once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'netroll-research-'));
    tmpDirs.push(dataDir);
    const where = await stores.location(dataDir);
    let kill: (() => void) | null = null;
    const first = await startServer({ port: 0, host: '127.0.0.1', ...where }, { afterReportStored: () => kill?.() });
    h.server = first;
    const port = first.port;
    const assignments = await formSession();
    const [report] = playAndReport(assignments, 120);
    // the first upload is stored, then the server goes down before it answers
    const died = new Promise<void>((resolve) => {
      kill = () => {
        first.http.closeAllConnections();
        void first.close().then(resolve);
      };
    });
    const uploader = new ReportUploader({ server: `http://127.0.0.1:${port}`, baseDelayMs: 100, maxDelayMs: 400 });
    uploader.enqueue(report!);
    await died;
    expect(uploader.state.acked).toBe(0);
    // same store, same port: the retry lands
    const second = await startServer({ port, host: '127.0.0.1', ...where });
    extraServers.push(second);
    expect(await uploader.flush(15_000)).toBe(true);
    expect(uploader.state.lastAck).toEqual({ ok: true, stored: false, duplicate: true, superseded: false });
    expect(uploader.state.attempts).toBeGreaterThanOrEqual(2);
    expect(await second.store!.uploadCount(report!.sessionId)).toBe(1);
    expect(await second.store!.rows('metrics', report!.sessionId)).toHaveLength(1);

    // the CLI reads the same store: export and replay
    await second.close();
    extraServers.length = 0;
    const out = join(dataDir, 'export');
    const storeArgs = where.databaseUrl ? ['--database-url', where.databaseUrl] : ['--data-dir', dataDir];
    const cli = (...args: string[]) => spawnSync(process.execPath, ['server/bin/netroll.mjs', ...args, ...storeArgs], { encoding: 'utf8' });
    const exp = cli('export', '--format', 'csv', '--out', out);
    expect(exp.status, exp.stderr).toBe(0);
    expect(readFileSync(join(out, 'frames.csv'), 'utf8').trim().split('\n')).toHaveLength(121);
    const rep = cli('replay', '--session', report!.sessionId);
    expect(rep.status, rep.stderr).toBe(0);
    expect(rep.stdout).toContain('MATCH');
    const bad = cli('replay', '--session', 'missing');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('no session missing');
  });
});

describe('admin dashboard and API need the token', () => {
  const h = harnessPerTest();
  const formSession = () => formSessionOf(h);
  it('answers 401 with no data without the token, and serves data with it', async () => {
    const server = await h.start({ adminToken: 'test-token-0123456789' });
    await formSession();
    for (const path of ['/admin', '/api/live', '/api/sessions', '/api/export?format=csv', '/api/export?format=json']) {
      const none = await fetch(`${server.url}${path}`);
      expect(none.status, path).toBe(401);
      const text = await none.text();
      expect(text).not.toContain('research'); // no queue names, no session data
      const wrong = await fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer test-token-000000000' } });
      expect(wrong.status, path).toBe(401);
    }
    // The token in a query string is not accepted (URLs end up in logs and Referer headers).
    expect((await fetch(`${server.url}/api/live?token=test-token-0123456789`)).status).toBe(401);
    const live = await fetch(`${server.url}/api/live`, { headers: { authorization: 'Bearer test-token-0123456789' } });
    expect(live.status).toBe(200);
    const body = (await live.json()) as { sessions: { room: string }[] };
    expect(body.sessions[0]!.room).toBe('queue:research');
    // The dashboard: the sign-in page trades the token for an HttpOnly, SameSite=Strict cookie.
    const signIn = await fetch(`${server.url}/admin`);
    expect(signIn.status).toBe(401);
    expect(await signIn.text()).toContain('/admin/assets/login.js');
    expect((await fetch(`${server.url}/admin/login`, { method: 'POST', headers: { authorization: 'Bearer test-token-000000000' } })).status).toBe(401);
    const login = await fetch(`${server.url}/admin/login`, { method: 'POST', headers: { authorization: 'Bearer test-token-0123456789' } });
    expect(login.status).toBe(204);
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^netroll_admin=[A-Za-z0-9_-]{40,}; HttpOnly; SameSite=Strict; Path=\//);
    const cookie = setCookie.split(';')[0]!;
    const page = await fetch(`${server.url}/admin`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Live sessions');
    expect((await fetch(`${server.url}/api/sessions`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${server.url}/api/sessions`, { headers: { cookie: 'netroll_admin=forged' } })).status).toBe(401);
    // A login from another origin is refused (the cookie is for the dashboard page only).
    const foreign = await fetch(`${server.url}/admin/login`, { method: 'POST', headers: { authorization: 'Bearer test-token-0123456789', origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    // Logging out ends the session.
    await fetch(`${server.url}/admin/logout`, { method: 'POST', headers: { cookie } });
    expect((await fetch(`${server.url}/api/sessions`, { headers: { cookie } })).status).toBe(401);
  });
});

describe('uploads while the store is short of disk space (SQLite on disk)', () => {
  const h = harnessPerTest();
  it('the page uploader keeps a report refused with 507 storage-full and retries it; once the floor is met it is stored once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'netroll-research-'));
    tmpDirs.push(dataDir);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // A floor above any free space: every upload is refused.
    const full = await startServer({ port: 0, host: '127.0.0.1', dataDir, limits: { minFreeDiskBytes: statfsFreeBytes(dataDir) + 2 ** 40 } });
    h.server = full;
    const port = full.port;
    const [report] = playAndReport(await formSessionOf(h), 120);
    const uploader = new ReportUploader({ server: `http://127.0.0.1:${port}`, baseDelayMs: 100, maxDelayMs: 400 });
    uploader.enqueue(report!);
    const deadline = Date.now() + 10_000;
    // Refused twice: the uploader kept the report and retried it.
    while (full.stats().uploads.refusedStorageFull < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(uploader.state).toMatchObject({ acked: 0, pending: true });
    expect(uploader.state.attempts).toBeGreaterThanOrEqual(2);
    expect(uploader.state.lastError).toMatch(/^storage-full: /);
    expect(await full.store!.uploadCount(report!.sessionId)).toBe(0);
    expect(errors.mock.calls.some((c) => /uploads refused \(storage-full/.test(String(c[0])))).toBe(true);
    errors.mockRestore();
    // An operator frees space (here: the same store and port, with the default floor).
    full.http.closeAllConnections();
    await full.close();
    const roomy = await startServer({ port, host: '127.0.0.1', dataDir, limits: { minFreeDiskBytes: 1 } });
    extraServers.push(roomy);
    expect(await uploader.flush(15_000)).toBe(true);
    uploader.stop();
    expect(uploader.state.lastAck).toMatchObject({ ok: true, stored: true });
    expect(await roomy.store!.uploadCount(report!.sessionId)).toBe(1);
  });
});
