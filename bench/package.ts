/**
 * The packaging check: `npm run bench:package` (readable) or
 * `npm run bench:package -- --json` (one JSON object on the last line).
 *
 * What a new user does, measured:
 * 1. `npm pack` the page library (`netroll`, from dist/) and the server
 *    (`@netroll/server`, from server/dist/); both must be built first
 *    (`npm run build`).
 * 2. Make a fresh app in a temporary directory from bench/package-app: its
 *    own game (game.ts), its own worker file (netroll.worker.ts) and a page
 *    that plays two sessions over netroll's in-memory network.
 * 3. `npm install` the page tarball alone: `installMs`, and the size of
 *    node_modules it leaves (`nodeModulesBytes`, `nodeModulesPackages`), and
 *    whether anything needs a native build (`nativePackages`: packages with
 *    install scripts, a binding.gyp or a compiled `.node` file).
 * 4. `npm install` Vite (the same version this repository uses):
 *    `bundlerInstallMs`; `vite build`: `viteBuildMs`, and the gzip size of the
 *    app's page and worker JavaScript.
 * 5. Serve the build and open it in Chromium: two sessions, each with its own
 *    worker, must confirm 240 frames with identical input logs and equal
 *    confirmed hashes (`appConfirmedFrames`).
 * 6. The same for the drop-in worker bundle on a plain static page with no
 *    bundler (an import map to the installed packages' files):
 *    `dropinConfirmedFrames`.
 * 7. The server tarball runs on its own: unpacked, with the server's
 *    dependencies available, `netroll serve` starts, answers /healthz and
 *    serves the admin dashboard with uPlot (`serverStartMs`).
 *
 * Installs prefer npm's cache (`--prefer-offline`), as a developer's second
 * install would; a cold install also downloads. Times are wall clock on
 * whatever else the machine is doing.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright';
import { chromiumLaunchOptions } from '../harness/chromium.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const template = join(root, 'bench', 'package-app');
/** Limits for each step on a loaded machine. */
const STEP_TIMEOUT_MS = 5 * 60_000;
const PLAY_TIMEOUT_MS = 90_000;

/** What one page run reports (bench/package-app/main.ts, static/main.js). */
export interface PlayResult {
  frames: number[];
  hashes: number[];
  logsEqual: boolean;
  renders: number;
  error?: string;
}

/** The packaging figures. */
export interface PackageFigures {
  pageTarballBytes: number;
  serverTarballBytes: number;
  /** Files in the page tarball. */
  pageTarballFiles: string[];
  /** Files in the server tarball. */
  serverTarballFiles: string[];
  installMs: number;
  nodeModulesBytes: number;
  nodeModulesPackages: number;
  /** Packages installed with the page library that would build native code (should be none). */
  nativePackages: string[];
  /** What the page library installed, by package name. */
  installedPackages: string[];
  bundlerInstallMs: number;
  viteBuildMs: number;
  appPageGzipBytes: number;
  appWorkerGzipBytes: number;
  app: PlayResult;
  dropin: PlayResult;
  serverStartMs: number;
  /** `GET /admin/assets/uplot.js` status from the unpacked server tarball. */
  serverAdminAssetStatus: number;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(cmd, args, {
    cwd,
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: STEP_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
}

function timed<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const v = f();
  return [v, performance.now() - t0];
}

function duBytes(path: string): number {
  const info = lstatSync(path);
  if (info.isSymbolicLink()) return 0;
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of readdirSync(path)) total += duBytes(join(path, entry));
  return total;
}

/** Every package directory under a node_modules (scoped ones included). */
function packageDirs(nodeModules: string): string[] {
  const out: string[] = [];
  if (!existsSync(nodeModules)) return out;
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const dir = join(nodeModules, entry);
    if (entry.startsWith('@')) {
      for (const sub of readdirSync(dir)) out.push(join(dir, sub), ...packageDirs(join(dir, sub, 'node_modules')));
    } else out.push(dir, ...packageDirs(join(dir, 'node_modules')));
  }
  return out;
}

function hasFile(dir: string, test: (name: string) => boolean, depth = 4): boolean {
  if (depth < 0) return false;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    if (entry.isFile() && test(entry.name)) return true;
    if (entry.isDirectory() && hasFile(join(dir, entry.name), test, depth - 1)) return true;
  }
  return false;
}

function isNative(dir: string): boolean {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string>; gypfile?: boolean };
  const scripts = pkg.scripts ?? {};
  if (pkg.gypfile || scripts.install || scripts.preinstall || scripts.postinstall) return true;
  return hasFile(dir, (name) => name === 'binding.gyp' || name.endsWith('.node'));
}

function pack(args: string[]): { file: string; size: number; files: string[] } {
  const out = run('npm', ['pack', '--json', '--ignore-scripts', ...args], root);
  const [info] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; size: number; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack ${args.join(' ')} reported nothing`);
  return { file: info.filename, size: info.size, files: info.files.map((f) => f.path).sort() };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

/** A static file server on 127.0.0.1 for `dir` (no directory listings, no path escapes). */
function serveStatic(dir: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const file = join(dir, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, origin: `http://127.0.0.1:${port}` });
    });
  });
}

/** Open `url` in Chromium and wait for the page's `window.netrollResult`. */
async function playInChromium(url: string): Promise<PlayResult> {
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as { netrollResult?: unknown }).netrollResult !== undefined, undefined, { timeout: PLAY_TIMEOUT_MS });
    const result = await page.evaluate(() => (globalThis as unknown as { netrollResult: PlayResult }).netrollResult);
    if (errors.length > 0 && result.error === undefined) result.error = errors.join('\n');
    return result;
  } finally {
    await browser.close();
  }
}

function gzipOf(dir: string, test: (name: string) => boolean): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += gzipOf(path, test);
    else if (test(entry.name)) total += gzipSync(readFileSync(path), { level: 9 }).length;
  }
  return total;
}

/** Start the unpacked server tarball's `netroll serve` and check it serves. */
async function tryServer(tarball: string, work: string): Promise<{ startMs: number; adminAssetStatus: number }> {
  const dir = join(work, 'server-package');
  mkdirSync(dir);
  run('tar', ['-xzf', tarball, '-C', dir], work);
  const pkgDir = join(dir, 'package');
  // The server's own dependencies (socket.io, better-sqlite3, pg, zod, uplot), as installed in this repository.
  symlinkSync(join(root, 'node_modules'), join(pkgDir, 'node_modules'), 'dir');
  const token = 'package-check-token';
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, ['bin/netroll.mjs', 'serve', '--port', '0', '--host', '127.0.0.1'], {
    cwd: pkgDir,
    env: { ...process.env, NETROLL_DATA_DIR: ':memory:', NETROLL_ADMIN_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`netroll serve did not start in 30 s:\n${output}`)), 30_000);
      const check = (): void => {
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stdout?.on('data', check);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`netroll serve exited (${code}):\n${output}`));
      });
    });
    const startMs = performance.now() - t0;
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    if (!health.ok) throw new Error(`/healthz answered ${health.status}`);
    const asset = await fetch(`http://127.0.0.1:${port}/admin/assets/uplot.js?token=${token}`);
    await asset.arrayBuffer();
    return { startMs, adminAssetStatus: asset.status };
  } finally {
    child.kill('SIGTERM');
  }
}

/** Run the whole check in a fresh temporary directory (removed afterwards unless `keep`). */
export async function measurePackage(options: { keep?: boolean; log?: (line: string) => void } = {}): Promise<PackageFigures> {
  const log = options.log ?? (() => {});
  for (const file of ['dist/netroll.js', 'dist/netroll-worker.js', 'dist/types/main/index.d.ts', 'server/dist/cli.js']) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  const work = mkdtempSync(join(tmpdir(), 'netroll-package-'));
  const servers: Server[] = [];
  try {
    log('npm pack');
    const page = pack(['--pack-destination', work]);
    const server = pack(['--pack-destination', work, '-w', 'server']);
    const app = join(work, 'app');
    cpSync(template, app, { recursive: true });
    const vite = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.vite;
    writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'netroll-package-app', private: true, type: 'module' }, null, 2)}\n`);
    const npmEnv = { npm_config_prefer_offline: 'true' };

    log('npm install the page library');
    const [, installMs] = timed(() => run('npm', ['install', '--no-audit', '--no-fund', join(work, page.file)], app, npmEnv));
    const nodeModules = join(app, 'node_modules');
    const nodeModulesBytes = duBytes(nodeModules);
    const dirs = packageDirs(nodeModules);
    const installedPackages = dirs.map((d) => d.slice(nodeModules.length + 1).split(`${sep}node_modules${sep}`).join(' > ')).sort();
    const nativePackages = dirs.filter(isNative).map((d) => d.slice(nodeModules.length + 1));

    log(`npm install vite@${vite}`);
    const [, bundlerInstallMs] = timed(() => run('npm', ['install', '--no-audit', '--no-fund', '--save-dev', `vite@${vite}`], app, npmEnv));
    log('vite build');
    const [, viteBuildMs] = timed(() => run(join(app, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], app));
    const assets = join(app, 'dist', 'assets');
    const appWorkerGzipBytes = gzipOf(assets, (n) => n.endsWith('.js') && n.includes('worker'));
    const appPageGzipBytes = gzipOf(assets, (n) => n.endsWith('.js') && !n.includes('worker'));

    log('play the Vite build in Chromium');
    const built = await serveStatic(join(app, 'dist'));
    servers.push(built.server);
    const appResult = await playInChromium(`${built.origin}/index.html`);

    log('play the drop-in bundle on a plain page');
    const plain = await serveStatic(app);
    servers.push(plain.server);
    const dropin = await playInChromium(`${plain.origin}/static/index.html`);

    log('start the server tarball');
    const served = await tryServer(join(work, server.file), work);

    return {
      pageTarballBytes: page.size,
      serverTarballBytes: server.size,
      pageTarballFiles: page.files,
      serverTarballFiles: server.files,
      installMs,
      nodeModulesBytes,
      nodeModulesPackages: dirs.length,
      nativePackages,
      installedPackages,
      bundlerInstallMs,
      viteBuildMs,
      appPageGzipBytes,
      appWorkerGzipBytes,
      app: appResult,
      dropin,
      serverStartMs: served.startMs,
      serverAdminAssetStatus: served.adminAssetStatus,
    };
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    if (!options.keep) rmSync(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const figures = await measurePackage({ keep: process.argv.includes('--keep'), log: json ? undefined : (l) => console.error(`… ${l}`) });
  const summary = {
    installMs: Math.round(figures.installMs),
    nodeModulesBytes: figures.nodeModulesBytes,
    nodeModulesMB: Number((figures.nodeModulesBytes / 1e6).toFixed(2)),
    nodeModulesPackages: figures.nodeModulesPackages,
    nativePackages: figures.nativePackages,
    installedPackages: figures.installedPackages,
    pageTarballBytes: figures.pageTarballBytes,
    serverTarballBytes: figures.serverTarballBytes,
    bundlerInstallMs: Math.round(figures.bundlerInstallMs),
    viteBuildMs: Math.round(figures.viteBuildMs),
    appPageGzipBytes: figures.appPageGzipBytes,
    appWorkerGzipBytes: figures.appWorkerGzipBytes,
    appConfirmedFrames: Math.min(...figures.app.frames),
    appPlayed: figures.app.logsEqual && figures.app.hashes[0] === figures.app.hashes[1] && figures.app.error === undefined,
    dropinConfirmedFrames: Math.min(...figures.dropin.frames),
    dropinPlayed: figures.dropin.logsEqual && figures.dropin.hashes[0] === figures.dropin.hashes[1] && figures.dropin.error === undefined,
    serverStartMs: Math.round(figures.serverStartMs),
    serverAdminAssetStatus: figures.serverAdminAssetStatus,
    node: process.version,
    date: new Date().toISOString(),
  };
  if (json) console.log(JSON.stringify(summary));
  else for (const [k, v] of Object.entries(summary)) console.log(`${k.padEnd(24)} ${Array.isArray(v) ? v.join(', ') || '(none)' : String(v)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
