/**
 * The demo with `?game=py-slime`, started as the README says (`npm start`):
 * two pages are matched, each engine worker loads Pyodide from the demo's
 * own origin (dist/demo/pyodide/, emitted by the pyodideAssets plugin), and
 * a player moved with the keyboard moves on both pages; the engines agree.
 */
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright';
import { afterAll, describe, expect, it } from 'vitest';
import { type ShellRun, freePort, holdKeys, launchChromium, openDemoPages, pageUrl, runShell, shellEnv, waitConnected, waitForDemoUrl } from './demo-driver.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

let server: ShellRun | null = null;
let browser: Browser | null = null;
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

interface SlimeFrame {
  frame: number;
  state: { slimes: [number, number][]; ball: [number, number]; score: [number, number] } | null;
}

/** The newest render the engine delivered to `page` (the slime render dict). */
const latest = (page: Page) =>
  page.evaluate(() => {
    const s = (globalThis as unknown as { netroll?: { session(): { latestRender(): unknown } | null } }).netroll?.session();
    return (s?.latestRender() ?? null) as SlimeFrame | null;
  });
const stats = (page: Page) =>
  page.evaluate(() =>
    (globalThis as unknown as { netroll: { stats(): Promise<{ confirmedFrame: number; desyncs: number }> } }).netroll.stats(),
  );

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | null | false>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('the demo with the Python example (?game=py-slime)', () => {
  it('two pages play slime volleyball: keyboard moves the slime on both pages, no desync', async () => {
    const port = await freePort();
    server = runShell('npm start', root, shellEnv({ PORT: String(port) }));
    const printed = await waitForDemoUrl(server, 240_000);
    browser = await launchChromium();
    const pages = await openDemoPages(browser, `${pageUrl(printed)}?game=py-slime`, 2);
    const joined = await waitConnected(pages, 180_000);
    expect(joined.map((j) => j.player).sort()).toEqual([0, 1]);
    // The engines run the Python game: slime render states arrive on both pages.
    await Promise.all(pages.map((p) => until('slime renders', 120_000, async () => ((await latest(p))?.state?.slimes ? true : false))));
    const left = pages[joined.findIndex((j) => j.player === 0)]!;
    const startX = await Promise.all(pages.map(async (p) => (await latest(p))!.state!.slimes[0]![0]));
    await holdKeys(left, ['ArrowRight'], 1500);
    // Player 0's slime moved right, as both pages see it.
    await Promise.all(
      pages.map((p, i) => until(`player 0 moved on page ${i}`, 30_000, async () => ((await latest(p))!.state!.slimes[0]![0] > startX[i]! + 3000 ? true : false))),
    );
    const s = await Promise.all(pages.map(stats));
    for (const x of s) {
      expect(x.confirmedFrame).toBeGreaterThan(60);
      expect(x.desyncs).toBe(0);
    }
  }, 600_000);
});
