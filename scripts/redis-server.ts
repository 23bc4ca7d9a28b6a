/**
 * A throwaway `redis-server` for tests, benchmarks and `npm run cluster`:
 * started on loopback on a free port, with no persistence (no RDB, no AOF)
 * and a memory cap, stopped by its PID. Nothing is written outside the
 * process's memory.
 *
 * Bounds: `maxmemory` (default 256 MB, `noeviction`: writes fail rather
 * than drop lobby state); start waits at most `startTimeoutMs` for the
 * server to accept connections; stop waits at most 5 s, then sends SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';

/** Where Debian's package installs the server. */
export const REDIS_SERVER_PATH = process.env['REDIS_SERVER_PATH'] ?? '/usr/bin/redis-server';

/** A running redis-server. */
export interface RedisProcess {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Stops it (SIGTERM, then SIGKILL after 5 s). Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface RedisOptions {
  /** Port; 0 (default) picks a free one. */
  readonly port?: number;
  /** `maxmemory`, e.g. `256mb` (default). */
  readonly maxMemory?: string;
  /** Longest wait for the server to accept connections, ms. Default 10,000. */
  readonly startTimeoutMs?: number;
}

/** A free TCP port on loopback (bound and released; a race with other processes is possible but unlikely). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on `port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts a redis-server on 127.0.0.1.
 *
 * @throws Error when redis-server is not installed (run `node scripts/ensure-system.mjs` as root) or does not start in time.
 */
export async function startRedis(options: RedisOptions = {}): Promise<RedisProcess> {
  if (!existsSync(REDIS_SERVER_PATH)) {
    throw new Error(`redis-server not found at ${REDIS_SERVER_PATH}: install it (Debian/Ubuntu: apt-get install -y redis-server, or node scripts/ensure-system.mjs as root)`);
  }
  const port = options.port || (await freePort());
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', 'no',
    '--maxmemory', options.maxMemory ?? '256mb',
    '--maxmemory-policy', 'noeviction',
    '--protected-mode', 'yes',
    '--loglevel', 'warning',
    '--daemonize', 'no',
  ];
  const child = spawn(REDIS_SERVER_PATH, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('redis-server did not start');
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr.trim()}`);
    if (await accepts(port)) break;
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      throw new Error(`redis-server did not accept connections on port ${port} in time`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  let stopping: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        process.kill(pid, 'SIGTERM');
        if (!(await waitExit(child, 5000))) {
          process.kill(pid, 'SIGKILL');
          await waitExit(child, 5000);
        }
      })()),
  };
}
