/**
 * The server under attack in `bench/abuse.ts`, in its own process so its
 * event-loop lag and memory are measured apart from the attacking clients.
 * Controlled over the IPC channel: `{ id, cmd, ...args }` → `{ id, ok, result | error }`.
 * Exits when the parent goes away.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session as InspectorSession } from 'node:inspector';
import { startServer, type RunningServer } from '../server/app.ts';
import type { ServerOptions } from '../server/config.ts';
import { finalReport } from '../harness/report.ts';
import { LoadWindow, serveCommands, type CommandRequest } from './proc.ts';

type Request = CommandRequest;

let server: RunningServer | undefined;
let dataDir: string | undefined;
const window = new LoadWindow();
let profiler: InspectorSession | undefined;

async function stopServer(): Promise<void> {
  await server?.close();
  server = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
}

const commands: Record<string, (r: Request) => unknown> = {
  async start(r) {
    await stopServer();
    dataDir = mkdtempSync(join(tmpdir(), 'netroll-abuse-'));
    server = await startServer({ port: 0, host: '127.0.0.1', dataDir, adminToken: 'bench-admin-token-0123456789', ...(r['config'] as ServerOptions) });
    // A route that fails, to see what a failing request writes to the log.
    server.addRoute('GET', '/bench/fail', () => {
      throw new Error('deliberate failure');
    });
    return { url: server.url, port: server.port, adminToken: server.adminToken };
  },
  stop: () => stopServer(),
  lagStart: () => window.start(),
  lagStop: () => window.stop(),
  /** Starts the V8 CPU profiler (the `--cpu-prof` option of bench/abuse.ts). */
  async profileStart() {
    profiler = new InspectorSession();
    profiler.connect();
    const post = (method: string, params?: object) =>
      new Promise<unknown>((res, rej) => profiler!.post(method, params, (err, out) => (err ? rej(err) : res(out))));
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 250 });
    await post('Profiler.start');
  },
  /** Stops the profiler and writes the profile (a `.cpuprofile` for DevTools) to `file`. */
  async profileStop(r) {
    const session = profiler;
    if (!session) throw new Error('profileStart first');
    const out = await new Promise<{ profile: unknown }>((res, rej) =>
      session.post('Profiler.stop', (err, o) => (err ? rej(err) : res(o as { profile: unknown }))),
    );
    session.disconnect();
    profiler = undefined;
    writeFileSync(String(r['file']), JSON.stringify(out.profile));
    return { file: r['file'] };
  },
  mem() {
    const m = process.memoryUsage();
    return { rssMB: m.rss / 1048576, heapUsedMB: m.heapUsed / 1048576 };
  },
  stats: () => {
    const s = server!.stats();
    return { ...s, sessionList: s.sessionList.length, groups: s.groups.length };
  },
  /** Stores a finished session of `minutes` minutes (60 frames a second) with one peer's report. */
  async seedLongSession(r) {
    const store = server!.store!;
    const minutes = Number(r['minutes']);
    const frames = minutes * 60 * 60;
    const id = `bench-long-${Date.now()}`;
    const seed = 12345;
    await store.recordSession({
      id,
      createdAt: Date.now() - minutes * 60_000,
      seed,
      room: 'queue:bench',
      players: [
        { index: 0, clientId: 'a', name: 'A' },
        { index: 1, clientId: 'b', name: 'B' },
      ],
    });
    const report = finalReport({ sessionId: id, playerIndex: 0, reportToken: store.reportToken(id, 0), seed }, { frames, input: (i) => (i * 2654435761) >>> 27 });
    await store.applyReport(report, 0, Date.now());
    return { sessionId: id, frames };
  },
  /** Stores an input log that does not decode (as an older version could have), for a session that exists. */
  async injectBadLog(r) {
    const sql = server!.store!.sql;
    await sql.run('DELETE FROM input_logs WHERE session_id = ? AND player_index = 0', [String(r['sessionId'])]);
    await sql.run('INSERT INTO input_logs (session_id, player_index, frames, log, hashes) VALUES (?, ?, ?, ?, ?)', [String(r['sessionId']), 0, 10, Buffer.from('valid bytes, not a log'), '[]']);
  },
};

serveCommands(commands, stopServer);
