import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.ts';
import { sendJson } from '../../server/http-router.ts';
import { resolveStaticPath } from '../../server/static-files.ts';
import { harnessPerSuite, WAIT_MS, withTimeout } from './helpers.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request: the path is sent exactly as given (no normalisation of `..`). */
function get(server: RunningServer, path: string, method = 'GET'): Promise<Reply> {
  return withTimeout(
    new Promise<Reply>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path, method, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    }),
    WAIT_MS,
    `${method} ${path}`,
  );
}

const SECRET_TEXT = 'outside the static directory: must never be served';

describe('HTTP: healthz, routes and static files (real server)', () => {
  const h = harnessPerSuite();
  let root: string;
  let server: RunningServer;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'netroll-static-'));
    const site = join(root, 'site');
    mkdirSync(join(site, 'js'), { recursive: true });
    mkdirSync(join(site, 'docs'), { recursive: true });
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>netroll</title>');
    writeFileSync(join(site, 'js', 'app.js'), 'export const x = 1;');
    writeFileSync(join(site, 'style.css'), 'body{}');
    writeFileSync(join(site, 'data.json'), '{"a":1}');
    writeFileSync(join(site, 'game.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
    writeFileSync(join(site, 'blob.bin'), Buffer.from([1, 2, 3]));
    writeFileSync(join(site, 'docs', 'index.html'), '<p>docs</p>');
    writeFileSync(join(site, 'hello world.txt'), 'spaces ok');
    writeFileSync(join(root, 'secret.txt'), SECRET_TEXT);
    server = await h.start({ staticDir: site, research: false }); // the routes below use /api and /admin paths of their own
    server.addRoute('GET', '/api/sessions/:id', (_req, res, params, url) => sendJson(res, 200, { id: params['id'], q: url.searchParams.get('q') }));
    server.addRoute('POST', '/api/upload', (_req, res) => sendJson(res, 201, { stored: true }));
    server.addRoute('GET', '/admin/*', (_req, res, params) => sendJson(res, 200, { rest: params['*'] }));
    server.addRoute('GET', '/api/boom', () => {
      throw new Error('boom');
    });
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('GET /healthz answers {"ok":true}', async () => {
    const r = await get(server, '/healthz');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(r.body)).toEqual({ ok: true });
    expect((await get(server, '/healthz', 'HEAD')).status).toBe(200);
  });

  it('serves static files with the right content types', async () => {
    const cases: [string, number, RegExp, string | undefined][] = [
      ['/', 200, /^text\/html/, '<!doctype html><title>netroll</title>'],
      ['/index.html', 200, /^text\/html/, undefined],
      ['/js/app.js', 200, /^text\/javascript/, 'export const x = 1;'],
      ['/style.css', 200, /^text\/css/, 'body{}'],
      ['/data.json', 200, /^application\/json/, '{"a":1}'],
      ['/game.wasm', 200, /^application\/wasm$/, undefined],
      ['/blob.bin', 200, /^application\/octet-stream$/, undefined],
      ['/docs', 200, /^text\/html/, '<p>docs</p>'],
      ['/docs/', 200, /^text\/html/, '<p>docs</p>'],
      ['/hello%20world.txt', 200, /^text\/plain/, 'spaces ok'],
      ['/js/app.js?v=3', 200, /^text\/javascript/, undefined],
    ];
    for (const [path, status, type, body] of cases) {
      const r = await get(server, path);
      expect({ path, status: r.status }).toEqual({ path, status });
      expect(r.headers['content-type'], path).toMatch(type);
      if (body !== undefined) expect(r.body, path).toBe(body);
    }
    expect((await get(server, '/missing.html')).status).toBe(404);
    const head = await get(server, '/js/app.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String('export const x = 1;'.length));
  });

  it('refuses path traversal in every spelling', async () => {
    const attempts = [
      '/../secret.txt',
      '/../../secret.txt',
      '/js/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/..%2fsecret.txt',
      '/js/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/..\\secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/secret.txt%00.html',
      '/%',
      '//etc/passwd',
      '/' + encodeURIComponent(join(process.cwd(), 'package.json')),
    ];
    for (const path of attempts) {
      const r = await get(server, path);
      expect([400, 403, 404], path).toContain(r.status);
      expect(r.body, path).not.toContain(SECRET_TEXT);
      expect(r.body, path).not.toContain('"name": "netroll"');
    }
    expect(resolveStaticPath('/srv/www', '/../x')).toBeUndefined();
    expect(resolveStaticPath('/srv/www', '/a/%2e%2e/%2e%2e/x')).toBeUndefined();
    expect(resolveStaticPath('/srv/www', '/a/b.js')).toBe(join('/srv/www', 'a', 'b.js'));
  });

  it('routes registered with addRoute: params, methods, wildcard, 405, 500', async () => {
    expect(JSON.parse((await get(server, '/api/sessions/abc-1?q=7')).body)).toEqual({ id: 'abc-1', q: '7' });
    expect(JSON.parse((await get(server, '/admin/sessions/x/y')).body)).toEqual({ rest: 'sessions/x/y' });
    const post = await get(server, '/api/upload', 'POST');
    expect(post.status).toBe(201);
    const wrong = await get(server, '/api/upload');
    expect(wrong.status).toBe(405);
    expect(wrong.headers['allow']).toBe('POST');
    expect((await get(server, '/healthz', 'DELETE')).status).toBe(405);
    const err = console.error;
    console.error = () => undefined;
    try {
      expect((await get(server, '/api/boom')).status).toBe(500);
    } finally {
      console.error = err;
    }
    expect((await get(server, '/api/nothing')).status).toBe(404);
    // Static POST is not served.
    expect((await get(server, '/index.html', 'POST')).status).toBe(404);
  });
});

describe('CORS for the socket.io polling transport', () => {
  const h = harnessPerSuite();

  it('allows configured origins only', async () => {
    const server = await h.start({ corsOrigins: ['http://localhost:5173'] });
    const handshake = (origin: string): Promise<Response> =>
      withTimeout(fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } }), WAIT_MS, 'handshake');
    const ok = await handshake('http://localhost:5173');
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    await ok.text();
    const other = await handshake('http://evil.example');
    expect(other.headers.get('access-control-allow-origin')).not.toBe('http://evil.example');
    await other.text();
  });
});
