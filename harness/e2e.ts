/**
 * End-to-end harness: the real netroll server, a Vite server for the test
 * page, and real Chromium driven by Playwright. Inside the private network
 * namespace the test run makes (scripts/netns.sh), pages reach each other
 * over the veth address 198.18.0.1, so Chromium gathers host candidates;
 * outside it (not root), the same tests run on this host with mDNS hiding off.
 */
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright';
import { createServer, type ViteDevServer } from 'vite';
import { pyodideAssets } from '../python/vite.ts';
import { startServer, type RunningServer } from '../server/app.ts';
import type { ServerConfig } from '../server/config.ts';
import type { ResearchStore, SessionRow } from '../server/research/store.ts';
import { chromiumLaunchOptions } from './chromium.ts';
import type { LinkPairOptions, LinkPairResult, PlayOptions, PlayResult, SeenScores, SignalingSummary, UploadSummary, WatchOptions, WatchResult } from './types.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The address pages use to reach the servers: the namespace's veth address when there is one. */
export function hostAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && a.address === '198.18.0.1') return a.address;
  }
  return '127.0.0.1';
}

export const inNamespace = () => hostAddress() === '198.18.0.1';

export interface E2E {
  server: RunningServer;
  serverUrl: string;
  pageUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function startE2E(serverConfig: Partial<ServerConfig> = {}, extraArgs: string[] = []): Promise<E2E> {
  const host = hostAddress();
  const vite: ViteDevServer = await createServer({
    root,
    configFile: false,
    logLevel: 'error',
    server: { host, port: 0, strictPort: false, hmr: false },
    optimizeDeps: { entries: ['harness/page/index.html'], include: ['socket.io-client', 'comlink'] },
    plugins: [pyodideAssets()],
  });
  await vite.listen();
  const address = vite.httpServer!.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // The pages come from Vite's origin: the server allows it for WebSockets (and CORS).
  const server = await startServer({
    port: 0,
    host,
    dataDir: ':memory:',
    ...serverConfig,
    corsOrigins: [`http://${host}:${port}`, ...(serverConfig.corsOrigins ?? [])],
  }).catch(async (e: unknown) => {
    await vite.close();
    throw e;
  });
  const browser = await chromium.launch(chromiumLaunchOptions(extraArgs));
  return {
    server,
    serverUrl: `http://${host}:${server.port}`,
    pageUrl: `http://${host}:${port}/harness/page/index.html`,
    browser,
    async close() {
      await browser.close();
      await vite.close();
      await server.close();
    },
  };
}

let pages = 0;

export async function openPage(e2e: E2E): Promise<Page> {
  const pageNumber = pages++;
  const context = await e2e.browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('[page error]', err.message));
  // NETROLL_E2E_CONSOLE=1 prints every page's console (for reading what a failing run did).
  if (process.env.NETROLL_E2E_CONSOLE === '1') page.on('console', (m) => console.log(`[page ${pageNumber}] ${m.type()}: ${m.text()}`));
  // The first page of a run waits for Vite to transform the page's modules: on a busy machine that can pass 30 s.
  await page.goto(e2e.pageUrl, { timeout: 60_000 });
  await page.waitForFunction(() => 'e2e' in globalThis, undefined, { timeout: 30_000 });
  return page;
}

/** Open `n` test pages at once (each in its own browser context). */
export function openPages(e2e: E2E, n: number): Promise<Page[]> {
  return Promise.all(Array.from({ length: n }, () => openPage(e2e)));
}

type E2EApi = {
  join(o: PlayOptions): Promise<{ playerIndex: number; openMs: number | null }>;
  waitConfirmed(frame: number, timeoutMs: number): Promise<number>;
  result(): Promise<PlayResult>;
  closeChannel(peer: number): number;
  dropSignaling(): number;
  uploads(): UploadSummary | null;
  /** The engine's stats now (the fields the tests read). */
  stats(): Promise<{ frame: number; confirmedFrame: number; pausedTicks: number }>;
  hideFor(ms: number): Promise<void>;
  linkPair(o: LinkPairOptions): Promise<LinkPairResult>;
  leave(): Promise<void>;
  /** Cut the page's game traffic on every link, both ways, for `ms` (a page-level cut; resolves with the page time it ended). */
  blackout(ms: number): Promise<number>;
  /** The page's absence and rejoin events (`peer-absent`, `peer-returned`, `rejoining`, `transfer`), each with `type` and page time `at`. */
  rejoinEvents(): ({ type: string; at: number } & Record<string, unknown>)[];
  seenScores(): SeenScores[];
  recordRows(): Promise<Record<string, number>[]>;
  watch(o: WatchOptions): Promise<{ spectatorId: string; path: string; feeder: number }>;
  watchResult(): Promise<WatchResult>;
  spectatorJunk(n: number): number;
  unwatch(): Promise<void>;
  now(): number;
  signalingInfo(): SignalingSummary;
  markRelay(): void;
};

/** Call `window.e2e[name](...args)` in the page. */
export function call<K extends keyof E2EApi>(page: Page, name: K, ...args: Parameters<E2EApi[K]>): Promise<Awaited<ReturnType<E2EApi[K]>>> {
  return page.evaluate(
    ([n, a]) => (globalThis as unknown as { e2e: Record<string, (...x: unknown[]) => unknown> }).e2e[n as string]!(...(a as unknown[])),
    [name, args] as const,
  ) as Promise<Awaited<ReturnType<E2EApi[K]>>>;
}

/** Join every page into one room (player i gets input seed 1000 + i); resolves when every page joined. */
export function joinRoom(pages: Page[], options: Omit<PlayOptions, 'inputSeed'>): Promise<{ playerIndex: number; openMs: number | null }[]> {
  return Promise.all(pages.map((p, i) => call(p, 'join', { ...options, inputSeed: 1000 + i })));
}

/** Wait until every page confirmed `frame` frames (bounded: 3× real time + 30 s unless `timeoutMs`); returns their confirmed frames. */
export function waitFrames(pages: Page[], frame: number, timeoutMs = (frame / 60) * 1000 * 3 + 30_000): Promise<number[]> {
  return Promise.all(pages.map((p) => call(p, 'waitConfirmed', frame, timeoutMs)));
}

/** Every page's result. */
export function results(pages: Page[]): Promise<PlayResult[]> {
  return Promise.all(pages.map((p) => call(p, 'result')));
}

/**
 * Every page's result once each has ended its session (bounded by `timeoutMs`). A session ends a moment after
 * its last frame is confirmed: the worker first waits (at most 120 ticks) for its last hash samples to be acked.
 */
export function resultsWhenEnded(pages: Page[], timeoutMs = 15_000): Promise<PlayResult[]> {
  return until(async () => {
    const rs = await results(pages);
    return rs.every((r) => r.ended !== null) ? rs : null;
  }, timeoutMs, 'every page to end its session');
}

/** Join every page into one room and play until all confirm `frames` frames. */
export async function playRoom(pages: Page[], options: Omit<PlayOptions, 'inputSeed'>): Promise<PlayResult[]> {
  await joinRoom(pages, options);
  await waitFrames(pages, options.frames);
  return results(pages);
}

/** Leave the game on every page still open (errors from closed pages are ignored). */
/**
 * End a page the way a crash or a killed browser does: no `pagehide`, no goodbye to the
 * server, its connections simply go away. (Closing a page runs `pagehide`, where a session
 * without a rejoin window tells the server it leaves.)
 */
export async function crashPage(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const crashed = new Promise<void>((resolve) => page.once('crash', () => resolve()));
  // The renderer dies before it can answer: the command never settles, so it is not awaited.
  void cdp.send('Page.crash').catch(() => undefined);
  await Promise.race([crashed, sleep(5000)]);
  await Promise.race([page.close().catch(() => undefined), sleep(5000)]);
}

export async function leaveAll(pages: Page[]): Promise<void> {
  await Promise.all(pages.filter((p) => !p.isClosed()).map((p) => call(p, 'leave').catch(() => undefined)));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll `check` every 200 ms until it returns a truthy value (returned) or `timeoutMs` passes (throws, naming `what`). */
export async function until<T>(check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await check();
    if (v) return v;
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * Wait until `reports` final reports (input logs of `frames` frames) of
 * `sessionId` are stored, then for the server's parity check over them;
 * returns the session's row (its `parity_status` is for the test to check).
 */
export async function parityAfterFinalReports(store: Pick<ResearchStore, 'inputLogs' | 'session'>, sessionId: string, frames: number, reports = 2): Promise<SessionRow> {
  await until(async () => (await store.inputLogs(sessionId)).filter((l) => l.frames === frames).length === reports, 30_000, `${reports} final reports`);
  return until(async () => {
    const s = await store.session(sessionId);
    return s?.parity_checked_at ? s : null;
  }, 20_000, 'the parity check');
}
