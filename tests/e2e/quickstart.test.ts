/**
 * The README's quick start, followed word for word from a fresh clone: the
 * commands are read from the README's "Quick start" code block (so this test
 * breaks when the README changes), run in order in a `git clone` of this
 * repository (committed files only) up to and including `npm start`, whose
 * printed URL two Chromium pages then open and connect on.
 *
 * What is not word for word, and why:
 * - PORT is set to a free port so the run never clashes with a real 8080.
 * - Commands after `npm start` in the block are not run: `npm test` is the
 *   command that runs this very test.
 * - The end-to-end suite runs in a private network namespace without
 *   internet (scripts/netns.sh), so the clone's `npm ci` must install from
 *   this machine's npm cache, which the outer `npm ci` of the same lockfile
 *   filled: the test sets `npm_config_prefer_offline=true` (use cached data
 *   without revalidating), no fetch retries (a cache miss fails fast instead
 *   of retrying for minutes), and turns off npm's update check and audit.
 *   This needs the cache to hold what `npm ci` of this lockfile reads, which
 *   `npm test` ensures: its `npm ci` (scripts/ensure-deps.mjs) runs outside
 *   the namespace first. (Packages added with `npm install <name>` and never
 *   installed by `npm ci` may miss the metadata `npm ci` asks for.)
 *   better-sqlite3 builds from source there (its prebuilt download is
 *   unreachable), hence the long limit.
 * - `NETROLL_QUICKSTART_FROM=worktree` copies the working tree instead of
 *   cloning (to try uncommitted README or start-script changes).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ShellRun,
  freePort,
  launchChromium,
  openDemoPages,
  pageUrl,
  runShell,
  runToEnd,
  shellEnv,
  waitConnected,
  waitForDemoUrl,
} from './demo-driver.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Install (npm ci, better-sqlite3 from source), demo build and server start, on a loaded CI machine. */
const START_LIMIT_MS = 12 * 60_000;

/** The shell commands of the README's "Quick start" code block, comments and blank lines removed. */
function quickStartCommands(readme: string): string[] {
  const section = /^##\s+Quick start\s*$([\s\S]*?)(?=^##\s|(?![\s\S]))/im.exec(readme)?.[1];
  if (section === undefined) throw new Error('README.md has no "## Quick start" section');
  const block = /```(?:sh|bash|shell|console)?\s*\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('the Quick start section has no code block');
  return block
    .split('\n')
    .map((line) => line.replace(/^\s*\$\s+/, '').replace(/\s+#.*$/, '').replace(/^#.*$/, '').trim())
    .filter((line) => line !== '');
}

let dir: string | null = null;
let server: ShellRun | null = null;
let browser: Browser | null = null;
afterAll(async () => {
  await browser?.close();
  const code = await server?.stop();
  if (server) console.log(`quick start's npm start stopped (exit ${code}); its output:\n${server.output().trim().slice(-6000)}`);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('README quick start', () => {
  it('from a fresh clone: the quick start commands install, start, and two pages connect', async () => {
    dir = mkdtempSync(join(tmpdir(), 'netroll-quickstart-'));
    const clone = join(dir, 'netroll');
    const env = shellEnv({
      npm_config_prefer_offline: 'true',
      // Without the registry, a cache miss should fail in seconds, not retry for minutes.
      npm_config_fetch_retries: '0',
      npm_config_fetch_timeout: '20000',
      npm_config_update_notifier: 'false',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
    });
    if (process.env.NETROLL_QUICKSTART_FROM === 'worktree') {
      const skip = /^(node_modules|dist|data|test-results|coverage|\.git|\.vite)(\/|$)/;
      cpSync(root, clone, { recursive: true, filter: (src) => !skip.test(relative(root, src)) });
    } else {
      await runToEnd(`git clone --quiet ${JSON.stringify(root)} ${JSON.stringify(clone)}`, dir, env, 120_000);
    }

    const commands = quickStartCommands(readFileSync(join(clone, 'README.md'), 'utf8'));
    const startAt = commands.findIndex((c) => c === 'npm start');
    expect(startAt, `the quick start runs \`npm start\`: ${JSON.stringify(commands)}`).toBeGreaterThanOrEqual(0);
    const port = await freePort();
    const runEnv = { ...env, PORT: String(port) };
    for (const command of commands.slice(0, startAt)) await runToEnd(command, clone, runEnv, START_LIMIT_MS);

    const started = Date.now();
    server = runShell(commands[startAt]!, clone, runEnv);
    const printed = await waitForDemoUrl(server, START_LIMIT_MS);
    console.log(`quick start: \`npm start\` in a fresh clone printed ${printed.href} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expect(printed.port).toBe(String(port));

    browser = await launchChromium();
    const pages = await openDemoPages(browser, pageUrl(printed), 2);
    const joined = await waitConnected(pages, 60_000);
    expect(joined.map((j) => j.player).sort()).toEqual([0, 1]);
    for (const j of joined) expect(j.connection).not.toBe('');
  }, START_LIMIT_MS + 3 * 60_000);
});
