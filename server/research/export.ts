/**
 * Export for analysis: per-session rows and per-frame rows (frame, episode,
 * every player's input) as CSV or JSON that pandas or R load without
 * cleaning: one header row, one value per cell, ISO timestamps, integers.
 */
import { decodeInputLog } from '../../src/engine/input-log.ts';
import type { ResearchStore, SessionRow } from './store.ts';

export interface SessionExportRow {
  session_id: string;
  created_at: string;
  game: string;
  seed: number;
  players: number;
  room: string;
  frames: number;
  episodes: number;
  parity_status: string;
  parity_first_mismatch_frame: number | '';
  parity_frames_compared: number | '';
  connection_types: string;
  rtt_ms_mean: number | '';
  rollbacks: number;
  rollback_max_depth: number;
  stalls: number;
  desyncs: number;
  inputs_via_relay: number;
  relay_failovers: number;
  ice_restarts: number;
  hidden_periods: number;
  reports: number;
}

export interface FrameExportRow {
  session_id: string;
  frame: number;
  episode: number;
  /** player_0 .. player_N: the input as an integer (multi-byte inputs big-endian, as hex when over 6 bytes). */
  [player: `player_${number}`]: number | string;
}

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

function sessionRow(store: ResearchStore, s: SessionRow): SessionExportRow {
  const metrics = store.rows('metrics', s.id);
  const links = store.rows('links', s.id);
  const episodes = store.rows('episodes', s.id);
  const rtts = links.map((l) => num(l.rtt_ms)).filter((v) => v > 0);
  const sum = (rows: Record<string, unknown>[], k: string) => rows.reduce((a, r) => a + num(r[k]), 0);
  const max = (rows: Record<string, unknown>[], k: string) => rows.reduce((a, r) => Math.max(a, num(r[k])), 0);
  return {
    session_id: s.id,
    created_at: new Date(s.created_at).toISOString(),
    game: s.game ?? '',
    seed: s.seed,
    players: s.players,
    room: s.room ?? '',
    frames: max(metrics, 'frames'),
    episodes: new Set(episodes.map((e) => e.episode)).size,
    parity_status: s.parity_status ?? 'pending',
    parity_first_mismatch_frame: s.parity_first_mismatch_frame ?? '',
    parity_frames_compared: s.parity_frames ?? '',
    connection_types: [...new Set(links.map((l) => String(l.connection_type)))].sort().join('|'),
    rtt_ms_mean: rtts.length ? Math.round((rtts.reduce((a, b) => a + b, 0) / rtts.length) * 100) / 100 : '',
    rollbacks: sum(metrics, 'rollbacks'),
    rollback_max_depth: max(metrics, 'rollback_max_depth'),
    stalls: sum(metrics, 'stalls'),
    desyncs: sum(metrics, 'desyncs'),
    inputs_via_relay: sum(links, 'inputs_via_relay'),
    relay_failovers: sum(links, 'relay_failovers'),
    ice_restarts: sum(links, 'ice_restarts'),
    hidden_periods: metrics.reduce((a, m) => a + (JSON.parse(String(m.hidden_periods ?? '[]')) as unknown[]).length, 0),
    reports: store.uploadCount(s.id),
  };
}

/** The stored sessions (newest first, at most 1,000), or one session. */
function sessionRows(store: ResearchStore, sessionId?: string): SessionRow[] {
  return sessionId ? [store.session(sessionId)].filter((s): s is SessionRow => !!s) : store.sessions();
}

/** Per-session rows (newest first), or one session's. */
export function exportSessions(store: ResearchStore, sessionId?: string): SessionExportRow[] {
  return sessionRows(store, sessionId).map((s) => sessionRow(store, s));
}

/** Per-session rows, computed one at a time (for streamed exports). */
export function* sessionRowsLazy(store: ResearchStore, sessionId?: string): Generator<SessionExportRow> {
  for (const s of sessionRows(store, sessionId)) yield sessionRow(store, s);
}

/** The sessions CSV (header first) in chunks of text, one session row computed at a time. */
export function* sessionsCsvChunks(store: ResearchStore, sessionId?: string): Generator<string> {
  let columns: string[] | undefined;
  for (const row of sessionRowsLazy(store, sessionId)) {
    if (!columns) {
      columns = Object.keys(row);
      yield csvHeader(columns);
    }
    yield csvLines([row], columns);
  }
  if (!columns) yield '\n';
}

/** A session left out of a frames export, and why (e.g. a stored log that does not decode). */
export interface SkippedSession {
  readonly session_id: string;
  readonly error: string;
}

/** Thrown by {@link frameChunks} when a session's stored log cannot be exported. */
export class ExportError extends Error {
  override name = 'ExportError';
}

function inputValue(bytes: Uint8Array): number | string {
  if (bytes.length <= 6) {
    let v = 0;
    for (const b of bytes) v = v * 256 + b;
    return v;
  }
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Rows per chunk of a frames export: small enough that making one chunk never holds the event loop for long. */
export const FRAME_CHUNK_ROWS = 1000;

/**
 * Per-frame rows of a session from its longest stored log (peers agree when
 * parity is fullySynced), in chunks of `chunkRows`. The log is decoded before
 * the first chunk, so a bad log throws {@link ExportError} before anything is yielded.
 */
export function frameChunks(store: ResearchStore, sessionId: string, chunkRows = FRAME_CHUNK_ROWS): Iterable<FrameExportRow[]> {
  const logs = store.inputLogs(sessionId);
  if (logs.length === 0) return [];
  const longest = logs.reduce((a, b) => (b.frames > a.frames ? b : a));
  const decoded = decodeInputLog(longest.log);
  if (!decoded.ok) throw new ExportError(`session ${sessionId}: stored log of player ${longest.playerIndex}: ${decoded.error.message}`);
  const { log } = decoded;
  const episodes = store
    .rows('episodes', sessionId)
    .filter((e) => e.player_index === longest.playerIndex)
    .map((e) => ({ episode: num(e.episode), start: num(e.start_frame), end: num(e.end_frame) }))
    .sort((a, b) => a.start - b.start);
  const stride = log.players * log.inputSize;
  return (function* () {
    let ep = 0;
    for (let first = 0; first < log.frames; first += chunkRows) {
      const rows: FrameExportRow[] = [];
      for (let f = first; f < Math.min(log.frames, first + chunkRows); f++) {
        while (ep < episodes.length && f > episodes[ep]!.end) ep++;
        const row: FrameExportRow = { session_id: sessionId, frame: f, episode: ep < episodes.length ? episodes[ep]!.episode : ep };
        for (let p = 0; p < log.players; p++) {
          const off = f * stride + p * log.inputSize;
          row[`player_${p}`] = inputValue(log.inputs.subarray(off, off + log.inputSize));
        }
        rows.push(row);
      }
      yield rows;
    }
  })();
}

/** Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell: quoted when needed, and text that a spreadsheet would run as
 * a formula (starting with = + - @ tab or CR) is prefixed with `'`. Numbers are
 * written as they are (a negative number is data, not a formula).
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v !== 'number' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The header line of a CSV with `columns`. */
export function csvHeader(columns: readonly string[]): string {
  return columns.map(csvCell).join(',') + '\n';
}

/** `rows` as CSV lines (no header) in the order of `columns`; absent values are empty cells. */
export function csvLines(rows: readonly object[], columns: readonly string[]): string {
  let out = '';
  for (const r of rows) out += columns.map((c) => csvCell((r as Record<string, unknown>)[c])).join(',') + '\n';
  return out;
}

/** Rows as CSV with a header; columns are the union of keys, in first-seen order. */
export function toCsv(rows: readonly object[]): string {
  const columns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  return csvHeader(columns) + csvLines(rows, columns);
}

/** The columns of a frames export over sessions of at most `players` players. */
export function frameColumns(players: number): string[] {
  return ['session_id', 'frame', 'episode', ...Array.from({ length: players }, (_, p) => `player_${p}`)];
}

/**
 * The frames CSV of `sessions`, header first, in chunks of text. Sessions
 * whose log cannot be exported are left out and added to `skipped`.
 */
export function* framesCsvChunks(store: ResearchStore, sessionId: string | undefined, skipped: SkippedSession[]): Generator<string> {
  const sessions = sessionRows(store, sessionId);
  const columns = frameColumns(sessions.reduce((m, s) => Math.max(m, s.players), 0));
  yield csvHeader(columns);
  for (const s of sessions) {
    let chunks: Iterable<FrameExportRow[]>;
    try {
      chunks = frameChunks(store, s.id);
    } catch (e) {
      skipped.push({ session_id: s.id, error: e instanceof Error ? e.message : String(e) });
      continue;
    }
    for (const rows of chunks) yield csvLines(rows, columns);
  }
}

/**
 * The JSON export `{ sessions, frames, skipped }` in chunks of text, so it is
 * never built whole in memory. Sessions whose frames cannot be exported keep
 * their session row and are listed in `skipped`.
 */
export function* exportJsonChunks(store: ResearchStore, sessionId?: string, skipped: SkippedSession[] = []): Generator<string> {
  const sessions = sessionRows(store, sessionId);
  yield '{"sessions":[';
  for (let i = 0; i < sessions.length; i++) yield (i ? ',' : '') + JSON.stringify(sessionRow(store, sessions[i]!));
  yield '],"frames":[';
  let first = true;
  for (const s of sessions) {
    let chunks: Iterable<FrameExportRow[]>;
    try {
      chunks = frameChunks(store, s.id);
    } catch (e) {
      skipped.push({ session_id: s.id, error: e instanceof Error ? e.message : String(e) });
      continue;
    }
    for (const rows of chunks) {
      if (rows.length === 0) continue;
      const text = rows.map((r) => JSON.stringify(r)).join(',');
      yield (first ? '' : ',') + text;
      first = false;
    }
  }
  yield `],"skipped":${JSON.stringify(skipped)}}`;
}

