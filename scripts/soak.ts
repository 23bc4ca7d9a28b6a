/**
 * `npm run soak -- --players N --frames F --latency MS --jitter MS --loss P
 *  --dup P --reorder P --seed S --game arena|swarm|py-NAME|py:PATH [--entities N]
 *  [--corrupt PLAYER@FRAME]... [--leave PLAYER@FRAME]... [--json]`
 *
 * `--game py:PATH` (or `py-slime`, an example) runs a Python game through Pyodide.
 *
 * Runs a whole session in one process over the seeded in-memory network and
 * prints a summary (or, with --json, one JSON object on the last line).
 * Exits 1 when the session did not complete, lost inputs or its remaining
 * peers' logs differ; without --corrupt also when it desynced; with
 * --corrupt when a divergence went undetected.
 */
import { parseArgs } from 'node:util';
import { gameFromSpec } from '../src/games/index.ts';
import { runSoak, type SoakResult } from '../src/sim/soak.ts';

const usage = `usage: npm run soak -- [--players 2] [--frames 1800] [--latency 50] [--jitter 0]
  [--loss 0] [--dup 0] [--reorder 0] [--seed 1] [--game arena|swarm|py-NAME|py:PATH] [--entities 1000]
  [--outage FROM:TO:START_MS:END_MS] [--delay 2] [--prediction 8] [--hash-interval 60]
  [--corrupt PLAYER@FRAME]... [--leave PLAYER@FRAME]... [--desync-policy report|resync] [--json]`;

function num(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) {
    console.error(`--${name} must be a number in ${min}..${max}, got "${raw}"\n${usage}`);
    process.exit(2);
  }
  return v;
}

function parseOutage(raw: string) {
  const parts = raw.split(':').map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) {
    console.error(`--outage takes FROM:TO:START_MS:END_MS, got "${raw}"`);
    process.exit(2);
  }
  const [from, to, startMs, endMs] = parts as [number, number, number, number];
  return { from, to, startMs, endMs };
}

function parseFault(name: string, raw: string) {
  const m = /^(\d+)@(\d+)$/.exec(raw);
  if (!m) {
    console.error(`--${name} takes PLAYER@FRAME, got "${raw}"`);
    process.exit(2);
  }
  return { player: Number(m[1]), frame: Number(m[2]) };
}

function passed(r: SoakResult, corrupted: boolean): boolean {
  const base = r.completed && r.inputsLost === 0 && r.logsIdentical && r.departuresAgreed;
  if (corrupted) return base && r.oracle.divergencesUndetected === 0;
  return base && r.desyncs === 0 && r.hashesIdentical && r.oracle.divergences === 0;
}

function summary(r: SoakResult, corrupted: boolean): string {
  const ok = passed(r, corrupted);
  const o = r.oracle;
  return [
    `netroll soak: ${r.players} players, ${r.game}, ${r.frames} frames, seed ${r.seed}`,
    `  result          ${ok ? 'OK' : 'FAILED'}${r.completed ? '' : ' (did not complete in time)'}`,
    `  virtual time    ${r.virtualSeconds.toFixed(1)} s, episodes ${r.episodes}`,
    `  confirmed       ${r.confirmedFrames} frames on every peer`,
    `  rollbacks       ${r.rollbacks} (max depth ${r.maxRollback})`,
    `  stalls          ${r.stalls} ticks`,
    `  desyncs         ${r.desyncs}`,
    `  inputs lost     ${r.inputsLost}`,
    `  logs identical  ${r.logsIdentical}`,
    `  final hashes    ${r.finalHashes.join(' ')}`,
    `  packets         ${r.packets.sent} sent, ${r.packets.dropped} lost, ${r.packets.duplicated} duplicated, ${r.packets.reordered} reordered, ${r.packets.outageDropped} in outages`,
    `  packets/s/link  ${r.maxPacketsPerSecondPerLink.toFixed(1)} at most`,
    `  oracle          ${o.framesCompared} frames compared, ${o.divergences} divergences, ${o.divergencesUndetected} undetected` +
      (o.firstDivergenceFrame === null ? '' : `, first at frame ${o.firstDivergenceFrame}`) +
      (o.detectionLatencyFrames === null ? '' : `, detected within ${o.detectionLatencyFrames} frames`),
    ...(r.resyncsLoaded ? [`  resyncs         ${r.resyncsLoaded} snapshots loaded`] : []),
    ...(r.departures.length
      ? [
          `  departures      ${r.departures.map((d) => `player ${d.player} at frame ${d.frame}`).join(', ')}${r.departuresAgreed ? '' : ' (NOT AGREED)'}`,
          `  after leaving   ${r.framesAfterLeave} frames confirmed, remaining logs identical: ${r.remainingLogsIdentical}`,
        ]
      : []),
  ].join('\n');
}

const { values } = parseArgs({
  options: {
    players: { type: 'string' },
    frames: { type: 'string' },
    latency: { type: 'string' },
    jitter: { type: 'string' },
    loss: { type: 'string' },
    dup: { type: 'string' },
    reorder: { type: 'string' },
    seed: { type: 'string' },
    game: { type: 'string' },
    entities: { type: 'string' },
    outage: { type: 'string', multiple: true },
    delay: { type: 'string' },
    prediction: { type: 'string' },
    'hash-interval': { type: 'string' },
    corrupt: { type: 'string', multiple: true },
    leave: { type: 'string', multiple: true },
    'desync-policy': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (values['desync-policy'] !== undefined && values['desync-policy'] !== 'report' && values['desync-policy'] !== 'resync') {
  console.error(`--desync-policy must be report or resync, got "${values['desync-policy']}"\n${usage}`);
  process.exit(2);
}
const gameName = values.game ?? 'arena';
const python = gameName.startsWith('py:') || gameName.startsWith('py-');
if (gameName !== 'arena' && gameName !== 'swarm' && !python) {
  console.error(`--game must be arena, swarm, py-NAME or py:PATH, got "${gameName}"\n${usage}`);
  process.exit(2);
}
// Python games load asynchronously (Pyodide); the soak itself is synchronous.
const resolveGame = python ? await import('../python/node.ts').then((m) => m.preloadGames([gameName], gameFromSpec)) : gameFromSpec;
const entities = num('entities', values.entities, 1000, 100, 20000);
const result = runSoak({
  players: num('players', values.players, 2, 2, 8),
  frames: num('frames', values.frames, 1800, 1, 10_000_000),
  latencyMs: num('latency', values.latency, 50, 0, 10_000),
  jitterMs: num('jitter', values.jitter, 0, 0, 10_000),
  loss: num('loss', values.loss, 0, 0, 0.95),
  dup: num('dup', values.dup, 0, 0, 1),
  reorder: num('reorder', values.reorder, 0, 0, 1),
  seed: num('seed', values.seed, 1, 0, 0xffff_ffff),
  game: gameName === 'swarm' ? `swarm?entities=${entities}` : gameName,
  outages: (values.outage ?? []).map(parseOutage),
  inputDelay: num('delay', values.delay, 2, 0, 60),
  maxPrediction: num('prediction', values.prediction, 8, 1, 120),
  hashInterval: num('hash-interval', values['hash-interval'], 60, 0, 1 << 20),
  corrupt: (values.corrupt ?? []).map((c) => parseFault('corrupt', c)),
  leave: (values.leave ?? []).map((c) => parseFault('leave', c)),
  desyncPolicy: values['desync-policy'] === 'resync' ? 'resync' : 'report',
}, resolveGame);
const corrupted = (values.corrupt ?? []).length > 0;
if (values.json) console.log(JSON.stringify(result));
else console.log(summary(result, corrupted));
process.exit(passed(result, corrupted) ? 0 : 1);
