/**
 * `npm run soak -- --players N --frames F --latency MS --jitter MS --loss P
 *  --dup P --reorder P --seed S --game arena|swarm [--entities N] [--json]`
 *
 * Runs a whole session in one process over the seeded in-memory network and
 * prints a summary (or, with --json, one JSON object on the last line).
 * Exits 1 when the session desynced, lost inputs or did not complete.
 */
import { parseArgs } from 'node:util';
import { runSoak, type SoakResult } from '../src/sim/soak.ts';

const usage = `usage: npm run soak -- [--players 2] [--frames 1800] [--latency 50] [--jitter 0]
  [--loss 0] [--dup 0] [--reorder 0] [--seed 1] [--game arena|swarm] [--entities 1000]
  [--outage FROM:TO:START_MS:END_MS] [--delay 2] [--prediction 8] [--json]`;

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

function summary(r: SoakResult): string {
  const ok = r.completed && r.desyncs === 0 && r.inputsLost === 0 && r.logsIdentical && r.hashesIdentical;
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
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const gameName = values.game ?? 'arena';
if (gameName !== 'arena' && gameName !== 'swarm') {
  console.error(`--game must be arena or swarm, got "${gameName}"\n${usage}`);
  process.exit(2);
}
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
  game: gameName === 'swarm' ? `swarm?entities=${entities}` : 'arena',
  outages: (values.outage ?? []).map(parseOutage),
  inputDelay: num('delay', values.delay, 2, 0, 60),
  maxPrediction: num('prediction', values.prediction, 8, 1, 120),
});
if (values.json) console.log(JSON.stringify(result));
else console.log(summary(result));
const ok = result.completed && result.desyncs === 0 && result.inputsLost === 0 && result.logsIdentical && result.hashesIdentical;
process.exit(ok ? 0 : 1);
