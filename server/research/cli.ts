/**
 * `npx netroll export --format csv|json [--session ID] [--out DIR] [--data-dir DIR]`
 * `npx netroll replay --session ID [--data-dir DIR]`
 * `npx netroll sessions [--data-dir DIR]`
 *
 * Reads the research store directly (NETROLL_DATA_DIR, default ./data).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exportFrames, exportJson, exportSessions, toCsv } from './export.ts';
import { exportOutcomes } from './outcomes.ts';
import { replaySessionAsync } from './replay.ts';
import { ResearchStore } from './store.ts';

const USAGE = `netroll research tools

  npx netroll export --format csv|json [--session ID] [--out DIR] [--data-dir DIR]
      csv:  DIR/sessions.csv (one row per session) and DIR/frames.csv (one row per
            confirmed frame: session_id, frame, episode, player_0..player_N)
      json: DIR/netroll-export.json ({ sessions: [...], frames: [...] })
  npx netroll replay --session ID [--data-dir DIR]
      re-runs every stored input log of the session through the game and checks
      the final state hash against what each peer reported (exit 1 on mismatch)
  npx netroll sessions [--data-dir DIR]
      lists stored sessions with their parity result

  --data-dir defaults to NETROLL_DATA_DIR or ./data; --out defaults to ./export`;

function fail(message: string): never {
  console.error(`netroll: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const [command, ...rest] = process.argv.slice(2);
if (!command || command === '--help' || command === '-h' || command === 'help') {
  console.log(USAGE);
  process.exit(0);
}
let values: { format?: string; session?: string; out?: string; 'data-dir'?: string };
try {
  ({ values } = parseArgs({
    args: rest,
    options: { format: { type: 'string' }, session: { type: 'string' }, out: { type: 'string' }, 'data-dir': { type: 'string' } },
    strict: true,
  }));
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
const dataDir = values['data-dir'] ?? process.env.NETROLL_DATA_DIR ?? './data';
const store = ResearchStore.open(dataDir);
try {
  if (command === 'export') {
    const format = values.format ?? 'csv';
    if (format !== 'csv' && format !== 'json') fail(`--format must be csv or json, got "${format}"`);
    if (values.session && !store.session(values.session)) fail(`no session ${values.session} in ${dataDir}`);
    const out = resolve(values.out ?? './export');
    mkdirSync(out, { recursive: true });
    if (format === 'json') {
      const doc = exportJson(store, values.session);
      writeFileSync(join(out, 'netroll-export.json'), JSON.stringify(doc, null, 1));
      console.log(`wrote ${join(out, 'netroll-export.json')}: ${doc.sessions.length} sessions, ${doc.frames.length} frames`);
    } else {
      const sessions = exportSessions(store, values.session);
      const frames = sessions.flatMap((s) => exportFrames(store, s.session_id));
      writeFileSync(join(out, 'sessions.csv'), toCsv(sessions));
      writeFileSync(join(out, 'frames.csv'), toCsv(frames));
      console.log(`wrote ${join(out, 'sessions.csv')} (${sessions.length} rows) and ${join(out, 'frames.csv')} (${frames.length} rows)`);
      const outcomes = [];
      for (const s of sessions) outcomes.push(...(await exportOutcomes(store, s.session_id)));
      if (outcomes.length > 0) {
        writeFileSync(join(out, 'outcomes.csv'), toCsv(outcomes));
        console.log(`wrote ${join(out, 'outcomes.csv')} (${outcomes.length} episodes, from the game's record())`);
      }
    }
  } else if (command === 'replay') {
    if (!values.session) fail('replay needs --session ID');
    const checks = await replaySessionAsync(store, values.session);
    for (const c of checks) {
      const hex = (n: number | null) => (n === null ? 'none' : n.toString(16).padStart(8, '0'));
      console.log(`player ${c.playerIndex}: ${c.frames} frames of ${c.game}: replayed ${hex(c.replayedHash)}, reported ${hex(c.reportedHash)} at frame ${c.reportedFrame} → ${c.match ? 'MATCH' : 'MISMATCH'}`);
    }
    process.exitCode = checks.every((c) => c.match) ? 0 : 1;
  } else if (command === 'sessions') {
    for (const s of exportSessions(store)) {
      console.log(`${s.session_id}  ${s.created_at}  ${s.game}  ${s.players}p  ${s.frames} frames  parity ${s.parity_status}`);
    }
  } else {
    fail(`unknown command "${command}"`);
  }
} catch (e) {
  console.error(`netroll: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  store.close();
}
