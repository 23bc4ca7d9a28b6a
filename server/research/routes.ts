/**
 * Research HTTP routes:
 * - `POST /ingest/report`: peers upload their reports. Who uploads is checked
 *   from the headers before any of the body is read (`Authorization: Bearer
 *   <reportToken>`, `X-Netroll-Session`, `X-Netroll-Player`); the body is then
 *   read as a stream up to a limit that grows with the session's age, with
 *   per-IP and server-wide concurrency caps and, for SQLite on disk, a
 *   free-space floor (`disk-guard.ts`). Acknowledged with a JSON ack.
 * - `/api/...` and `/admin` (admin token in an `Authorization` header, or the
 *   dashboard's session cookie; 401 and no data without): live sessions,
 *   stored sessions with parity, replay checks, CSV/JSON export (streamed in
 *   chunks, bad sessions skipped and listed), and the dashboard with its assets.
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../../src/contracts/errors.ts';
import { type ReportAck, reportSchema, type SessionReport } from '../../src/research/report.ts';
import { type RouteHandler, sendJson, sendText } from '../http-router.ts';
import { clientIp, type IpBudgets } from '../ip-budgets.ts';
import { AdminAuth, bearer } from './auth.ts';
import type { DiskGuard } from './disk-guard.ts';
import { ExportBusyError, type ExportJob, ExportStream } from './export-job.ts';
import { exportJsonChunks, exportParticipants, framesCsvChunks, sessionMetrics, sessionRowsLazy, sessionsCsvChunks, type SkippedSession, toCsv } from './export.ts';
import { exportResolver, type GameSources } from './games.ts';
import type { LiveSessions } from './live.ts';
import { exportOutcomes } from './outcomes.ts';
import { replaySessionAsync } from './replay.ts';
import { StoreUnavailableError } from './sql.ts';
import { DASHBOARD_SESSIONS, EVERY_SESSION, type ResearchStore, StoreError, type UploadTarget } from './store.ts';

export interface ResearchRouteDeps {
  readonly store: ResearchStore;
  readonly live: LiveSessions;
  readonly adminToken: string;
  /** Test hook: runs after a report is stored, before the ack is sent. */
  readonly afterReportStored?: (report: SessionReport) => void | Promise<void>;
  /** Per-IP upload concurrency (shared with the socket budgets). */
  readonly ipBudgets: IpBudgets;
  /** Uploads received at once over the whole server. */
  readonly uploadsTotal: number;
  /** Where replay and the exports find games besides the registered ones (drop-in modules, Python dirs). */
  readonly gameSources?: GameSources;
  /** Upload counters, updated in place (for stats). */
  readonly uploads: { inFlight: number; bodyBytesRead: number; refusedBeforeBody: number; socketBytesRefused: number; refusedStorageFull: number };
  /** The store's disk floor (SQLite on disk only): uploads that could pass it are refused unread. */
  readonly disk?: DiskGuard;
  /** The admin checks to use (shared with the socket handlers); one is made from `adminToken` when absent. */
  readonly auth?: AdminAuth;
  /**
   * Session records still queued for the store (server/research/hook-writes.ts).
   * While any wait, an upload for an unknown session answers 503 (retried)
   * instead of 404: its session's row may be among them.
   */
  readonly recordsPending?: () => number;
}

type Add = (method: string, pattern: string, handler: RouteHandler) => void;

class BodyError extends Error {}

/** Reads at most `limit` bytes of body, as a stream; counts what it read into `counter`. */
async function readBody(req: IncomingMessage, limit: number, counter: { bodyBytesRead: number }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    counter.bodyBytesRead += b.length;
    if (size > limit) throw new BodyError(`body over ${limit} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

const HTTP_STATUS: Readonly<Partial<Record<string, number>>> = {
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.BadReport]: 400,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.TooLarge]: 413,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.StorageFull]: 507,
};

const failAck = (res: ServerResponse, code: ErrorCode, message: string): void =>
  sendJson(res, HTTP_STATUS[code] ?? 400, { ok: false, error: { code, message } } satisfies ReportAck);

/**
 * Answers without reading the body, then closes the connection (so Node does
 * not read and discard the rest of a large body to keep the connection alive).
 */
function refuseUnread(req: IncomingMessage, res: ServerResponse, code: ErrorCode | StoreUnavailableError, message: string, counter: { socketBytesRefused: number }): void {
  const socket = req.socket;
  socket.pause(); // read nothing more from this connection
  res.setHeader('connection', 'close');
  if (code === ErrorCode.RateLimited) res.setHeader('retry-after', '1');
  if (code === ErrorCode.StorageFull) res.setHeader('retry-after', String(STORAGE_FULL_RETRY_AFTER_S));
  res.on('finish', () => {
    counter.socketBytesRefused += socket.bytesRead;
    socket.destroy();
  });
  if (code instanceof StoreUnavailableError) sendUnavailable(res, code, true);
  else failAck(res, code, message);
}

/** Seconds a client is asked to wait before retrying an upload refused for want of disk space. */
const STORAGE_FULL_RETRY_AFTER_S = 60;

/** Seconds a client is asked to wait before retrying while the database is unavailable. */
const UNAVAILABLE_RETRY_AFTER_S = 2;

/**
 * The research database cannot be reached (Postgres down): 503 with the
 * `internal` error code and `Retry-After`; nothing was stored, so the
 * uploader retries (it retries every 5xx) and nothing acknowledged is lost.
 */
function sendUnavailable(res: ServerResponse, e: StoreUnavailableError, ack: boolean): void {
  res.setHeader('retry-after', String(UNAVAILABLE_RETRY_AFTER_S));
  const error = { code: ErrorCode.Internal, message: e.message };
  sendJson(res, 503, ack ? ({ ok: false, error } satisfies ReportAck) : { error });
}

/** Headers of every `/admin` and `/api/` answer. */
export const ADMIN_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

const setSecurityHeaders = (res: ServerResponse): void => {
  for (const [k, v] of Object.entries(ADMIN_SECURITY_HEADERS)) res.setHeader(k, v);
};

/**
 * Streams an export made by a worker thread (export-job.ts) to `res`: a
 * single-session frames export whose log is bad is a 422, too many running
 * exports a 429; a client that goes away ends the worker.
 */
async function streamExportJob(res: ServerResponse, job: ExportJob): Promise<void> {
  let stream: ExportStream;
  try {
    stream = new ExportStream(job);
  } catch (e) {
    if (!(e instanceof ExportBusyError)) throw e;
    res.setHeader('retry-after', '5');
    return sendJson(res, 429, { error: { code: ErrorCode.RateLimited, message: e.message } });
  }
  res.once('close', () => stream.cancel());
  const skipped = await stream.head;
  if (job.kind === 'frames' && skipped.length > 0) {
    stream.cancel();
    return sendJson(res, 422, { error: { code: ErrorCode.BadInputLog, message: skipped[0]!.error }, skipped });
  }
  const csvName = job.kind === 'frames' ? 'frames.csv' : 'sessions.csv';
  res.writeHead(200, job.kind === 'json' ? { 'content-type': 'application/json; charset=utf-8' } : { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${csvName}"` });
  await streamChunks(res, stream);
}

/** Resolves when `res` can take more, or has closed (listeners removed either way). */
function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Longest a chunked export may run before it yields to other work, ms. */
const EXPORT_SLICE_MS = 8;

/**
 * Writes text chunks to `res` with backpressure, yielding to the event loop
 * every {@link EXPORT_SLICE_MS} so games and other requests keep running.
 * Stops early when the client goes away.
 */
async function streamChunks(res: ServerResponse, chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
  let sliceStart = performance.now();
  for await (const chunk of chunks) {
    if (res.destroyed) return;
    if (!res.write(chunk)) await drainOrClose(res);
    if (performance.now() - sliceStart > EXPORT_SLICE_MS) {
      await new Promise((r) => setImmediate(r));
      sliceStart = performance.now();
    }
  }
  res.end();
}

const require = createRequire(import.meta.url);
const adminDir = fileURLToPath(new URL('../admin/', import.meta.url));
/** Dashboard assets by name (a Map: names like `constructor` or `__proto__` are just unknown). */
const ASSETS: ReadonlyMap<string, { file: () => string; type: string }> = new Map([
  ['app.js', { file: () => `${adminDir}app.js`, type: 'text/javascript; charset=utf-8' }],
  ['login.js', { file: () => `${adminDir}login.js`, type: 'text/javascript; charset=utf-8' }],
  ['admin.css', { file: () => `${adminDir}admin.css`, type: 'text/css; charset=utf-8' }],
  ['uplot.js', { file: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' }],
  ['uplot.css', { file: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' }],
]);

const watchDir = fileURLToPath(new URL('../admin/watch-app/', import.meta.url));
const WATCH_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const LOGIN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>netroll admin: sign in</title><link rel="stylesheet" href="/admin/assets/admin.css" /></head>
<body><header><h1>netroll</h1><span id="updated">sign in</span></header>
<section><p>Open the dashboard URL the server printed (its <code>#token=</code> part never leaves your browser), or paste the admin token:</p>
<form id="login"><input id="token" type="password" autocomplete="off" aria-label="admin token" /> <button>Sign in</button></form>
<p id="login-error" class="bad"></p></section>
<script src="/admin/assets/login.js"></script></body></html>
`;

export function addResearchRoutes(add: Add, deps: ResearchRouteDeps): void {
  const { store, live, ipBudgets, uploads } = deps;
  const auth = deps.auth ?? new AdminAuth(deps.adminToken);

  // Reports are signed with a per-participant token and carry no cookies, so
  // any origin may upload (an experiment page may be hosted elsewhere).
  const corsHeaders = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'content-type, authorization, x-netroll-session, x-netroll-player',
    'access-control-max-age': '600',
  };
  add('OPTIONS', '/ingest/report', (_req, res) => {
    res.writeHead(204, corsHeaders);
    res.end();
  });
  add('POST', '/ingest/report', async (req, res) => {
    for (const [k, v] of Object.entries(corsHeaders)) res.setHeader(k, v);
    // 1. Who is this? From the headers only: nothing of the body is read yet.
    const token = bearer(req);
    const sessionId = req.headers['x-netroll-session'];
    const playerText = req.headers['x-netroll-player'];
    if (!token || typeof sessionId !== 'string' || typeof playerText !== 'string' || !/^\d{1,2}$/.test(playerText)) {
      uploads.refusedBeforeBody++;
      return refuseUnread(req, res, ErrorCode.Unauthorized, 'uploads need Authorization: Bearer <reportToken>, X-Netroll-Session and X-Netroll-Player headers', uploads);
    }
    let target: UploadTarget;
    try {
      target = await store.authorizeUpload(sessionId.slice(0, 100), Number(playerText), token.slice(0, 200));
    } catch (e) {
      if (e instanceof StoreUnavailableError) {
        uploads.refusedBeforeBody++;
        return refuseUnread(req, res, e, e.message, uploads);
      }
      if (!(e instanceof StoreError)) throw e;
      uploads.refusedBeforeBody++;
      if (e.code === 'not-found' && (deps.recordsPending?.() ?? 0) > 0) {
        const later = new StoreUnavailableError(`${e.message} yet: session records are still being written, retry shortly`);
        return refuseUnread(req, res, later, later.message, uploads);
      }
      return refuseUnread(req, res, e.code, e.message, uploads);
    }
    // 2. How much may it send? Declared sizes over the limit are refused unread.
    const limit = store.maxReportBytes(target, Date.now());
    const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    if (declared !== undefined && !(declared <= limit)) {
      uploads.refusedBeforeBody++;
      return refuseUnread(req, res, ErrorCode.TooLarge, `body of ${req.headers['content-length']} bytes is over this session's limit of ${limit}`, uploads);
    }
    // 3. Room on the store's disk for the most it may send (clients retry 507).
    if (deps.disk && !deps.disk.allows(declared ?? limit)) {
      uploads.refusedBeforeBody++;
      uploads.refusedStorageFull++;
      return refuseUnread(req, res, ErrorCode.StorageFull, 'the research store is short of disk space; retry later', uploads);
    }
    // 4. Concurrency: per IP and server-wide (clients retry 429).
    const ip = clientIp(req);
    if (uploads.inFlight >= deps.uploadsTotal || !ipBudgets.beginUpload(ip)) {
      uploads.refusedBeforeBody++;
      return refuseUnread(req, res, ErrorCode.RateLimited, 'too many uploads in progress, retry shortly', uploads);
    }
    uploads.inFlight++;
    try {
      let report: SessionReport;
      let bytes: number;
      try {
        const body = await readBody(req, limit, uploads);
        bytes = body.length;
        const parsed = reportSchema.safeParse(JSON.parse(body.toString('utf8')));
        if (!parsed.success) {
          const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
          return failAck(res, ErrorCode.BadReport, issues.join('; '));
        }
        report = parsed.data;
      } catch (e) {
        if (e instanceof BodyError) return refuseUnread(req, res, ErrorCode.TooLarge, e.message, uploads);
        return failAck(res, ErrorCode.BadReport, e instanceof SyntaxError ? `not JSON: ${e.message}` : String(e));
      }
      if (report.sessionId !== target.id || report.playerIndex !== Number(playerText) || report.reportToken !== token) {
        return failAck(res, ErrorCode.BadReport, 'the report names another session, player or token than its headers');
      }
      try {
        const result = await store.applyReport(report, bytes, Date.now());
        if (deps.afterReportStored) await deps.afterReportStored(report);
        sendJson(res, 200, { ok: true, stored: result.stored, duplicate: result.duplicate, superseded: result.superseded } satisfies ReportAck);
      } catch (e) {
        if (e instanceof StoreUnavailableError) return sendUnavailable(res, e, true);
        if (!(e instanceof StoreError)) throw e;
        failAck(res, e.code, e.message);
      }
    } finally {
      uploads.inFlight--;
      ipBudgets.endUpload(ip);
    }
  });

  const guarded =
    (handler: RouteHandler, html = false): RouteHandler =>
    async (req, res, params, url) => {
      setSecurityHeaders(res);
      if (!auth.allows(req)) {
        if (html) {
          res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' });
          return void res.end(LOGIN_PAGE);
        }
        return sendJson(res, 401, { error: { code: ErrorCode.Unauthorized, message: 'a valid admin token is required (Authorization: Bearer <token>, or sign in at /admin)' } });
      }
      try {
        return await handler(req, res, params, url);
      } catch (e) {
        if (!(e instanceof StoreUnavailableError)) throw e;
        if (!res.headersSent) return sendUnavailable(res, e, false);
        res.destroy(); // mid-stream: the client sees a cut answer, never a complete-looking one
      }
    };

  add('POST', '/admin/login', (req, res) => {
    setSecurityHeaders(res);
    // Cookie sessions are made only for a same-origin page that holds the token.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}` && origin !== `https://${req.headers.host}`) {
      return sendJson(res, 403, { error: { code: ErrorCode.Unauthorized, message: 'sign in from the dashboard page' } });
    }
    if (!auth.isToken(bearer(req))) return sendJson(res, 401, { error: { code: ErrorCode.Unauthorized, message: 'wrong admin token' } });
    res.writeHead(204, { 'set-cookie': auth.login(origin?.startsWith('https:') ?? false) });
    res.end();
  });
  add('POST', '/admin/logout', (req, res) => {
    setSecurityHeaders(res);
    res.writeHead(204, { 'set-cookie': auth.logout(req) });
    res.end();
  });

  add('GET', '/api/live', guarded((_req, res) => sendJson(res, 200, { sessions: live.list(Date.now()) })));
  add(
    'GET',
    '/api/sessions',
    guarded(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      await streamChunks(res, (async function* () {
        let first = true;
        yield '{"sessions":[';
        for await (const line of sessionsJsonRows(store)) {
          yield (first ? '' : ',') + line;
          first = false;
        }
        yield ']}';
      })());
    }),
  );
  add(
    'GET',
    '/api/sessions/:id',
    guarded(async (_req, res, params) => {
      const session = await store.session(params['id']!);
      if (!session) return sendJson(res, 404, { error: { code: ErrorCode.NotFound, message: `no session ${params['id']}` } });
      const [participants, links, episodes, metrics, events, uploads] = await Promise.all(
        (['participants', 'links', 'episodes', 'metrics', 'events', 'uploads'] as const).map((t) => store.rows(t, session.id)),
      );
      sendJson(res, 200, { session, participants, links, episodes, metrics, events, uploads });
    }),
  );
  add(
    'GET',
    '/api/sessions/:id/replay',
    guarded(async (_req, res, params) => {
      try {
        sendJson(res, 200, { checks: await replaySessionAsync(store, params['id']!, deps.gameSources) });
      } catch (e) {
        sendJson(res, 404, { error: { code: ErrorCode.NotFound, message: e instanceof Error ? e.message : String(e) } });
      }
    }),
  );
  add(
    'GET',
    '/api/export',
    guarded(async (_req, res, _params, url) => {
      const format = url.searchParams.get('format') ?? 'json';
      const session = url.searchParams.get('session') ?? undefined;
      const kind = url.searchParams.get('kind') ?? 'sessions';
      const bad = (message: string) => sendJson(res, 400, { error: { code: ErrorCode.InvalidOption, message } });
      if (format !== 'csv' && format !== 'json') return bad('format must be csv or json');
      if (session !== undefined && !(await store.session(session))) return sendJson(res, 404, { error: { code: ErrorCode.NotFound, message: `no session ${session}` } });
      if (kind === 'outcomes') {
        // One row per episode from the game's record() (Python games), replayed here.
        if (!session) return bad('outcomes export needs ?session=ID');
        let rows;
        try {
          rows = await exportOutcomes(store, session, deps.gameSources);
        } catch (e) {
          return sendJson(res, 422, { error: { code: ErrorCode.BadInputLog, message: e instanceof Error ? e.message : String(e) } });
        }
        if (format === 'json') return sendJson(res, 200, { outcomes: rows });
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
        return void res.end(toCsv(rows));
      }
      if (kind === 'metrics') {
        // Everything stored about one session, as one JSON object.
        if (!session) return bad('metrics export needs ?session=ID');
        if (format !== 'json') return bad('the metrics export is JSON (format=json)');
        return sendJson(res, 200, await sessionMetrics(store, session));
      }
      if (kind === 'participants') {
        const rows = await exportParticipants(store, session);
        if (format === 'json') return sendJson(res, 200, { participants: rows });
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="participants.csv"` });
        return void res.end(toCsv(rows));
      }
      if (kind !== 'frames' && kind !== 'sessions' && format !== 'json') return bad('kind must be sessions, frames, participants, metrics or outcomes');
      if (format !== 'json' && kind === 'frames' && !session) return bad('frames export needs ?session=ID');
      const source = store.readerSource();
      if (source) return streamExportJob(res, { source, kind: format === 'json' ? 'json' : (kind as 'frames' | 'sessions'), session, gameSources: deps.gameSources ?? {} });
      // An in-memory store cannot be opened by a worker: export on this thread.
      const skipped: SkippedSession[] = [];
      const specs = (session ? [(await store.session(session))!] : await store.sessions(EVERY_SESSION)).map((s) => s.game);
      const resolveGame = await exportResolver(specs, deps.gameSources ?? {}, (m) => console.error(`netroll export: outcome columns left empty: ${m}`));
      if (format === 'json') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        return streamChunks(res, exportJsonChunks(store, session, skipped, resolveGame));
      }
      if (kind !== 'frames' && kind !== 'sessions') return bad('kind must be sessions, frames, participants, metrics or outcomes');
      if (kind === 'frames' && !session) return bad('frames export needs ?session=ID');
      if (kind === 'frames') {
        // One session: a log that cannot be exported is an error, not an empty file.
        const chunks = framesCsvChunks(store, session, skipped, resolveGame);
        const header = await chunks.next();
        const firstRows = await chunks.next();
        if (skipped.length > 0) {
          return sendJson(res, 422, { error: { code: ErrorCode.BadInputLog, message: skipped[0]!.error }, skipped });
        }
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="frames.csv"` });
        return streamChunks(res, (async function* () {
          if (!header.done) yield header.value;
          if (!firstRows.done) yield firstRows.value;
          yield* chunks;
        })());
      }
      res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="sessions.csv"` });
      return streamChunks(res, sessionsCsvChunks(store, session));
    }),
  );
  add(
    'GET',
    '/admin',
    guarded(async (_req, res) => {
      const html = await readFile(`${adminDir}index.html`, 'utf8');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    }, true),
  );
  // The viewer page (`npm run build` makes it): watch a live session as a spectator.
  const sendWatchFile = async (res: ServerResponse, name: string): Promise<void> => {
    const type = WATCH_TYPES[name.slice(name.lastIndexOf('.'))];
    const body = /^[A-Za-z0-9_.-]+$/.test(name) && !name.startsWith('.') && type ? await readFile(`${watchDir}${name}`).catch(() => null) : null;
    if (!body) return sendText(res, 404, name === 'index.html' ? 'the viewer page is not built: run npm run build\n' : 'not found\n');
    res.writeHead(200, { 'content-type': type!, 'content-length': body.length });
    res.end(body);
  };
  add('GET', '/admin/watch', guarded((_req, res) => sendWatchFile(res, 'index.html'), true));
  add('GET', '/admin/watch/:name', guarded((_req, res, params) => sendWatchFile(res, params['name']!)));
  add('GET', '/admin/assets/:name', async (_req, res, params) => {
    setSecurityHeaders(res);
    const asset = ASSETS.get(params['name']!);
    if (!asset) return sendText(res, 404, 'not found\n');
    const body = await readFile(asset.file());
    res.writeHead(200, { 'content-type': asset.type, 'content-length': body.length });
    res.end(body);
  });
}

/** The stored sessions as JSON rows, one at a time (for the streamed `/api/sessions`). */
async function* sessionsJsonRows(store: ResearchStore): AsyncGenerator<string> {
  for await (const row of sessionRowsLazy(store, undefined, DASHBOARD_SESSIONS)) yield JSON.stringify(row);
}
