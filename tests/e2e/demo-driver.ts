/**
 * Drives the demo the way a person does: runs `npm start` (or another shell
 * command) as a child process, waits for the URL it prints, opens pages in
 * Chromium, plays with the keyboard, and reads what the pages show through
 * `window.netroll` and the canvas pixels. Shared by demo.test.ts and
 * quickstart.test.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { Browser, Page } from 'playwright';
import { chromium } from 'playwright';
import { chromiumLaunchOptions } from '../../harness/chromium.ts';
import type { DemoGlobal } from '../../demo/page-view.ts';
import { hostAddress } from '../../harness/e2e.ts';


/** A free TCP port (so a test never clashes with 8080 or with another run). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '0.0.0.0', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The environment of a fresh shell: this process's, less what npm and vitest
 * put there for their own children (`npm_*`, `INIT_CWD`, `VITEST*`, `NODE_OPTIONS`),
 * plus `extra`.
 */
export function shellEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|INIT_CWD$|VITEST|NODE_OPTIONS$|NODE_ENV$|TEST$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export interface ShellRun {
  readonly child: ChildProcess;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** SIGTERM the process group this run started (SIGKILL after `graceMs`); resolves when it exited. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Run `command` with `sh -c` in its own process group (so it and its children can be stopped together). */
export function runShell(command: string, cwd: string, env: NodeJS.ProcessEnv, echo?: (line: string) => void): ShellRun {
  const child = spawn('sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const take = (chunk: Buffer) => {
    const text = chunk.toString();
    out += text;
    if (echo) for (const line of text.split('\n')) if (line.trim() !== '') echo(line);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    child,
    output: () => out,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      signalGroup('SIGKILL'); // anything of ours left in the group
      return code;
    },
  };
}

/** Run `command` to completion; rejects with its output on a non-zero exit or after `timeoutMs`. */
export async function runToEnd(command: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  const run = runShell(command, cwd, env);
  const timer = setTimeout(() => void run.stop(), timeoutMs);
  const code = await run.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`\`${command}\` exited with ${code} (limit ${timeoutMs} ms):\n${run.output().slice(-4000)}`);
  return run.output();
}

/** Wait until `run` prints the demo's "open http://... in two tabs" line; returns that URL. */
export async function waitForDemoUrl(run: ShellRun, timeoutMs: number): Promise<URL> {
  const started = Date.now();
  for (;;) {
    const m = /netroll demo: open (http:\/\/\S+) in two tabs/.exec(run.output());
    if (m) return new URL(m[1]!);
    if (run.child.exitCode !== null) throw new Error(`the server exited (${run.child.exitCode}) before printing its URL:\n${run.output().slice(-4000)}`);
    if (Date.now() - started > timeoutMs) throw new Error(`no URL printed within ${timeoutMs} ms:\n${run.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The printed URL as the pages reach it: same port, on the address pages use (the namespace's veth address when there is one). */
export function pageUrl(printed: URL): string {
  return `http://${hostAddress()}:${printed.port}/`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch(chromiumLaunchOptions());
}

/** Open `count` pages on `url`, each in its own browser context (like separate tabs of separate people). */
export async function openDemoPages(browser: Browser, url: string, count: number): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < count; i++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error(`[demo page ${i}] ${err.message}`));
    await page.goto(url);
    pages.push(page);
  }
  return pages;
}

/** Wait until every page says `connected`; returns each page's player index and `data-connection`. */
export async function waitConnected(pages: Page[], timeoutMs: number): Promise<{ player: number; connection: string }[]> {
  await Promise.all(pages.map((p) => p.waitForSelector('[data-status="connected"]', { timeout: timeoutMs })));
  return Promise.all(
    pages.map(async (p) => ({
      player: await p.evaluate(() => (globalThis as unknown as DemoGlobal).netroll?.session()?.assignment.playerIndex ?? -1),
      connection: (await p.getAttribute('[data-status]', 'data-connection')) ?? '',
    })),
  );
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Player positions (field units) in the page's newest render state. */
export async function playerPositions(page: Page): Promise<Point[]> {
  const players = await page.evaluate(
    () => (globalThis as unknown as DemoGlobal).netroll?.latestRender()?.state?.players.map((p) => ({ x: p.x, y: p.y })) ?? null,
  );
  if (!players) throw new Error('the page has no render state');
  return players;
}

/** The canvas colour (r, g, b) the page drew at field position `at`. */
export async function canvasColorAt(page: Page, at: Point): Promise<readonly [number, number, number]> {
  const rgb = await page.evaluate(({ x, y }) => (globalThis as unknown as DemoGlobal).netroll?.colorAt(x, y) ?? null, at);
  if (!rgb) throw new Error('the page has drawn no frame');
  return rgb;
}

/** The demo's player colours (demo/arena-view.ts PLAYER_COLORS) as RGB. */
export function playerRgb(index: number): [number, number, number] {
  const hex = ['4cc9f0', 'f72585', 'a7f432', 'ffb703', '9b5de5', 'ff7f51', '2ec4b6', 'e9ecef'][index % 8]!;
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

export const colorDistance = (a: readonly number[], b: readonly number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

/** Hold `keys` on `page` for `ms`, then release them. */
export async function holdKeys(page: Page, keys: readonly string[], ms: number): Promise<void> {
  for (const k of keys) await page.keyboard.down(k);
  await page.waitForTimeout(ms);
  for (const k of keys) await page.keyboard.up(k);
}

/**
 * Wait until the players are at rest and every page shows them at the same
 * place: all inputs confirmed, friction done. (Equal across pages alone is
 * not enough: two pages at the same frame agree mid-slide.)
 */
export async function waitSettled(pages: Page[], timeoutMs: number): Promise<Point[][]> {
  const end = Date.now() + timeoutMs;
  let previous = '';
  for (;;) {
    const all = await Promise.all(pages.map(playerPositions));
    const now = JSON.stringify(all[0]);
    const same = all.every((ps) => JSON.stringify(ps) === now);
    if ((same && now === previous) || Date.now() > end) {
      await Promise.all(pages.map((p) => animationFrames(p, 3)));
      return all;
    }
    previous = same ? now : '';
    await pages[0]!.waitForTimeout(300);
  }
}

/** Resolve after the page has drawn `n` more animation frames. */
export async function animationFrames(page: Page, n: number): Promise<void> {
  await page.evaluate(async (count) => {
    const raf = (globalThis as unknown as { requestAnimationFrame(cb: () => void): number }).requestAnimationFrame;
    for (let i = 0; i < count; i++) await new Promise<void>((resolve) => raf(() => resolve()));
  }, n);
}
