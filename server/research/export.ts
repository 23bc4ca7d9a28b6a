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

/** Per-session rows (newest first), or one session's. */
export function exportSessions(store: ResearchStore, sessionId?: string): SessionExportRow[] {
  const sessions = sessionId ? [store.session(sessionId)].filter((s): s is SessionRow => !!s) : store.sessions();
  return sessions.map((s) => sessionRow(store, s));
}

function inputValue(bytes: Uint8Array): number | string {
  if (bytes.length <= 6) {
    let v = 0;
    for (const b of bytes) v = v * 256 + b;
    return v;
  }
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Per-frame rows of a session from its longest stored log (peers agree when parity is fullySynced). */
export function exportFrames(store: ResearchStore, sessionId: string): FrameExportRow[] {
  const logs = store.inputLogs(sessionId);
  if (logs.length === 0) return [];
  const longest = logs.reduce((a, b) => (b.frames > a.frames ? b : a));
  const decoded = decodeInputLog(longest.log);
  if (!decoded.ok) throw new Error(`session ${sessionId}: stored log of player ${longest.playerIndex}: ${decoded.error.message}`);
  const { log } = decoded;
  const episodes = store
    .rows('episodes', sessionId)
    .filter((e) => e.player_index === longest.playerIndex)
    .map((e) => ({ episode: num(e.episode), start: num(e.start_frame), end: num(e.end_frame) }))
    .sort((a, b) => a.start - b.start);
  const stride = log.players * log.inputSize;
  const rows: FrameExportRow[] = [];
  let ep = 0;
  for (let f = 0; f < log.frames; f++) {
    while (ep < episodes.length && f > episodes[ep]!.end) ep++;
    const row: FrameExportRow = { session_id: sessionId, frame: f, episode: ep < episodes.length ? episodes[ep]!.episode : ep };
    for (let p = 0; p < log.players; p++) {
      const off = f * stride + p * log.inputSize;
      row[`player_${p}`] = inputValue(log.inputs.subarray(off, off + log.inputSize));
    }
    rows.push(row);
  }
  return rows;
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV with a header; columns are the union of keys, in first-seen order. */
export function toCsv(rows: readonly object[]): string {
  const columns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  const lines = [columns.join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell((r as Record<string, unknown>)[c])).join(','));
  return lines.join('\n') + '\n';
}

/** Everything as one JSON document. */
export function exportJson(store: ResearchStore, sessionId?: string): { sessions: SessionExportRow[]; frames: FrameExportRow[] } {
  const sessions = exportSessions(store, sessionId);
  return { sessions, frames: sessions.flatMap((s) => exportFrames(store, s.session_id)) };
}
