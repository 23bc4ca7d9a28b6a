/**
 * Regenerates docs/screenshot.png (the README's picture): starts the demo
 * server, opens two pages, lets two simple bots chase coins with the keyboard
 * over a lightly impaired link, and captures the first page with its HUD.
 *
 *   npx tsx tests/e2e/demo-screenshot.ts [out.png]
 */
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright';
import {
  freePort,
  launchChromium,
  openDemoPages,
  pageUrl,
  runShell,
  shellEnv,
  waitConnected,
  waitForDemoUrl,
} from './demo-driver.ts';
import type { DemoGlobal } from '../../demo/page-view.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = process.argv[2] ?? fileURLToPath(new URL('../../docs/screenshot.png', import.meta.url));

/** Keys towards the nearest coin for `player`, from the page's newest state. */
async function chase(page: Page, player: number): Promise<string[]> {
  const state = await page.evaluate(() => (globalThis as unknown as DemoGlobal).netroll?.latestRender()?.state ?? null);
  const me = state?.players[player];
  if (!state || !me) return [];
  const coins = (state as unknown as { coins: { x: number; y: number }[] }).coins;
  let best = coins[0];
  for (const c of coins) if (best && Math.hypot(c.x - me.x, c.y - me.y) < Math.hypot(best.x - me.x, best.y - me.y)) best = c;
  if (!best) return [];
  const keys: string[] = [];
  if (best.x > me.x + 1) keys.push('ArrowRight');
  if (best.x < me.x - 1) keys.push('ArrowLeft');
  if (best.y > me.y + 1) keys.push('ArrowDown');
  if (best.y < me.y - 1) keys.push('ArrowUp');
  return keys;
}

const server = runShell('npx tsx scripts/start.ts', root, shellEnv({ PORT: String(await freePort()) }));
const browser = await launchChromium();
try {
  const url = pageUrl(await waitForDemoUrl(server, 120_000));
  const pages = await openDemoPages(browser, url, 2);
  const joined = await waitConnected(pages, 60_000);
  await pages[0]!.evaluate(() => (globalThis as unknown as { netroll: { impair(n: object): void } }).netroll.impair({ latencyMs: 20, jitterMs: 10 }));
  const held: Set<string>[] = pages.map(() => new Set());
  const status = () => pages[0]!.evaluate(() => (globalThis as unknown as DemoGlobal).netroll?.status().status);
  // Play ~16 s, then capture at a moment the page says "connected" (a loaded machine can make it say "lagging").
  const start = Date.now();
  while (Date.now() - start < 16_000 || ((await status()) !== 'connected' && Date.now() - start < 60_000)) {
    await Promise.all(
      pages.map(async (page, i) => {
        const want = new Set(await chase(page, joined[i]!.player));
        for (const k of held[i]!) if (!want.has(k)) await page.keyboard.up(k);
        for (const k of want) if (!held[i]!.has(k)) await page.keyboard.down(k);
        held[i] = want;
      }),
    );
    await pages[0]!.waitForTimeout(60);
  }
  await pages[0]!.screenshot({ path: out, fullPage: true });
  console.log(`saved ${out}`);
} finally {
  await browser.close();
  await server.stop();
}
