/**
 * A throwaway Postgres for one test file (or one benchmark or cluster run):
 * `initdb` into a fresh temporary directory, `postgres` on a free 127.0.0.1
 * port (no Unix socket), trust authentication for loopback only. Resolves
 * once the server accepts a connection; {@link Postgres.stop} stops that
 * process (by its PID, and only that one) and removes the directory.
 * Bounded: initdb at most 60 s, readiness at most `readyTimeoutMs` (30 s),
 * shutdown 5 s before SIGKILL, 64 KiB of log kept.
 *
 * Postgres refuses to run as root: when this process is root, initdb and
 * postgres run as the `postgres` system user (created by the Debian/Ubuntu
 * package), which owns the data directory.
 *
 * Binaries: `NETROLL_PG_BIN` (a directory), else the newest
 * `/usr/lib/postgresql/<version>/bin`, else `initdb`/`postgres` on PATH.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A running Postgres. */
export interface Postgres {
  /** The TCP port on 127.0.0.1. */
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: the maintenance database. */
  readonly url: string;
  /** The postgres server process id. */
  readonly pid: number;
  /**
   * Creates a new empty database and returns its URL (a fresh one per test
   * keeps tests apart; about 100 ms each).
   */
  createDatabase(name?: string): Promise<string>;
  /** The server's log so far (stdout and stderr, last 64 KiB). */
  log(): string;
  /**
   * Take the server down (fast shutdown), keeping its data: clients see
   * connection refused until {@link Postgres.up}. For outage tests.
   */
  down(): Promise<void>;
  /** Start it again on the same port with the same data; resolves when it accepts connections. */
  up(): Promise<void>;
  /** Stop this Postgres (SIGINT: fast shutdown; SIGKILL after 5 s) and remove its data directory. Idempotent. */
  stop(): Promise<void>;
}

/** Most log bytes kept in memory. */
const LOG_LIMIT = 64 * 1024;

/** The directory holding `initdb` and `postgres`, or null when none is found. */
export function findPostgresBin(): string | null {
  const env = process.env['NETROLL_PG_BIN'];
  if (env) return existsSync(join(env, 'postgres')) ? env : null;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  }
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'postgres')) && existsSync(join(dir, 'initdb'))) return dir;
  }
  return null;
}

/** A TCP port free on 127.0.0.1 right now. */
async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve());
  });
  const address = s.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** uid/gid to run Postgres as: the `postgres` user when we are root, else ourselves (undefined). */
function runAs(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    if (Number.isInteger(uid) && Number.isInteger(gid) && uid > 0) return { uid, gid };
  } catch {
    // fall through
  }
  throw new Error('Postgres refuses to run as root and there is no `postgres` system user (apt-get install postgresql creates it)');
}

/** A started `postgres` process. */
interface Running {
  readonly child: ChildProcess;
  readonly exit: Promise<void>;
  exited: boolean;
}

/** Start a throwaway Postgres on 127.0.0.1; resolves when it accepts connections (bounded by `readyTimeoutMs`). */
export async function startPostgres(options: { readyTimeoutMs?: number } = {}): Promise<Postgres> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('no Postgres binaries found (install postgresql, or set NETROLL_PG_BIN to the directory holding initdb and postgres)');
  const readyMs = options.readyTimeoutMs ?? 30_000;
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'netroll-pg-'));
  const data = join(dir, 'data');
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chmodSync(dir, 0o700);
  }
  const idOpts = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { ...process.env, LC_ALL: 'C' };
  try {
    execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], {
      ...idOpts,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 60_000,
      env,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const port = await freeTcpPort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let log = '';
  const append = (b: Buffer): void => {
    log = (log + b.toString()).slice(-LOG_LIMIT);
  };

  const launch = (): Running => {
    const child = spawn(
      join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', '', '-c', 'fsync=off', '-c', 'max_connections=200', '-c', 'shared_buffers=32MB'],
      { ...idOpts, stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    const running: Running = { child, exited: false, exit: Promise.resolve() };
    (running as { exit: Promise<void> }).exit = new Promise<void>((resolve) =>
      child.once('exit', () => {
        running.exited = true;
        resolve();
      }),
    );
    return running;
  };
  const halt = async (r: Running): Promise<void> => {
    if (r.exited || r.child.pid === undefined) return;
    process.kill(r.child.pid, 'SIGINT'); // fast shutdown
    const timer = setTimeout(() => {
      if (!r.exited && r.child.pid !== undefined) process.kill(r.child.pid, 'SIGKILL');
    }, 5000);
    await r.exit;
    clearTimeout(timer);
  };
  const ready = async (r: Running): Promise<void> => {
    const deadline = Date.now() + readyMs;
    for (;;) {
      if (r.exited) throw new Error(`postgres exited before accepting connections:\n${log}`);
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`postgres did not accept connections on 127.0.0.1:${port} within ${readyMs} ms:\n${log}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    }
  };

  let current = launch();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await halt(current);
      rmSync(dir, { recursive: true, force: true });
    })());
  try {
    await ready(current);
  } catch (e) {
    await stop();
    throw e;
  }
  let databases = 0;
  return {
    port,
    url,
    get pid() {
      return current.child.pid!;
    },
    async createDatabase(name = `t${process.pid}_${++databases}`) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`database name ${JSON.stringify(name)} is not a plain identifier`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    log: () => log,
    down: () => halt(current),
    async up() {
      if (!current.exited) return;
      current = launch();
      await ready(current);
    },
    stop,
  };
}
