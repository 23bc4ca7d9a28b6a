/**
 * Python games in real Chromium: Pyodide loads inside the engine worker
 * from the page's own origin (the pyodideAssets Vite plugin), never from a
 * CDN. Two pages play the slime volleyball example through the real server
 * over WebRTC; the drop-in bundle (as built) runs a `.py` gameUrl; Python
 * exceptions reach the page as typed errors with the traceback.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2E, call, openPage, playRoom } from '../../harness/e2e.ts';
import { e2ePerTest } from '../support/per-test.ts';
import type { DropinFailure, DropinOptions, DropinResult } from './python-types.ts';

const env = e2ePerTest();
const root = fileURLToPath(new URL('../..', import.meta.url));
let bundle = '';
let outDir = '';

beforeAll(async () => {
  // The drop-in bundle exactly as `npm run build` makes it, into a scratch directory.
  outDir = mkdtempSync(join(tmpdir(), 'netroll-dropin-'));
  await build({ configFile: join(root, 'vite.config.ts'), mode: 'dropin', logLevel: 'warn', build: { outDir, emptyOutDir: true, sourcemap: false } });
  bundle = readFileSync(join(outDir, 'netroll-worker.js'), 'utf8');
}, 120_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

async function openDropinPage(e2e: E2E): Promise<Page> {
  const page = await (await e2e.browser.newContext()).newPage();
  page.on('pageerror', (err) => console.error('[page error]', err.message));
  await page.goto(new URL('/tests/e2e/page/python-dropin.html', e2e.pageUrl).href);
  await page.waitForFunction(() => 'pyDropin' in globalThis, undefined, { timeout: 30_000 });
  return page;
}

type Api = { play(o: DropinOptions): Promise<DropinResult>; configureFails(o: DropinOptions): Promise<DropinFailure | null> };
function dropin<K extends keyof Api>(page: Page, name: K, o: DropinOptions): Promise<Awaited<ReturnType<Api[K]>>> {
  return page.evaluate(([n, a]) => (globalThis as unknown as { pyDropin: Record<string, (x: unknown) => unknown> }).pyDropin[n]!(a), [name, o] as const) as Promise<
    Awaited<ReturnType<Api[K]>>
  >;
}

describe('Python games in real Chromium', () => {
  it('two pages play 1,800 frames of py-slime over WebRTC with identical logs and no desync', async () => {
    const e2e = await env.start();
    const pages = [await openPage(e2e), await openPage(e2e)];
    const results = await playRoom(pages, { server: e2e.serverUrl, room: 'py-two', players: 2, frames: 1800, game: 'py-slime' });
    const [a, b] = results;
    expect(a!.sessionId).toBe(b!.sessionId);
    for (const r of results) {
      expect(r.confirmedFrame).toBeGreaterThanOrEqual(1799);
      expect(r.desyncs).toBe(0);
      expect(r.links[0]!.counters.packetsViaP2P).toBeGreaterThan(1000);
    }
    expect(a!.rollbacks + b!.rollbacks).toBeGreaterThan(0);
    expect(a!.inputLogHex.length).toBeGreaterThan(1800 * 2 * 2);
    expect(a!.inputLogHex).toBe(b!.inputLogHex);
    expect(a!.confirmedHash).toBe(b!.confirmedHash);
    await Promise.all(pages.map((p) => call(p, 'leave')));
  }, 240_000);

  it('the drop-in bundle runs a .py gameUrl with Pyodide from the same origin', async () => {
    const e2e = await env.start();
    expect(bundle).not.toMatch(/^import /m); // self-contained: no imports to resolve
    expect(bundle).not.toContain('checkAPIVersion'); // Pyodide's loader is never inlined: it loads at run time from pyodideUrl
    const page = await openDropinPage(e2e);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const r = await dropin(page, 'play', { bundle, gameUrl: '/examples/python/slime.py#SlimeVolley', game: 'py-slime', frames: 300 });
    expect(r.errors).toEqual([]);
    expect(r.confirmedFrames.every((f) => f >= 299)).toBe(true);
    expect(r.desyncs).toEqual([0, 0]);
    expect(r.logsIdentical).toBe(true);
    expect(r.hashes[0]).toBe(r.hashes[1]);
    expect(r.lastRender).toMatchObject({ width: 80000, height: 40000 });
    const origin = new URL(e2e.pageUrl).origin;
    expect(requests.some((u) => u === `${origin}/pyodide/pyodide.asm.wasm`)).toBe(true);
    expect(requests.every((u) => u.startsWith(origin) || u.startsWith('blob:') || u.startsWith('data:'))).toBe(true);
    console.log(`drop-in Python worker, first game ready (worker start → session configured, Pyodide loaded): ${r.readyMs.map((ms) => ms.toFixed(0)).join(' / ')} ms`);
    expect(r.readyMs.every((ms) => ms > 0)).toBe(true);
  }, 180_000);

  it('a Python exception reaches the page as game-error with the traceback; a bad module as bad-game', async () => {
    const e2e = await env.start();
    const page = await openDropinPage(e2e);
    const r = await dropin(page, 'play', { bundle, gameUrl: '/tests/e2e/fixtures/raises.py', game: 'raises', frames: 600 });
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors[0]!.code).toBe('game-error');
    expect(r.errors[0]!.message).toContain('RuntimeError');
    expect(r.errors[0]!.message).toContain('the env broke at frame 90');
    expect(r.errors[0]!.message).toMatch(/raises\.py", line \d+, in step/);
    expect(Math.max(...r.confirmedFrames)).toBeLessThan(600);

    const bad = await dropin(page, 'configureFails', { bundle, gameUrl: '/tests/e2e/fixtures/not-a-game.py#NotAGame', game: 'bad', frames: 10 });
    expect(bad).not.toBeNull();
    expect(bad!.name).toBe('NetrollError');
    expect(bad!.code).toBe('bad-game');
    expect(bad!.message).toContain('NotAGame lacks reset(), step(), get_state(), set_state()');
  }, 180_000);
});
