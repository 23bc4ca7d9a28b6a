/**
 * `npx netroll export --format csv|json [--session ID] [--out DIR] [--data-dir DIR]`
 * `npx netroll replay --session ID [--data-dir DIR]`
 * `npx netroll sessions [--data-dir DIR]`
 *
 * Reads the research store directly: Postgres when NETROLL_DATABASE_URL (or
 * --database-url) is set, else SQLite in NETROLL_DATA_DIR (default ./data).
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exportJsonChunks, exportParticipants, exportSessions, framesCsvChunks, sessionMetrics, sessionsCsvChunks, type SkippedSession, toCsv } from './export.ts';
import { exportResolver, type GameSources } from './games.ts';
import { exportOutcomes } from './outcomes.ts';
import { replaySessionAsync } from './replay.ts';
import { EVERY_SESSION, openResearchStore, type ResearchStore } from './store.ts';

const USAGE = `netroll research tools

  npx netroll export --format csv|json [--session ID] [--out DIR] [--data-dir DIR] [--game-module P,P]
      csv:  DIR/sessions.csv (one row per session), DIR/participants.csv (one row per
            player: participant id, metadata, end reason, episodes completed) and
            DIR/frames.csv (one row per confirmed frame: session_id, frame, episode,
            player_P inputs, time_ms_P and focused_P, then the game's record() columns,
            replayed from the log)
      json: DIR/netroll-export.json ({ sessions, participants, frames, skipped })
      both: DIR/metrics/SESSION.json, everything stored about each session
      A session whose stored log cannot be read keeps its session row, its frames
      are left out, it is named on stderr, and the exit status is 1.
  npx netroll replay --session ID [--data-dir DIR] [--game-module P,P]
      re-runs every stored input log of the session through the game and checks
      the final state hash against what each peer reported (exit 1 on mismatch)
  npx netroll sessions [--data-dir DIR]
      lists stored sessions with their parity result

  --data-dir defaults to NETROLL_DATA_DIR or ./data; --out defaults to ./export
  --database-url URL (or NETROLL_DATABASE_URL): read the Postgres store instead of
      the SQLite one in the data directory
  --game-module: drop-in game modules (ES modules exporting a game, as for the
      drop-in worker's gameUrl), looked up before the registered games`;

function fail(message: string): never {
  console.error(`netroll: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const [command, ...rest] = process.argv.slice(2);
if (!command || command === '--help' || command === '-h' || command === 'help') {
  console.log(USAGE);
  process.exit(0);
}
let values: { format?: string; session?: string; out?: string; 'data-dir'?: string; 'database-url'?: string; 'game-module'?: string };
try {
  ({ values } = parseArgs({
    args: rest,
    options: { format: { type: 'string' }, session: { type: 'string' }, out: { type: 'string' }, 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, 'game-module': { type: 'string' } },
    strict: true,
  }));
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
const dataDir = values['data-dir'] ?? process.env.NETROLL_DATA_DIR ?? './data';
const databaseUrl = values['database-url'] ?? (process.env.NETROLL_DATABASE_URL || undefined);
let store: ResearchStore;
try {
  store = await openResearchStore({ dataDir, databaseUrl, pg: { poolSize: 2 } });
} catch (e) {
  console.error(`netroll: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
const where = databaseUrl ? store.location : dataDir;
const gameSources: GameSources = { modules: (values['game-module'] ?? process.env.NETROLL_GAME_MODULES ?? '').split(',').map((m) => m.trim()).filter((m) => m !== '') };
try {
  if (command === 'export') {
    const format = values.format ?? 'csv';
    if (format !== 'csv' && format !== 'json') fail(`--format must be csv or json, got "${format}"`);
    if (values.session && !(await store.session(values.session))) fail(`no session ${values.session} in ${where}`);
    const out = resolve(values.out ?? './export');
    mkdirSync(out, { recursive: true });
    const skipped: SkippedSession[] = [];
    /** Writes chunks to a file as they come: nothing is built whole in memory. */
    const write = async (file: string, chunks: Iterable<string> | AsyncIterable<string>): Promise<number> => {
      const fd = openSync(file, 'w');
      let lines = 0;
      try {
        for await (const c of chunks) {
          writeSync(fd, c);
          for (let i = c.indexOf('\n'); i >= 0; i = c.indexOf('\n', i + 1)) lines++;
        }
      } finally {
        closeSync(fd);
      }
      return lines;
    };
    const sessions = values.session ? [(await store.session(values.session))!] : await store.sessions(EVERY_SESSION);
    const resolveGame = await exportResolver(sessions.map((s) => s.game), gameSources, (m) => console.error(`netroll: outcome columns left empty: ${m}`));
    const ids = sessions.map((s) => s.id);
    mkdirSync(join(out, 'metrics'), { recursive: true });
    for (const id of ids) await write(join(out, 'metrics', `${id}.json`), [JSON.stringify(await sessionMetrics(store, id), null, 1)]);
    console.log(`wrote ${join(out, 'metrics')} (${ids.length} sessions)`);
    if (format === 'json') {
      await write(join(out, 'netroll-export.json'), exportJsonChunks(store, values.session, skipped, resolveGame));
      console.log(`wrote ${join(out, "netroll-export.json")}: ${sessions.length} sessions`);
    } else {
      const sessionLines = (await write(join(out, 'sessions.csv'), sessionsCsvChunks(store, values.session))) - 1;
      await write(join(out, 'participants.csv'), [toCsv(await exportParticipants(store, values.session))]);
      const frames = (await write(join(out, 'frames.csv'), framesCsvChunks(store, values.session, skipped, resolveGame))) - 1;
      console.log(`wrote ${join(out, 'sessions.csv')} (${Math.max(0, sessionLines)} rows) and ${join(out, 'frames.csv')} (${frames} rows)`);
      const outcomes = [];
      for (const s of await exportSessions(store, values.session)) {
        if (skipped.some((k) => k.session_id === s.session_id)) continue;
        try {
          outcomes.push(...(await exportOutcomes(store, s.session_id, gameSources)));
        } catch (e) {
          skipped.push({ session_id: s.session_id, error: e instanceof Error ? e.message : String(e) });
        }
      }
      if (outcomes.length > 0) {
        await write(join(out, 'outcomes.csv'), [toCsv(outcomes)]);
        console.log(`wrote ${join(out, 'outcomes.csv')} (${outcomes.length} episodes, from the game's record())`);
      }
    }
    for (const s of skipped) console.error(`netroll: skipped the frames of session ${s.session_id}: ${s.error}`);
    if (skipped.length > 0) process.exitCode = 1;
  } else if (command === 'replay') {
    if (!values.session) fail('replay needs --session ID');
    const checks = await replaySessionAsync(store, values.session, gameSources);
    for (const c of checks) {
      const hex = (n: number | null) => (n === null ? 'none' : n.toString(16).padStart(8, '0'));
      console.log(`player ${c.playerIndex}: ${c.frames} frames of ${c.game}: replayed ${hex(c.replayedHash)}, reported ${hex(c.reportedHash)} at frame ${c.reportedFrame} → ${c.match ? 'MATCH' : 'MISMATCH'}`);
    }
    process.exitCode = checks.every((c) => c.match) ? 0 : 1;
  } else if (command === 'sessions') {
    for (const s of await exportSessions(store)) {
      console.log(`${s.session_id}  ${s.created_at}  ${s.game}  ${s.players}p  ${s.frames} frames  parity ${s.parity_status}`);
    }
  } else {
    fail(`unknown command "${command}"`);
  }
} catch (e) {
  console.error(`netroll: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  await store.close();
}
