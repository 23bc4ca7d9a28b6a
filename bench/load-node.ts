/**
 * One server node of `bench/load.ts`, in its own process so each node's
 * event-loop lag, CPU and memory are measured apart from the others and from
 * the load generators. Controlled over IPC (see `serveCommands` in
 * `bench/proc.ts`); exits when the parent goes away.
 *
 * Commands: `start { options, countUnhandled }` (a real server on 127.0.0.1,
 * any free port, research data in a fresh temporary directory; with
 * `countUnhandled` an unhandled promise rejection is counted instead of
 * ending the process), `lagStart { name }` /
 * `lagStop { name }` (named measuring windows, at most {@link MAX_WINDOWS}
 * at once), `mem`, `stats`, `stop`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../server/app.ts';
import type { ServerOptions } from '../server/config.ts';
import { LoadWindow, serveCommands } from './proc.ts';

/** Most measuring windows open at once. */
const MAX_WINDOWS = 8;

let server: RunningServer | undefined;
let dataDir: string | undefined;
const windows = new Map<string, LoadWindow>();
let peakRss = 0;
/** Unhandled promise rejections counted (only with `start { countUnhandled: true }`; otherwise one ends the process, as in a real server). */
let unhandledRejections = 0;
let lastUnhandled = '';
let counting = false;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 250);
rssTimer.unref();

async function stop(): Promise<void> {
  await server?.close();
  server = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
}

serveCommands(
  {
    async start(r) {
      await stop();
      if (r['countUnhandled'] === true && !counting) {
        counting = true;
        process.on('unhandledRejection', (reason) => {
          unhandledRejections++;
          lastUnhandled = reason instanceof Error ? reason.message : String(reason);
        });
      }
      dataDir = mkdtempSync(join(tmpdir(), 'netroll-load-'));
      server = await startServer({ port: 0, host: '127.0.0.1', dataDir, adminToken: 'bench-admin-token-0123456789', ...(r['options'] as ServerOptions) });
      peakRss = process.memoryUsage.rss();
      return { url: server.url, pid: process.pid };
    },
    lagStart(r) {
      const name = String(r['name']);
      if (!windows.has(name) && windows.size >= MAX_WINDOWS) throw new Error(`at most ${MAX_WINDOWS} windows`);
      const w = windows.get(name) ?? new LoadWindow();
      windows.set(name, w);
      w.start();
    },
    lagStop(r) {
      const name = String(r['name']);
      const w = windows.get(name);
      if (!w) throw new Error(`no window ${name}`);
      windows.delete(name);
      return w.stop();
    },
    mem() {
      const rss = process.memoryUsage.rss();
      peakRss = Math.max(peakRss, rss);
      return { rssMB: Math.round((rss / 1048576) * 10) / 10, peakRssMB: Math.round((peakRss / 1048576) * 10) / 10 };
    },
    stats() {
      const s = server!.stats();
      return { unhandledRejections, lastUnhandled, clients: s.clients, sessions: s.sessions, sessionsCreated: s.sessionsCreated, relayedPackets: s.relayedPackets, signalsForwarded: s.signalsForwarded, rejected: s.rejected, dropped: s.dropped };
    },
    stop,
  },
  stop,
);
