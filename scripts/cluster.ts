/**
 * `npm run cluster [-- --nodes N --port P --data-dir DIR]`: a netroll
 * cluster on this machine, on loopback: a throwaway redis-server, a
 * throwaway Postgres (when installed) and N server nodes (default 2) as child
 * processes on ports P, P+1, ... (default 8080), sharing that Redis and one
 * research store; prints every node's
 * URL. Each node serves the demo page when it was built (`npm start` builds
 * it). SIGINT/SIGTERM stop the nodes, then Redis, each by its PID.
 *
 * Flags: --nodes N (1..16), --port P (first node's port; 0 = free ports),
 * --data-dir DIR (research store shared by the nodes; default ./data),
 * --store postgres|sqlite (see researchStore below).
 * Other server settings come from the environment as for `npm start`
 * (NETROLL_TURN_*, NETROLL_ADMIN_TOKEN, ...); an admin token is generated
 * for the run when none is set, so the dashboard works on every node.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findPostgresBin, startPostgres } from '../harness/postgres.ts';
import { startServerProcess, type ServerProcess } from '../harness/server-process.ts';
import { startRedis } from './redis-server.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What the nodes' research store is: its environment for every node, and how to stop it. */
interface ResearchStoreSetup {
  /** Environment and flags given to every node. */
  readonly dataDir: string;
  readonly env: Readonly<Record<string, string>>;
  /** Printed under the node URLs. */
  readonly description: string;
  stop(): Promise<void>;
}

/**
 * The research store the nodes share: `NETROLL_DATABASE_URL` when set (a
 * Postgres of yours); otherwise a throwaway Postgres started here on
 * loopback when its binaries are installed (`--store postgres`, the default
 * then; its data is removed on exit, so export first); otherwise, or with
 * `--store sqlite`, the SQLite file in `dataDir`, opened by every node.
 */
async function researchStore(dataDir: string, kind: string | undefined): Promise<ResearchStoreSetup> {
  const external = process.env['NETROLL_DATABASE_URL'];
  if (external) return { dataDir, env: {}, description: 'research data: Postgres at NETROLL_DATABASE_URL (shared by the nodes)', stop: () => Promise.resolve() };
  if (kind === 'postgres' || (kind === undefined && findPostgresBin() !== null)) {
    const pg = await startPostgres();
    const url = await pg.createDatabase('netroll');
    return { dataDir, env: { NETROLL_DATABASE_URL: url }, description: `research data: Postgres ${url} (pid ${pg.pid}; throwaway: removed on exit, export first)`, stop: () => pg.stop() };
  }
  if (kind !== undefined && kind !== 'sqlite') throw new Error(`--store: expected postgres or sqlite, got ${JSON.stringify(kind)}`);
  return { dataDir, env: {}, description: `research data: SQLite in ${join(dataDir, 'netroll.sqlite')} (shared by the nodes)`, stop: () => Promise.resolve() };
}

function parseCount(text: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (text === undefined) return fallback;
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { nodes: { type: 'string' }, port: { type: 'string' }, 'data-dir': { type: 'string' }, store: { type: 'string' } } });
  const count = parseCount(values.nodes, 'nodes', 1, 16, 2);
  const firstPort = parseCount(values.port, 'port', 0, 65535 - 16, Number(process.env['PORT'] ?? 8080));
  const dataDir = resolve(values['data-dir'] ?? process.env['NETROLL_DATA_DIR'] ?? './data');
  const adminToken = process.env['NETROLL_ADMIN_TOKEN'] ?? randomBytes(24).toString('base64url');
  const demo = join(root, 'dist', 'demo');
  const staticDir = existsSync(join(demo, 'index.html')) ? demo : undefined;

  const redis = await startRedis();
  let store: ResearchStoreSetup;
  try {
    store = await researchStore(dataDir, values.store);
  } catch (err) {
    console.error('netroll cluster:', err instanceof Error ? err.message : err);
    await redis.stop();
    process.exit(1);
  }
  const nodes: ServerProcess[] = [];
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    for (const n of nodes) await n.kill();
    await store.stop();
    await redis.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    for (let i = 0; i < count; i++) {
      nodes.push(
        await startServerProcess({
          host: '127.0.0.1',
          port: firstPort === 0 ? 0 : firstPort + i,
          dataDir: store.dataDir,
          redisUrl: redis.url,
          nodeId: `node-${i + 1}`,
          adminToken,
          ...(staticDir !== undefined ? { staticDir } : {}),
          env: store.env,
        }),
      );
    }
  } catch (err) {
    console.error('netroll cluster:', err instanceof Error ? err.message : err);
    await stop(1);
    return;
  }
  console.log(`netroll cluster: redis ${redis.url} (pid ${redis.pid}), ${count} node${count === 1 ? '' : 's'}:`);
  for (const [i, n] of nodes.entries()) console.log(`  node-${i + 1}: ${n.url}  (pid ${n.pid})`);
  console.log(`  ${store.description}`);
  console.log(`  admin dashboard (any node): ${nodes[0]!.url}/admin${process.env['NETROLL_ADMIN_TOKEN'] ? '  (sign in with NETROLL_ADMIN_TOKEN)' : `#token=${adminToken}`}`);
  if (staticDir === undefined) console.log('  (no demo page: run `npm start` once to build it)');
  console.log('Ctrl-C stops everything.');
}

main().catch((err: unknown) => {
  console.error('netroll cluster:', err instanceof Error ? err.message : err);
  process.exit(1);
});
