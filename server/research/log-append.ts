/**
 * Incremental input-log uploads: a report may carry only the range of the
 * confirmed input log after the last range the server acknowledged, as an
 * input log of its own (src/engine/input-log.ts) whose frames start at
 * `from`. The server appends it to what it holds, idempotently per range:
 *
 * - a range the server already holds in full, with the same bytes, is a
 *   no-op (`duplicate`);
 * - a range that overlaps the stored end must agree on the overlap, and
 *   only the new frames are appended;
 * - a range that starts past the stored end (a gap), or disagrees on the
 *   overlap, or logs another game, is refused with `conflict`; a chunk that
 *   is not an input log, with `bad-input-log`.
 *
 * Departures and absences come with the report (its `departures`,
 * `absences`), not with the chunk, so their frames may lie beyond a chunk's
 * own frames. Pauses come with the chunk (session frames) and are merged
 * into the stored ones. Pure: the store
 * reads and writes the bytes.
 */
import { type ErrorInfo, errorInfo } from '../../src/contracts/errors.ts';
import { decodeInputLog, encodeInputLog, type InputLog } from '../../src/engine/input-log.ts';
import type { PauseRecord } from '../../src/engine/pause.ts';

/** The outcome of {@link appendInputLog}. */
export type AppendResult =
  | { ok: true; log: Uint8Array; frames: number; appended: number; duplicate: boolean }
  | { ok: false; error: ErrorInfo };

const conflict = (message: string): AppendResult => ({ ok: false, error: errorInfo('conflict', message) });

/**
 * Append the range `chunk` (an encoded input log of frames `from` …) to the
 * `stored` full log (null: nothing stored yet). `departures` is the
 * report's list; the result's log carries it.
 */
export function appendInputLog(
  stored: Uint8Array | null,
  from: number,
  chunk: Uint8Array,
  departures: readonly { player: number; frame: number }[],
  absences: readonly { player: number; from: number; to: number | null }[] = [],
): AppendResult {
  const c = decodeInputLog(chunk);
  if (!c.ok) return { ok: false, error: c.error };
  const range = c.log;
  if (!Number.isInteger(from) || from < 0) return { ok: false, error: errorInfo('bad-report', `log range start ${from} is not a frame`) };
  let base: InputLog;
  if (stored === null) {
    if (from !== 0) return conflict(`log range starts at frame ${from}, but the server holds no frames of this log: re-send from frame 0`);
    base = { ...range, frames: 0, inputs: new Uint8Array(0), departures: [], absences: [] };
  } else {
    const s = decodeInputLog(stored);
    if (!s.ok) return { ok: false, error: s.error };
    base = s.log;
  }
  if (base.spec !== range.spec || base.seed !== range.seed || base.players !== range.players || base.inputSize !== range.inputSize) {
    return conflict('log range is of another game, seed, player count or input size than the stored log');
  }
  const held = base.frames;
  if (from > held) return conflict(`gap: the server holds frames 0..${held - 1}, the log range starts at frame ${from}`);
  const stride = base.players * base.inputSize;
  const end = from + range.frames;
  const overlap = Math.min(held, end) - from;
  for (let i = 0; i < overlap * stride; i++) {
    if (base.inputs[from * stride + i] !== range.inputs[i]) {
      return conflict(`log range disagrees with the stored log at frame ${from + Math.floor(i / stride)}`);
    }
  }
  const frames = Math.max(held, end);
  for (const d of departures) {
    if (d.player >= base.players || d.frame > frames) return { ok: false, error: errorInfo('bad-report', `departure of player ${d.player} at frame ${d.frame} does not fit the log`) };
  }
  const logged = absences.map((a) => ({ player: a.player, from: a.from, to: a.to !== null && a.to <= frames ? a.to : undefined }));
  for (const a of logged) {
    if (a.player >= base.players || a.from > frames) return { ok: false, error: errorInfo('bad-report', `absence of player ${a.player} from frame ${a.from} does not fit the log`) };
    if (a.to !== undefined && a.to < a.from) return { ok: false, error: errorInfo('bad-report', `absence of player ${a.player} ends before it began`) };
  }
  const sameDepartures = JSON.stringify(base.departures ?? []) === JSON.stringify(departures.map((d) => ({ player: d.player, frame: d.frame })));
  const sameAbsences = JSON.stringify(base.absences ?? []) === JSON.stringify(logged);
  const pauses = mergePauses(base.pauses ?? [], range.pauses ?? []);
  const samePauses = pauses.length === (base.pauses ?? []).length;
  if (end <= held && sameDepartures && sameAbsences && samePauses && stored !== null) return { ok: true, log: stored, frames: held, appended: 0, duplicate: true };
  const inputs = new Uint8Array(frames * stride);
  inputs.set(base.inputs.subarray(0, held * stride));
  if (end > held) inputs.set(range.inputs.subarray(overlap * stride), held * stride);
  const log = encodeInputLog({ spec: base.spec, seed: base.seed, players: base.players, inputSize: base.inputSize, frames, inputs, departures, pauses, absences: logged });
  return { ok: true, log, frames, appended: Math.max(0, end - held), duplicate: false };
}

/** The stored pauses plus the range's new ones (by player and id), by frame. */
function mergePauses(stored: readonly PauseRecord[], added: readonly PauseRecord[]): PauseRecord[] {
  const out = stored.slice();
  for (const p of added) if (!out.some((q) => q.player === p.player && q.id === p.id)) out.push(p);
  return out.sort((a, b) => a.frame - b.frame || a.player - b.player || a.id - b.id);
}
