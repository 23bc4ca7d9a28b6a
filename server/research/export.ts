/**
 * Export for analysis: per-session rows, per-player rows (participants and
 * end reasons) and per-frame rows (frame, episode, every player's input,
 * wall clock and focus, and the game's outcome columns replayed from the
 * log) as CSV or JSON that pandas or R load without cleaning: one header
 * row, one value per cell, ISO timestamps, integers.
 */
import { decodeInputLog } from '../../src/engine/input-log.ts';
import type { FrameClockSample } from '../../src/research/report.ts';
import { type HiddenPeriod, PlayerClock, RecordReplay, recordColumnNames, recordingGame } from './frame-columns.ts';
import type { GameResolver } from './games.ts';
import { EVERY_SESSION, type ResearchStore, type SessionRow } from './store.ts';

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
  /** Each player's end reason, `index:reason` joined by `|` (empty while unknown). */
  end_reasons: string;
  /** Fewest episodes completed over the players that reported it ('' when none did). */
  episodes_completed: number | '';
}

/** One player of a session: who it was and how its session ended. */
export interface ParticipantExportRow {
  session_id: string;
  player_index: number;
  participant_id: string;
  client_id: string;
  name: string;
  /** The join's metadata as JSON ('' when none). */
  metadata: string;
  end_reason: string;
  /** `report` (its own report said so) or `server` (it left without saying: `closed` or `server-lost`). */
  end_source: string;
  end_frame: number | '';
  episodes_completed: number | '';
  final_report: number;
}

export interface FrameExportRow {
  session_id: string;
  frame: number;
  episode: number;
  /**
   * player_P: the input as an integer (multi-byte inputs big-endian, as hex
   * when over 6 bytes); time_ms_P: that player's wall clock at this frame, ms
   * since its session started; focused_P: 0 while its tab was hidden, else 1
   * ('' without a frame clock); then the game's outcome columns.
   */
  [column: string]: number | string;
}

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

async function sessionRow(store: ResearchStore, s: SessionRow): Promise<SessionExportRow> {
  const [metrics, links, episodes, participants, reports] = await Promise.all([
    store.rows('metrics', s.id),
    store.rows('links', s.id),
    store.rows('episodes', s.id),
    store.rows('participants', s.id),
    store.uploadCount(s.id),
  ]);
  const completed = participants.map((p) => p.episodes_completed).filter((v): v is number => typeof v === 'number');
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
    reports,
    end_reasons: participants
      .filter((p) => p.end_reason !== null)
      .map((p) => `${num(p.player_index)}:${String(p.end_reason)}`)
      .join('|'),
    episodes_completed: completed.length ? Math.min(...completed) : '',
  };
}

function participantRow(p: Record<string, unknown>): ParticipantExportRow {
  const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  const opt = (v: unknown) => (typeof v === 'number' ? v : '');
  return {
    session_id: str(p.session_id),
    player_index: num(p.player_index),
    participant_id: str(p.participant_id),
    client_id: str(p.client_id),
    name: str(p.name),
    metadata: str(p.metadata),
    end_reason: str(p.end_reason),
    end_source: str(p.end_source),
    end_frame: opt(p.end_frame),
    episodes_completed: opt(p.episodes_completed),
    final_report: num(p.final_report),
  };
}

/** Per-player rows (participant id, metadata, end reason, episodes completed) of the stored sessions, or of one. */
export async function exportParticipants(store: ResearchStore, sessionId?: string): Promise<ParticipantExportRow[]> {
  const out: ParticipantExportRow[] = [];
  for (const s of await sessionRows(store, sessionId)) for (const p of await store.rows('participants', s.id)) out.push(participantRow(p));
  return out;
}

/**
 * Everything stored about one session as one JSON-able object: the session
 * row, its players (participants and end reasons), and per player its
 * metrics, links, episodes, hidden periods and frame clock.
 */
export async function sessionMetrics(store: ResearchStore, sessionId: string): Promise<Record<string, unknown> | undefined> {
  const s = await store.session(sessionId);
  if (!s) return undefined;
  const parse = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
  const [metrics, links, episodes, participants, session] = await Promise.all([
    store.rows('metrics', s.id),
    store.rows('links', s.id),
    store.rows('episodes', s.id),
    store.rows('participants', s.id),
    sessionRow(store, s),
  ]);
  return {
    session,
    parity: { status: s.parity_status ?? 'pending', first_mismatch_frame: s.parity_first_mismatch_frame, detail: s.parity_detail, frames: s.parity_frames, hashes: s.parity_hashes },
    players: participants.map((p) => {
      const index = num(p.player_index);
      const m = metrics.find((r) => r.player_index === index);
      return {
        ...participantRow(p),
        metadata: p.metadata === null ? null : parse(p.metadata),
        metrics: m
          ? {
              frames: m.frames,
              rollbacks: m.rollbacks,
              rollback_total_ms: m.rollback_total_ms,
              rollback_max_depth: m.rollback_max_depth,
              rollback_histogram: parse(m.rollback_histogram),
              stalls: m.stalls,
              desyncs: m.desyncs,
              confirmed_hash: m.confirmed_hash,
              confirmed_hash_frame: m.confirmed_hash_frame,
              counters: parse(m.counters),
            }
          : null,
        hidden_periods: m ? parse(m.hidden_periods) : [],
        frame_clock: m && m.frame_clock !== null ? parse(m.frame_clock) : [],
        links: links
          .filter((l) => l.player_index === index)
          .map((l) => ({ ...l, connection_history: parse(l.connection_history), rtt_samples: parse(l.rtt_samples) })),
        episodes: episodes.filter((e) => e.player_index === index).map((e) => ({ episode: e.episode, start_frame: e.start_frame, end_frame: e.end_frame, seed: e.seed })),
      };
    }),
  };
}

/** The stored sessions (newest first, at most 1,000), or one session. */
/** One session, or every stored session (never a newest-N subset: an export leaves nothing out). */
async function sessionRows(store: ResearchStore, sessionId?: string, limit = EVERY_SESSION): Promise<SessionRow[]> {
  return sessionId ? [await store.session(sessionId)].filter((s): s is SessionRow => !!s) : store.sessions(limit);
}

/** Per-session rows (newest first), or one session's. */
export async function exportSessions(store: ResearchStore, sessionId?: string): Promise<SessionExportRow[]> {
  const out: SessionExportRow[] = [];
  for (const s of await sessionRows(store, sessionId)) out.push(await sessionRow(store, s));
  return out;
}

/** Per-session rows, computed one at a time (for streamed exports). */
export async function* sessionRowsLazy(store: ResearchStore, sessionId?: string, limit = EVERY_SESSION): AsyncGenerator<SessionExportRow> {
  for (const s of await sessionRows(store, sessionId, limit)) yield await sessionRow(store, s);
}

/** The sessions CSV (header first) in chunks of text, one session row computed at a time. */
export async function* sessionsCsvChunks(store: ResearchStore, sessionId?: string): AsyncGenerator<string> {
  let columns: string[] | undefined;
  for await (const row of sessionRowsLazy(store, sessionId)) {
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

/** Each player's clock (frame clock and hidden periods from its stored metrics), by player index. */
async function playerClocks(store: ResearchStore, sessionId: string, players: number): Promise<PlayerClock[]> {
  const metrics = await store.rows('metrics', sessionId);
  return Array.from({ length: players }, (_, p) => {
    const m = metrics.find((r) => r.player_index === p);
    const parse = <T>(v: unknown): T[] => {
      try {
        return typeof v === 'string' ? (JSON.parse(v) as T[]) : [];
      } catch {
        return [];
      }
    };
    return new PlayerClock(parse<FrameClockSample>(m?.frame_clock), parse<HiddenPeriod>(m?.hidden_periods));
  });
}

/**
 * Per-frame rows of a session from its longest stored log (peers agree when
 * parity is fullySynced), in chunks of `chunkRows`, with each player's wall
 * clock and focus, and, when `resolveGame` finds the game and it has a
 * `record()`, the outcome columns replayed from the log. The stored rows are
 * read and the log decoded before the chunks are returned, so a bad log
 * rejects with {@link ExportError} before anything is yielded.
 */
export async function frameChunks(store: ResearchStore, sessionId: string, chunkRows = FRAME_CHUNK_ROWS, resolveGame?: GameResolver): Promise<Iterable<FrameExportRow[]>> {
  const logs = await store.inputLogs(sessionId);
  if (logs.length === 0) return [];
  const longest = logs.reduce((a, b) => (b.frames > a.frames ? b : a));
  const decoded = decodeInputLog(longest.log);
  if (!decoded.ok) throw new ExportError(`session ${sessionId}: stored log of player ${longest.playerIndex}: ${decoded.error.message}`);
  const { log } = decoded;
  const episodes = (await store.rows('episodes', sessionId))
    .filter((e) => e.player_index === longest.playerIndex)
    .map((e) => ({ episode: num(e.episode), start: num(e.start_frame), end: num(e.end_frame) }))
    .sort((a, b) => a.start - b.start);
  const stride = log.players * log.inputSize;
  const clocks = await playerClocks(store, sessionId, log.players);
  const game = recordingGame(log.spec, log.inputSize, resolveGame);
  const replay = game ? new RecordReplay(game, log) : undefined;
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
        for (let p = 0; p < log.players; p++) {
          const t = clocks[p]!.timeAt(f);
          row[`time_ms_${p}`] = t ?? '';
          row[`focused_${p}`] = t === undefined ? '' : clocks[p]!.focusedAt(t);
        }
        if (replay) Object.assign(row, replay.step(f));
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

/** The columns of a frames export over sessions of at most `players` players, then the outcome columns `recordColumns`. */
export function frameColumns(players: number, recordColumns: readonly string[] = []): string[] {
  const each = (name: string) => Array.from({ length: players }, (_, p) => `${name}_${p}`);
  return ['session_id', 'frame', 'episode', ...each('player'), ...each('time_ms'), ...each('focused'), ...recordColumns];
}

/** The outcome columns of `sessions` (the union over their games, in first-seen order). */
function outcomeColumns(sessions: readonly SessionRow[], resolveGame: GameResolver | undefined): string[] {
  const out: string[] = [];
  for (const s of sessions) {
    if (s.game === null) continue;
    let inputSize: number;
    try {
      inputSize = resolveGame?.(s.game).inputSize ?? 0;
    } catch {
      continue;
    }
    for (const c of recordColumnNames(recordingGame(s.game, inputSize, resolveGame), s.seed, s.players)) if (!out.includes(c)) out.push(c);
  }
  return out;
}

/**
 * The frame rows of each of `sessions` in chunks; a session whose log
 * cannot be exported is left out and added to `skipped` (the one place
 * that rule is written).
 */
async function* sessionsFrameChunks(store: ResearchStore, sessions: readonly SessionRow[], skipped: SkippedSession[], resolveGame?: GameResolver): AsyncGenerator<FrameExportRow[]> {
  for (const s of sessions) {
    let chunks: Iterable<FrameExportRow[]>;
    try {
      chunks = await frameChunks(store, s.id, FRAME_CHUNK_ROWS, resolveGame);
    } catch (e) {
      skipped.push({ session_id: s.id, error: e instanceof Error ? e.message : String(e) });
      continue;
    }
    yield* chunks;
  }
}

/**
 * The frames CSV of `sessions`, header first, in chunks of text. Sessions
 * whose log cannot be exported are left out and added to `skipped`.
 * `resolveGame` (see `resolveGames`) adds the outcome columns.
 */
export async function* framesCsvChunks(store: ResearchStore, sessionId: string | undefined, skipped: SkippedSession[], resolveGame?: GameResolver): AsyncGenerator<string> {
  const sessions = await sessionRows(store, sessionId);
  const columns = frameColumns(sessions.reduce((m, s) => Math.max(m, s.players), 0), outcomeColumns(sessions, resolveGame));
  yield csvHeader(columns);
  for await (const rows of sessionsFrameChunks(store, sessions, skipped, resolveGame)) yield csvLines(rows, columns);
}

/**
 * The JSON export `{ sessions, frames, skipped }` in chunks of text, so it is
 * never built whole in memory. Sessions whose frames cannot be exported keep
 * their session row and are listed in `skipped`.
 */
export async function* exportJsonChunks(store: ResearchStore, sessionId?: string, skipped: SkippedSession[] = [], resolveGame?: GameResolver): AsyncGenerator<string> {
  const sessions = await sessionRows(store, sessionId);
  yield '{"sessions":[';
  for (let i = 0; i < sessions.length; i++) yield (i ? ',' : '') + JSON.stringify(await sessionRow(store, sessions[i]!));
  yield '],"participants":';
  yield JSON.stringify(await exportParticipants(store, sessionId));
  yield ',"frames":[';
  let first = true;
  for await (const rows of sessionsFrameChunks(store, sessions, skipped, resolveGame)) {
    if (rows.length === 0) continue;
    const text = rows.map((r) => JSON.stringify(r)).join(',');
    yield (first ? '' : ',') + text;
    first = false;
  }
  yield `],"skipped":${JSON.stringify(skipped)}}`;
}

