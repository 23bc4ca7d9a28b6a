/**
 * `npm run bench:python-browser [-- --json] [--runs N]`: the drop-in worker's
 * first-game-ready time for a Python game in Chromium — from `new Worker`
 * (the built drop-in bundle, a blob worker) to a configured session: the
 * worker started, Pyodide loaded from the page's own origin, slime.py
 * fetched and run, the class ready. Each run uses a fresh browser context
 * (empty HTTP cache). Prints the median and every run; asserts nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { startE2E } from '../harness/e2e.ts';
import type { DropinOptions } from '../tests/e2e/python-types.ts';
import { median, sig } from './stats.ts';

const { values } = parseArgs({ options: { json: { type: 'boolean' }, runs: { type: 'string' } } });
const runs = Math.max(1, Math.min(20, Number(values.runs ?? 3) || 3));
const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'netroll-dropin-'));
const e2e = await startE2E().catch((e: unknown) => {
  rmSync(outDir, { recursive: true, force: true });
  throw e;
});
try {
  await build({ configFile: join(root, 'vite.config.ts'), mode: 'dropin', logLevel: 'warn', build: { outDir, emptyOutDir: true, sourcemap: false } });
  const bundle = readFileSync(join(outDir, 'netroll-worker.js'), 'utf8');
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const context = await e2e.browser.newContext();
    const page = await context.newPage();
    await page.goto(new URL('/tests/e2e/page/python-dropin.html', e2e.pageUrl).href);
    await page.waitForFunction(() => 'pyDropin' in globalThis, undefined, { timeout: 60_000 });
    const o: DropinOptions = { bundle, gameUrl: '/examples/python/slime.py#SlimeVolley', game: 'py-slime', frames: 0 };
    samples.push(
      await page.evaluate((a) => (globalThis as unknown as { pyDropin: { readyMs(x: DropinOptions): Promise<number> } }).pyDropin.readyMs(a), o),
    );
    await context.close();
  }
  const result = { pythonDropinReadyMs: sig(median(samples), 4), pythonDropinReadyRunsMs: samples.map((s) => Math.round(s)) };
  if (values.json) console.log(JSON.stringify(result));
  else console.log(`drop-in worker, Python game first ready in Chromium: median ${result.pythonDropinReadyMs} ms (runs: ${result.pythonDropinReadyRunsMs.join(', ')} ms)`);
} finally {
  await e2e.close();
  rmSync(outDir, { recursive: true, force: true });
}
