/**
 * The demo, started exactly as the README says (`npm start`, with PORT set to
 * a free port), played in two Chromium pages with the keyboard: both connect,
 * both players move on both pages (render states and canvas pixels), and
 * each page's screenshot is saved under test-results/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Point,
  type ShellRun,
  canvasColorAt,
  colorDistance,
  freePort,
  holdKeys,
  launchChromium,
  openDemoPages,
  pageUrl,
  playerPositions,
  playerRgb,
  runShell,
  shellEnv,
  waitConnected,
  waitForDemoUrl,
  waitSettled,
} from './demo-driver.ts';
import type { DemoGlobal } from '../../demo/page-view.ts';
import { until } from '../../harness/e2e.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outDir = join(root, 'test-results');

/** Keys each page holds, and the direction they move its player: page 0 uses the arrows, page 1 WASD. */
const CONTROLS = [
  { keys: ['ArrowRight', 'ArrowDown'], dx: 1, dy: 1 },
  { keys: ['KeyA', 'KeyW'], dx: -1, dy: -1 },
] as const;

let server: ShellRun | null = null;
let browser: Browser | null = null;
afterAll(async () => {
  await browser?.close();
  const code = await server?.stop();
  if (server) console.log(`npm start stopped (exit ${code}); its output:\n${server.output().trim()}`);
});

/** The round (episode) the page shows. */
const round = (page: Page) => page.evaluate(() => (globalThis as unknown as DemoGlobal).netroll!.latestRender()!.episode);

/** Expect the player colour at `at` on `page` (the canvas shows that player there). */
async function expectPlayerDrawnAt(page: Page, player: number, at: Point): Promise<void> {
  const rgb = await canvasColorAt(page, at);
  expect(colorDistance(rgb, playerRgb(player)), `player ${player + 1} drawn at (${at.x.toFixed(1)}, ${at.y.toFixed(1)}): got rgb(${rgb.join(',')})`).toBeLessThan(48);
}

describe('the demo (npm start)', () => {
  it('two pages connect, both players move on both canvases, screenshots saved', async () => {
    const port = await freePort();
    server = runShell('npm start', root, shellEnv({ PORT: String(port) }));
    const printed = await waitForDemoUrl(server, 120_000);
    expect(printed.port).toBe(String(port));
    expect(printed.hostname).toBe('localhost');

    browser = await launchChromium();
    const pages = await openDemoPages(browser, pageUrl(printed), 2);
    const joined = await waitConnected(pages, 60_000);
    expect(joined.map((j) => j.player).sort()).toEqual([0, 1]);
    for (const j of joined) expect(['host', 'srflx', 'prflx', 'relay', 'relay-server']).toContain(j.connection);
    const sessions = await Promise.all(pages.map((p) => p.evaluate(() => (globalThis as unknown as DemoGlobal).netroll!.session()!.assignment.sessionId)));
    expect(sessions[0]).toBe(sessions[1]);

    // A round ending resets everyone to the start: if one ends while the players move, play that part again.
    let before: Point[] = [];
    let after: Point[][] = [];
    for (let attempt = 1; ; attempt++) {
      const roundBefore = await round(pages[0]!);
      // Before: everyone at rest at the start positions, drawn where the state says.
      before = (await waitSettled(pages, 10_000))[0]!;
      for (const page of pages) for (const [player, at] of before.entries()) await expectPlayerDrawnAt(page, player, at);

      // Both people press keys at once, for about a second.
      await Promise.all(pages.map((page, i) => holdKeys(page, CONTROLS[i]!.keys, 1000)));

      // Once every input is confirmed and friction has stopped them, both pages agree on where the players are...
      after = await waitSettled(pages, 15_000);
      if ((await round(pages[0]!)) === roundBefore) break;
      if (attempt === 3) throw new Error('a round ended during each of three attempts');
    }
    expect(after[1]).toEqual(after[0]);
    const positions = after[0]!;
    // ...and each player went the way its page's keys pushed it.
    for (const [i, { player }] of joined.entries()) {
      const from = before[player]!;
      const to = positions[player]!;
      expect((to.x - from.x) * CONTROLS[i]!.dx, `player ${player + 1} x: ${from.x} → ${to.x}`).toBeGreaterThan(10);
      expect((to.y - from.y) * CONTROLS[i]!.dy, `player ${player + 1} y: ${from.y} → ${to.y}`).toBeGreaterThan(10);
    }
    // The canvases show it: each player's colour at its new position on both pages, not at its old one.
    for (const page of pages) {
      for (const [player, at] of positions.entries()) {
        await expectPlayerDrawnAt(page, player, at);
        expect(colorDistance(await canvasColorAt(page, before[player]!), playerRgb(player))).toBeGreaterThan(48);
      }
    }

    const stats = await Promise.all(pages.map((p) => p.evaluate(() => (globalThis as unknown as DemoGlobal).netroll!.stats())));
    for (const s of stats) {
      expect(s.desyncs).toBe(0);
      expect(s.confirmedFrame).toBeGreaterThan(60);
    }
    expect(await Promise.all(pages.map((p) => playerPositions(p)))).toEqual(after);

    // The demo plays on the shipped default: each page's engine holds its inputs channel. Its latency slider
    // impairs what that engine sends there, so the engine's RTT (input packet to ack) grows by it.
    const netroll = (p: Page) => p.evaluate(() => (globalThis as unknown as DemoGlobal).netroll!.stats());
    const rtt = async (p: Page) => Math.max(...(await netroll(p)).peers.map((x) => x.rttMs));
    for (const s of stats) expect(s.directChannels?.sent.some((n) => n > 0)).toBe(true);
    const rttBefore = await rtt(pages[0]!);
    await pages[0]!.evaluate(() => (globalThis as unknown as DemoGlobal).netroll!.impair({ latencyMs: 150 }));
    await until(async () => (await rtt(pages[0]!)) >= rttBefore + 120, 10_000, 'the RTT with 150 ms added');
    expect((await netroll(pages[0]!)).directChannels!.impairDelayed).toBeGreaterThan(0);
    await pages[0]!.evaluate(() => (globalThis as unknown as DemoGlobal).netroll!.impair({ latencyMs: 0 }));
    await until(async () => (await rtt(pages[0]!)) < rttBefore + 60, 10_000, 'the RTT back without the latency');

    mkdirSync(outDir, { recursive: true });
    for (const [i, page] of pages.entries()) await page.screenshot({ path: join(outDir, `demo-${i}.png`) });
  }, 240_000);
});
