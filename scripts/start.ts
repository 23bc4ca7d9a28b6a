/**
 * `npm start`: build the demo page and the example study (when their
 * sources are newer than the build), start the netroll server with the
 * embedded defaults serving them (the study at `/study/`), and print the
 * URL. Two tabs on that URL are matched into one game of
 * `arena`; `?players=3` or `?players=4` makes a bigger room.
 *
 * Configuration as for `tsx server/cli.ts` (flags after `npm start --`, or
 * environment: PORT, HOST, NETROLL_TURN_*...); the port is 8080 unless PORT
 * says otherwise. SIGINT/SIGTERM close the server.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { startServer, type RunningServer } from '../server/app.ts';
import { ConfigError, USAGE, parseConfig } from '../server/config.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'dist', 'demo');
const stamp = join(outDir, '.built');
/** What the demo bundle is made of: when any of it is newer than the last build, rebuild. */
const SOURCES = ['demo', 'main', 'worker', 'src', 'python', 'examples', 'vite.config.ts', 'package-lock.json'];

function newestMtime(path: string): number {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

async function buildDemo(): Promise<void> {
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  const newest = Math.max(...SOURCES.map((s) => newestMtime(join(root, s))));
  if (built > newest && existsSync(join(outDir, 'index.html'))) return;
  console.log('netroll: building the demo page (vite build --mode demo) ...');
  const started = performance.now();
  await build({ configFile: join(root, 'vite.config.ts'), mode: 'demo', logLevel: 'warn' });
  // The example study (examples/study) at /study/: after the demo, whose build empties dist/demo.
  await build({ configFile: join(root, 'vite.config.ts'), mode: 'study', logLevel: 'warn' });
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  console.log(`netroll: built dist/demo in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Extra lines printed under the URL once the server runs. The research layer
 * hooks in here (e.g. the admin dashboard URL and its token).
 */
function startupNotes(server: RunningServer): string[] {
  if (!server.store) return [];
  const dataDir = server.config.dataDir;
  const adminUrl = server.adminUrl.replace(/^http:\/\/[^/]+/, `http://localhost:${server.port}`);
  return [
    `research data: ${server.store.kind === 'postgres' ? `Postgres at ${server.store.location}` : dataDir === ':memory:' ? 'in memory (not kept)' : server.store.location}`,
    // A configured token is never printed (logs are kept); a generated one must be, once, or nobody could sign in.
    `admin dashboard: ${server.config.adminToken ? adminUrl.split('#')[0] : adminUrl}`,
    server.config.adminToken ? 'admin token: from NETROLL_ADMIN_TOKEN (sign in on the page)' : 'admin token: generated for this run (set NETROLL_ADMIN_TOKEN to keep one, and out of logs)',
  ];
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`netroll: ${err.message}`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  if (parsed.help) {
    process.stdout.write(USAGE.replace('tsx server/cli.ts', 'npm start --'));
    return;
  }
  await buildDemo();
  let server: RunningServer;
  try {
    server = await startServer({ ...parsed.config, staticDir: outDir });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    console.error(`netroll: port ${parsed.config.port} is in use; pick another, e.g. PORT=${parsed.config.port + 1} npm start`);
    process.exitCode = 1;
    return;
  }
  const local = server.config.host === '0.0.0.0' || server.config.host === '::' ? 'localhost' : new URL(server.url).hostname;
  console.log(`netroll demo: open http://${local}:${server.port} in two tabs`);
  console.log(`  3-4 players: http://${local}:${server.port}/?players=3 in three tabs (or ?players=4)`);
  console.log(`  example study: http://${local}:${server.port}/study/?participant=P01 (and P02 in a second tab; settings in examples/study/study.config.ts)`);
  for (const line of startupNotes(server)) console.log(`  ${line}`);
  console.log('  Ctrl+C stops the server.');

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error(`netroll: ${signal} again, exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.log(`netroll: ${signal}, closing the server`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('netroll: close failed', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('netroll:', err instanceof Error ? err.message : err);
  process.exit(1);
});
