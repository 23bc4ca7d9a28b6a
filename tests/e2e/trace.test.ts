/**
 * DevTools profiling, seen as DevTools sees it: a real Chrome trace recorded
 * over CDP (`Tracing.start` … `Tracing.end`) while two worker-hosted sessions
 * roll back, searched for the engine's rollback entries on the "netroll"
 * track. The entries must come from a dedicated worker's thread, never from
 * the page's main thread.
 */
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright';
import { createServer, type ViteDevServer } from 'vite';
import { afterEach, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../../harness/chromium.ts';
import { until } from '../../harness/e2e.ts';

/** One event of the Chrome trace event format (the fields this test reads). */
interface TraceEvent {
  readonly name: string;
  readonly cat: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly args?: { readonly name?: string; readonly detail?: string; readonly data?: { readonly detail?: string } };
}

const root = fileURLToPath(new URL('../..', import.meta.url));
let vite: ViteDevServer | null = null;
let browser: Browser | null = null;
afterEach(async () => {
  await browser?.close();
  await vite?.close();
  browser = null;
  vite = null;
});

/** Read a trace stream (`Tracing.tracingComplete` with `ReturnAsStream`) to its end; at most 4,096 chunks. */
async function readStream(cdp: CDPSession, handle: string): Promise<string> {
  let text = '';
  for (let i = 0; i < 4096; i++) {
    const chunk = await cdp.send('IO.read', { handle, size: 1 << 20 });
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString('utf8') : chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle });
  return text;
}

/** Record a trace of `page` around `during`; returns its events. */
async function recordTrace(page: Page, during: () => Promise<void>): Promise<TraceEvent[]> {
  const cdp = await page.context().newCDPSession(page);
  const complete = new Promise<string>((resolve) => cdp.once('Tracing.tracingComplete', (e) => resolve(e.stream ?? '')));
  await cdp.send('Tracing.start', {
    transferMode: 'ReturnAsStream',
    traceConfig: { includedCategories: ['blink.user_timing', '__metadata'], excludedCategories: ['*'] },
  });
  try {
    await during();
  } finally {
    await cdp.send('Tracing.end');
  }
  const handle = await Promise.race([complete, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no Tracing.tracingComplete within 20 s')), 20_000))]);
  const parsed = JSON.parse(await readStream(cdp, handle)) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  return Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
}

/** The track a user-timing event was put on, read from its `detail` (a JSON string in the trace). */
function trackOf(e: TraceEvent): string | undefined {
  const raw = e.args?.detail ?? e.args?.data?.detail;
  if (typeof raw !== 'string') return undefined;
  try {
    const detail = JSON.parse(raw) as { devtools?: { track?: unknown } };
    return typeof detail.devtools?.track === 'string' ? detail.devtools.track : undefined;
  } catch {
    return undefined;
  }
}

describe('DevTools trace (CDP Tracing) in real Chromium', () => {
  it('shows rollback entries on the "netroll" track, from the worker thread', async () => {
    vite = await createServer({ root, configFile: false, logLevel: 'error', server: { host: '127.0.0.1', port: 0, hmr: false }, optimizeDeps: { entries: ['tests/e2e/page/trace.html'], include: ['comlink'] } });
    await vite.listen();
    const address = vite.httpServer!.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    browser = await chromium.launch(chromiumLaunchOptions());
    const page = await browser.newPage();
    page.on('pageerror', (err) => console.error('[page error]', err.message));
    await page.goto(`http://127.0.0.1:${port}/tests/e2e/page/trace.html`);
    await page.waitForFunction(() => 'traceRollbacks' in globalThis, undefined, { timeout: 30_000 });

    const events = await recordTrace(page, async () => {
      const start = await page.evaluate(() => (globalThis as unknown as { traceRollbacks(): Promise<number> }).traceRollbacks());
      await until(async () => (await page.evaluate(() => (globalThis as unknown as { traceRollbacks(): Promise<number> }).traceRollbacks())) >= start + 10, 20_000, '10 more rollbacks');
    });

    const threadNames = new Map<string, string>();
    for (const e of events) if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name) threadNames.set(`${e.pid}:${e.tid}`, e.args.name);
    const rollbacks = events.filter((e) => e.cat.includes('blink.user_timing') && /^rollback \d+f$/.test(e.name));
    expect(rollbacks.length).toBeGreaterThan(0);
    const onTrack = rollbacks.filter((e) => trackOf(e) === 'netroll');
    expect(onTrack.length).toBeGreaterThan(0);
    const threads = new Set(onTrack.map((e) => threadNames.get(`${e.pid}:${e.tid}`) ?? 'unnamed'));
    expect(threads.size).toBeGreaterThan(0);
    for (const name of threads) expect(name).toMatch(/worker/i);
  });
});
