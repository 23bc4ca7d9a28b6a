/**
 * Research HTTP routes:
 * - `POST /ingest/report`: peers upload their reports (signed with the
 *   per-participant token from the assignment); acknowledged with a JSON ack.
 * - `/api/...` and `/admin` (admin token required; 401 and no data without):
 *   live sessions, stored sessions with parity, replay checks, CSV/JSON export,
 *   and the dashboard page with its assets.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../../src/contracts/errors.ts';
import { MAX_REPORT_BYTES, type ReportAck, reportSchema, type SessionReport } from '../../src/research/report.ts';
import { type RouteHandler, sendJson, sendText } from '../http-router.ts';
import { hasAdminToken } from './auth.ts';
import { exportFrames, exportJson, exportSessions, toCsv } from './export.ts';
import type { LiveSessions } from './live.ts';
import { exportOutcomes } from './outcomes.ts';
import { replaySessionAsync } from './replay.ts';
import { type ResearchStore, StoreError } from './store.ts';

export interface ResearchRouteDeps {
  readonly store: ResearchStore;
  readonly live: LiveSessions;
  readonly adminToken: string;
  /** Test hook: runs after a report is stored, before the ack is sent. */
  readonly afterReportStored?: (report: SessionReport) => void | Promise<void>;
}

type Add = (method: string, pattern: string, handler: RouteHandler) => void;

class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw new BodyError(413, `body over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyError(413, `body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const fail = (res: ServerResponse, status: number, code: ErrorCode, message: string) =>
  sendJson(res, status, { ok: false, error: { code, message } } satisfies ReportAck);

/** The error code a store refusal answers with. */
const STORE_CODES: Record<StoreError['code'], ErrorCode> = {
  'unknown-session': ErrorCode.NotFound,
  'unknown-participant': ErrorCode.NotFound,
  'bad-token': ErrorCode.Unauthorized,
  'bad-report': ErrorCode.BadReport,
};

const require = createRequire(import.meta.url);
const adminDir = fileURLToPath(new URL('../admin/', import.meta.url));
const ASSETS: Record<string, { file: () => string; type: string }> = {
  'app.js': { file: () => `${adminDir}app.js`, type: 'text/javascript; charset=utf-8' },
  'admin.css': { file: () => `${adminDir}admin.css`, type: 'text/css; charset=utf-8' },
  'uplot.js': { file: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uplot.css': { file: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

export function addResearchRoutes(add: Add, deps: ResearchRouteDeps): void {
  const { store, live, adminToken } = deps;

  // Reports are signed with a per-participant token and carry no cookies, so
  // any origin may upload (an experiment page may be hosted elsewhere).
  const corsHeaders = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST, OPTIONS', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' };
  add('OPTIONS', '/ingest/report', (_req, res) => {
    res.writeHead(204, corsHeaders);
    res.end();
  });
  add('POST', '/ingest/report', async (req, res) => {
    for (const [k, v] of Object.entries(corsHeaders)) res.setHeader(k, v);
    let report: SessionReport;
    let bytes: number;
    try {
      const body = await readBody(req, MAX_REPORT_BYTES);
      bytes = body.length;
      const parsed = reportSchema.safeParse(JSON.parse(body.toString('utf8')));
      if (!parsed.success) {
        const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
        return fail(res, 400, ErrorCode.BadReport, issues.join('; '));
      }
      report = parsed.data;
    } catch (e) {
      if (e instanceof BodyError) return fail(res, e.status, ErrorCode.TooLarge, e.message);
      return fail(res, 400, ErrorCode.BadReport, e instanceof SyntaxError ? `not JSON: ${e.message}` : String(e));
    }
    try {
      const result = store.applyReport(report, bytes, Date.now());
      if (deps.afterReportStored) await deps.afterReportStored(report);
      sendJson(res, 200, { ok: true, stored: result.stored, duplicate: result.duplicate, superseded: result.superseded } satisfies ReportAck);
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      const status = e.code === 'bad-token' ? 403 : e.code === 'bad-report' ? 400 : 404;
      fail(res, status, STORE_CODES[e.code], e.message);
    }
  });

  const guarded =
    (handler: RouteHandler, html = false): RouteHandler =>
    (req, res, params, url) => {
      if (!hasAdminToken(req, url, adminToken)) {
        if (html) return sendText(res, 401, 'netroll admin: a valid token is required (open the URL printed by the server).\n');
        return sendJson(res, 401, { error: 'a valid admin token is required (Authorization: Bearer <token> or ?token=)' });
      }
      return handler(req, res, params, url);
    };

  add('GET', '/api/live', guarded((_req, res) => sendJson(res, 200, { sessions: live.list(Date.now()) })));
  add('GET', '/api/sessions', guarded((_req, res) => sendJson(res, 200, { sessions: exportSessions(store) })));
  add(
    'GET',
    '/api/sessions/:id',
    guarded((_req, res, params) => {
      const session = store.session(params['id']!);
      if (!session) return sendJson(res, 404, { error: `no session ${params['id']}` });
      const rows = (t: 'participants' | 'links' | 'episodes' | 'metrics' | 'events' | 'uploads') => store.rows(t, session.id);
      sendJson(res, 200, {
        session,
        participants: rows('participants'),
        links: rows('links'),
        episodes: rows('episodes'),
        metrics: rows('metrics'),
        events: rows('events'),
        uploads: rows('uploads'),
      });
    }),
  );
  add(
    'GET',
    '/api/sessions/:id/replay',
    guarded(async (_req, res, params) => {
      try {
        sendJson(res, 200, { checks: await replaySessionAsync(store, params['id']!) });
      } catch (e) {
        sendJson(res, 404, { error: e instanceof Error ? e.message : String(e) });
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
      if (kind === 'outcomes') {
        // One row per episode from the game's record() (Python games), replayed here.
        if (!session) return sendJson(res, 400, { error: 'outcomes export needs ?session=ID' });
        let rows;
        try {
          rows = await exportOutcomes(store, session);
        } catch (e) {
          return sendJson(res, 404, { error: e instanceof Error ? e.message : String(e) });
        }
        if (format === 'json') return sendJson(res, 200, { outcomes: rows });
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'cache-control': 'no-store' });
        return void res.end(toCsv(rows));
      }
      if (format === 'json') return sendJson(res, 200, exportJson(store, session));
      if (format !== 'csv') return sendJson(res, 400, { error: 'format must be csv or json' });
      if (kind === 'frames' && !session) return sendJson(res, 400, { error: 'frames export needs ?session=ID' });
      const csv = kind === 'frames' ? toCsv(exportFrames(store, session!)) : toCsv(exportSessions(store, session));
      res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'cache-control': 'no-store' });
      res.end(csv);
    }),
  );
  add(
    'GET',
    '/admin',
    guarded(async (_req, res) => {
      const html = await readFile(`${adminDir}index.html`, 'utf8');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
    }, true),
  );
  add('GET', '/admin/assets/:name', async (_req, res, params) => {
    const asset = ASSETS[params['name']!];
    if (!asset) return sendText(res, 404, 'not found\n');
    const body = await readFile(asset.file());
    res.writeHead(200, { 'content-type': asset.type, 'content-length': body.length });
    res.end(body);
  });
}
