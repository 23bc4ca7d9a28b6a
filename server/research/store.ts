/**
 * The research store, one interface ({@link ResearchStore}) on two engines:
 * an embedded SQLite database (better-sqlite3) at `<dataDir>/netroll.sqlite`
 * (or in memory for `:memory:`), the default; or Postgres (`pg`) when a
 * database URL is given (`NETROLL_DATABASE_URL`), so several server nodes
 * share one store. Sessions are recorded when they form; peers' reports are
 * applied idempotently (a repeated upload id is stored once; an older report
 * never replaces a newer one); parity is re-checked, in the same transaction,
 * whenever every peer of a session has reported, whichever node received the
 * reports (the session row is locked first, so concurrent last reports are
 * applied one after the other and parity is computed once, never missed).
 */
import { appendInputLog } from './log-append.ts';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeInputLog } from '../../src/engine/input-log.ts';
import { checkParity, type ParityResult } from '../../src/research/parity.ts';
import { fromBase64, MAX_REPORT_BYTES, type SessionReport } from '../../src/research/report.ts';
import { migrate } from './migrations.ts';
import { migratePg } from './migrations-pg.ts';
import { PgDb, type PgOptions, SqliteDb, type SqlDb, type SqlExec, isUnavailable } from './sql.ts';

export interface NewSession {
  readonly id: string;
  readonly createdAt: number;
  readonly seed: number;
  readonly room?: string;
  readonly players: readonly NewParticipant[];
  /** Seats (the engine's player count) when more than `players`: free seats for late joiners, recorded when taken ({@link ResearchStore.memberJoined}). */
  readonly seats?: number;
}

/** A participant of a session, as recorded when it formed or when a late joiner confirmed its seat. */
export interface NewParticipant {
  readonly index: number;
  readonly clientId: string;
  readonly name: string;
  readonly participantId?: string;
  readonly metadata?: Readonly<Record<string, string | number | boolean>>;
}

/** Sessions the admin dashboard lists (the newest). */
export const DASHBOARD_SESSIONS = 1000;
/** Pass to `sessions()` for every stored session (the exports and the command line: nothing is left out). */
export const EVERY_SESSION = Number.MAX_SAFE_INTEGER;

/** A join that waited too long, as stored in `waiting_room`. */
export interface WaitTimeoutRow {
  readonly at: number;
  /** `room:NAME` or `queue:NAME`. */
  readonly target: string;
  readonly participantId?: string;
  readonly clientId: string;
  readonly waitedMs: number;
  /** Members in the group when it gave up, and the group size. */
  readonly count: number;
  readonly needed: number;
}

/** One RTT probe of a latency-gated queue, as stored in `rtt_probes`. */
export interface RttProbeRow {
  readonly at: number;
  readonly target: string;
  readonly maxRttMs: number;
  /** `passed`, `over` (someone over the limit: re-queued), `timeout` (not every member answered in time), `gave-up` (too many re-queues). */
  readonly outcome: string;
  /** The tentative group's client ids (and participant ids), in join order. */
  readonly members: readonly { clientId: string; participantId?: string }[];
  /** Measured medians, ms: `rtts[i][j]` from member i to member j (null: not measured). */
  readonly rtts: readonly (readonly (number | null)[])[];
  /** Indices of members over the limit. */
  readonly over: readonly number[];
}

/** The server's fallback end reason of a player that left its session without reporting one. */
const SERVER_END_REASON = { left: 'closed', disconnected: 'server-lost' } as const;

export interface ApplyResult {
  readonly stored: boolean;
  readonly duplicate: boolean;
  readonly superseded: boolean;
  readonly parity: ParityResult | null;
}

export interface SessionRow {
  id: string;
  created_at: number;
  seed: number;
  players: number;
  room: string | null;
  game: string | null;
  last_report_at: number | null;
  parity_status: string | null;
  parity_first_mismatch_frame: number | null;
  parity_detail: string | null;
  parity_frames: number | null;
  parity_hashes: number | null;
  parity_checked_at: number | null;
}

export interface StoredLog {
  readonly playerIndex: number;
  readonly frames: number;
  readonly log: Uint8Array;
  readonly hashes: { frame: number; hash: number }[];
  readonly confirmedHash: number | null;
  readonly confirmedHashFrame: number | null;
}

/**
 * Thrown for uploads the store refuses, with the project's error codes:
 * `not-found` (no such session or player), `unauthorized` (wrong token),
 * `bad-report` (the report or its input log does not fit the session),
 * `conflict` (it disagrees with what the session already has).
 */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: 'not-found' | 'unauthorized' | 'bad-report' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

/** Highest simulation rate a report's frame count is checked against, frames per second (the engine runs at 60). */
export const MAX_PLAUSIBLE_FPS = 240;
/** Frames a report may hold beyond what its session's age allows at {@link MAX_PLAUSIBLE_FPS} (clock skew, restarts). */
export const FRAME_SLACK_SECONDS = 120;
/** Body bytes every report may use besides the per-frame allowance. */
export const REPORT_BASE_BYTES = 1024 * 1024;
/** Body bytes allowed per plausible frame and player (base64 of a 16-byte input, 22 bytes) plus one hash entry (64). */
const BYTES_PER_FRAME_PLAYER = 22;
const BYTES_PER_FRAME_HASH = 64;

/** The session row fields an upload is checked against. */
export interface UploadTarget {
  readonly id: string;
  readonly createdAt: number;
  readonly players: number;
  readonly seed: number;
  readonly game: string | null;
}

/** Tables with per-session rows (for export and the dashboard). */
export type SessionTable = 'participants' | 'links' | 'episodes' | 'metrics' | 'events' | 'uploads';

/**
 * The research store. Both engines implement it with the same SQL and the
 * same behaviour; every read and write is async (Postgres is). Token signing
 * and size limits are synchronous (no database access).
 */
export interface ResearchStore {
  /** `sqlite` or `postgres`. */
  readonly kind: 'sqlite' | 'postgres';
  /** Where the data is: the SQLite file (or `:memory:`), or the Postgres URL without its password. */
  readonly location: string;
  /** The SQL back end (tests and maintenance only). */
  readonly sql: SqlDb;
  /** Closes the store (the pool, or the file). */
  close(): Promise<void>;
  /** Where another thread can open a reading connection to this store (null: in memory, it cannot). */
  readerSource(): ReaderSource | null;
  /** The per-participant upload token (HMAC with this store's secret). */
  reportToken(sessionId: string, playerIndex: number): string;
  /** Records a formed session and its players (a session already stored is left as it is). */
  recordSession(s: NewSession): Promise<void>;
  /**
   * A late joiner took a free seat of a running session and loaded its
   * state: it is a participant from now on (its reports are taken, and the
   * parity check waits for its log too). No-op for an unknown session, a
   * seat outside its seats, or a seat already recorded.
   */
  memberJoined(sessionId: string, p: NewParticipant): Promise<void>;
  /**
   * A player left its session's server connection (`left`: it said leave;
   * `disconnected`: the connection dropped). Unless its own report already
   * said how its session ended, its end reason becomes `closed` or
   * `server-lost` (a later report of its own still replaces it).
   */
  memberLeft(sessionId: string, playerIndex: number, how: 'left' | 'disconnected', at: number): Promise<void>;
  /** Whether `participantId` completed a session (its own report said `completed`), from the database. */
  participantCompleted(participantId: string): Promise<boolean>;
  /**
   * The same, answered at once for the join path: from the database on
   * SQLite; on Postgres from this node's view, which holds every completion
   * stored through this node at once and those stored through other nodes
   * within {@link COMPLETED_REFRESH_MS}.
   */
  knownCompleted(participantId: string): boolean;
  /** Records a join that waited too long. */
  recordWaitTimeout(r: WaitTimeoutRow): Promise<void>;
  /** Records one RTT probe of a latency-gated queue. */
  recordRttProbe(r: RttProbeRow): Promise<void>;
  /** Recorded waiting-room timeouts, newest first (at most `limit`). */
  waitTimeouts(limit?: number): Promise<Record<string, unknown>[]>;
  /** Recorded RTT probes, newest first (at most `limit`). */
  rttProbes(limit?: number): Promise<Record<string, unknown>[]>;
  /**
   * Checks who is uploading before anything is read: the session and player
   * exist and `token` is theirs (constant time). Cheap: one indexed lookup.
   *
   * @throws StoreError `not-found` or `unauthorized`.
   */
  authorizeUpload(sessionId: string, playerIndex: number, token: string): Promise<UploadTarget>;
  /** Most confirmed frames a report of `target` can hold at `now` (the session's age at {@link MAX_PLAUSIBLE_FPS}, plus slack). */
  maxFrames(target: UploadTarget, now: number): number;
  /** Largest upload body accepted for `target` at `now`: grows with the session's age, never over `MAX_REPORT_BYTES`. */
  maxReportBytes(target: UploadTarget, now: number): number;
  /**
   * Validate ownership and content, then apply a report; idempotent per
   * `uploadId`. The input log must decode and match the session's game (fixed
   * by the first stored report), seed and players, and the report's frames.
   * When every player has reported, parity is computed in the same
   * transaction.
   *
   * @throws StoreError for a refused report; StoreUnavailableError when the database cannot be reached (nothing stored).
   */
  applyReport(report: SessionReport, bytes: number, receivedAt: number): Promise<ApplyResult>;
  /** Re-check parity when every participant has reported; stores and returns the result. */
  checkParity(sessionId: string): Promise<ParityResult | null>;
  /** One session's row. */
  session(id: string): Promise<SessionRow | undefined>;
  /** The newest sessions (at most `limit`, default {@link DASHBOARD_SESSIONS}; {@link EVERY_SESSION} for all), newest first. */
  sessions(limit?: number): Promise<SessionRow[]>;
  /** The stored input logs of a session, by player. */
  inputLogs(sessionId: string): Promise<StoredLog[]>;
  /** Rows of a table for one session (for export and the dashboard). */
  rows(table: SessionTable, sessionId: string): Promise<Record<string, unknown>[]>;
  /** Uploads received for a session (applied or not). */
  uploadCount(sessionId: string): Promise<number>;
  /** The 32-byte secret stored under `key` in the settings table, made (and stored) on first use. */
  storedSecret(key: 'report-secret' | 'resume-key'): Promise<Buffer>;
}

/**
 * How another thread opens its own reading connection to the same store (the
 * export worker): the SQLite file, or the Postgres URL. None for an in-memory
 * SQLite store.
 */
export type ReaderSource = { readonly sqlitePath: string } | { readonly databaseUrl: string };

/** Where the research store lives. */
export interface StoreLocation {
  /** Data directory of the SQLite store (`:memory:`: in memory). Used when `databaseUrl` is absent. */
  readonly dataDir: string;
  /** A Postgres URL (`postgres://user:pass@host:port/db`): use Postgres instead of SQLite. */
  readonly databaseUrl?: string | undefined;
  /** Postgres pool options. */
  readonly pg?: PgOptions;
}

/** How often a Postgres store re-reads completions stored through other nodes, ms. */
export const COMPLETED_REFRESH_MS = 2000;
/** Most completed participant ids a Postgres store keeps in memory (the oldest are dropped past it). */
export const MAX_COMPLETED_KNOWN = 1_000_000;
/** How far back (ms) each refresh looks beyond the newest completion it saw: covers clock differences between nodes. */
const COMPLETED_OVERLAP_MS = 5 * 60_000;

/** The URL without its password (for logs). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/**
 * Opens the research store: Postgres when `databaseUrl` is set (migrated on
 * open), else SQLite in `dataDir`. A Postgres that cannot be reached fails
 * the open with a clear error.
 */
export async function openResearchStore(where: StoreLocation): Promise<ResearchStore> {
  if (where.databaseUrl) return SqlResearchStore.openPostgres(where.databaseUrl, where.pg);
  return SqlResearchStore.openSqlite(where.dataDir);
}

/** {@link ResearchStore} on a {@link SqlDb}: the same statements on SQLite and Postgres. */
export class SqlResearchStore implements ResearchStore {
  readonly kind: 'sqlite' | 'postgres';
  #secret: Buffer = Buffer.alloc(0);
  /** Completed participant ids seen (Postgres: the join path's view). */
  readonly #completed = new Set<string>();
  #completedSeenAt = 0;
  #refreshTimer: ReturnType<typeof setInterval> | undefined;
  #refreshing = false;

  private constructor(
    readonly sql: SqlDb,
    readonly location: string,
    private readonly source: ReaderSource | null,
  ) {
    this.kind = sql.kind;
  }

  readerSource(): ReaderSource | null {
    return this.source;
  }

  /**
   * A reading connection beside the server's own (an export worker's): SQLite
   * read-only (no migrations, no writes; waits up to 5 s on a writer's lock),
   * or a one-connection Postgres pool (no migrations). It signs no tokens.
   */
  static async openReader(source: ReaderSource): Promise<SqlResearchStore> {
    if ('databaseUrl' in source) return new SqlResearchStore(new PgDb(source.databaseUrl, { poolSize: 1 }), redactUrl(source.databaseUrl), source);
    const db = new Database(source.sqlitePath, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return new SqlResearchStore(new SqliteDb(db), source.sqlitePath, source);
  }

  /** Opens (and migrates) the SQLite store of a data directory (`:memory:` for an in-memory one). */
  static async openSqlite(dataDir: string): Promise<SqlResearchStore> {
    let path = ':memory:';
    if (dataDir !== ':memory:') {
      mkdirSync(dataDir, { recursive: true });
      path = join(dataDir, 'netroll.sqlite');
    }
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    // An acknowledged report must survive a power cut: the client stops retrying once acked.
    db.pragma('synchronous = FULL');
    // After a checkpoint the WAL file is truncated to at most this size, so one large report leaves no large WAL behind.
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    db.pragma('foreign_keys = ON');
    migrate(db);
    const store = new SqlResearchStore(new SqliteDb(db), path, path === ':memory:' ? null : { sqlitePath: path });
    store.#secret = await store.storedSecret('report-secret');
    return store;
  }

  /** Opens (and migrates) the Postgres store at `url`; throws a clear error when it cannot be reached. */
  static async openPostgres(url: string, options: PgOptions = {}): Promise<SqlResearchStore> {
    const db = new PgDb(url, options);
    const where = redactUrl(url);
    try {
      await migratePg(db.pool);
    } catch (e) {
      await db.close().catch(() => undefined);
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(isUnavailable(e) ? `cannot reach the research database at ${where}: ${why}` : `research database at ${where}: migration failed: ${why}`);
    }
    const store = new SqlResearchStore(db, where, { databaseUrl: url });
    try {
      store.#secret = await store.storedSecret('report-secret');
      await store.#refreshCompleted();
    } catch (e) {
      await db.close().catch(() => undefined);
      throw e;
    }
    store.#refreshTimer = setInterval(() => void store.#refreshCompleted(), COMPLETED_REFRESH_MS);
    store.#refreshTimer.unref();
    return store;
  }

  async close(): Promise<void> {
    clearInterval(this.#refreshTimer);
    await this.sql.close();
  }

  reportToken(sessionId: string, playerIndex: number): string {
    return createHmac('sha256', this.#secret).update(`${sessionId}:${playerIndex}`).digest('base64url');
  }

  async recordSession(s: NewSession): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.run('INSERT INTO sessions (id, created_at, seed, players, room) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
        s.id,
        s.createdAt,
        s.seed,
        Math.max(s.seats ?? 0, s.players.length),
        s.room ?? null,
      ]);
      for (const p of s.players) {
        await tx.run('INSERT INTO participants (session_id, player_index, client_id, name, participant_id, metadata) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
          s.id,
          p.index,
          p.clientId,
          p.name,
          p.participantId ?? null,
          p.metadata ? JSON.stringify(p.metadata) : null,
        ]);
      }
    });
  }

  async memberJoined(sessionId: string, p: NewParticipant): Promise<void> {
    await this.sql.transaction(async (tx) => {
      // The session row first (locked on Postgres, as an upload locks it): a seat's parity check and its new participant never interleave.
      const session = await tx.get<{ players: number }>(`SELECT players FROM sessions WHERE id = ?${this.kind === 'postgres' ? ' FOR UPDATE' : ''}`, [sessionId]);
      if (!session || !Number.isInteger(p.index) || p.index < 0 || p.index >= session.players) return;
      await tx.run('INSERT INTO participants (session_id, player_index, client_id, name, participant_id, metadata) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
        sessionId,
        p.index,
        p.clientId,
        p.name,
        p.participantId ?? null,
        p.metadata ? JSON.stringify(p.metadata) : null,
      ]);
    });
  }

  async memberLeft(sessionId: string, playerIndex: number, how: 'left' | 'disconnected', at: number): Promise<void> {
    await this.sql.run("UPDATE participants SET end_reason = ?, end_source = 'server', ended_at = ? WHERE session_id = ? AND player_index = ? AND end_reason IS NULL", [
      SERVER_END_REASON[how],
      at,
      sessionId,
      playerIndex,
    ]);
  }

  async participantCompleted(participantId: string): Promise<boolean> {
    return (await this.sql.get("SELECT 1 AS one FROM participants WHERE participant_id = ? AND end_reason = 'completed' LIMIT 1", [participantId])) !== undefined;
  }

  knownCompleted(participantId: string): boolean {
    if (this.sql.getSync) return this.sql.getSync("SELECT 1 AS one FROM participants WHERE participant_id = ? AND end_reason = 'completed' LIMIT 1", [participantId]) !== undefined;
    return this.#completed.has(participantId);
  }

  #noteCompleted(participantId: string): void {
    this.#completed.delete(participantId);
    this.#completed.add(participantId);
    if (this.#completed.size > MAX_COMPLETED_KNOWN) this.#completed.delete(this.#completed.values().next().value!);
  }

  /** Reads completions stored since the last refresh (by any node). A failed refresh is retried at the next tick. */
  async #refreshCompleted(): Promise<void> {
    if (this.#refreshing) return;
    this.#refreshing = true;
    try {
      const since = this.#completedSeenAt === 0 ? -1 : this.#completedSeenAt - COMPLETED_OVERLAP_MS;
      const rows = await this.sql.all<{ participant_id: string; ended_at: number | null }>(
        "SELECT participant_id, ended_at FROM participants WHERE end_reason = 'completed' AND participant_id IS NOT NULL AND COALESCE(ended_at, 0) > ? ORDER BY ended_at LIMIT 100000",
        [since],
      );
      for (const r of rows) {
        this.#noteCompleted(r.participant_id);
        if (r.ended_at !== null && r.ended_at > this.#completedSeenAt) this.#completedSeenAt = r.ended_at;
      }
      if (this.#completedSeenAt === 0) this.#completedSeenAt = 1;
    } catch (e) {
      if (!isUnavailable(e) && !(e instanceof Error && e.name === 'StoreUnavailableError')) console.error('netroll research store: completion refresh failed:', e instanceof Error ? e.message : String(e));
    } finally {
      this.#refreshing = false;
    }
  }

  async recordWaitTimeout(r: WaitTimeoutRow): Promise<void> {
    await this.sql.run("INSERT INTO waiting_room (at, kind, target, participant_id, client_id, waited_ms, count, needed) VALUES (?, 'timeout', ?, ?, ?, ?, ?, ?)", [
      r.at,
      r.target,
      r.participantId ?? null,
      r.clientId,
      r.waitedMs,
      r.count,
      r.needed,
    ]);
  }

  async recordRttProbe(r: RttProbeRow): Promise<void> {
    await this.sql.run('INSERT INTO rtt_probes (at, target, max_rtt_ms, outcome, members, rtts, "over") VALUES (?, ?, ?, ?, ?, ?, ?)', [
      r.at,
      r.target,
      r.maxRttMs,
      r.outcome,
      JSON.stringify(r.members),
      JSON.stringify(r.rtts),
      JSON.stringify(r.over),
    ]);
  }

  waitTimeouts(limit = 1000): Promise<Record<string, unknown>[]> {
    return this.sql.all('SELECT * FROM waiting_room ORDER BY id DESC LIMIT ?', [limit]);
  }

  rttProbes(limit = 1000): Promise<Record<string, unknown>[]> {
    return this.sql.all('SELECT * FROM rtt_probes ORDER BY id DESC LIMIT ?', [limit]);
  }

  async authorizeUpload(sessionId: string, playerIndex: number, token: string): Promise<UploadTarget> {
    return this.#authorize(this.sql, sessionId, playerIndex, token, false);
  }

  async #authorize(exec: SqlExec, sessionId: string, playerIndex: number, token: string, lock: boolean): Promise<UploadTarget> {
    // FOR UPDATE (Postgres, inside applyReport's transaction): reports of one session are applied one at a time,
    // so the last two reports arriving together at two nodes both see each other and parity is computed once.
    // Taken first, before any other statement, so the order does not hang on which later statement happens to
    // touch the session row. (SQLite: BEGIN IMMEDIATE already serialises every writer.)
    const forUpdate = lock && this.kind === 'postgres' ? ' FOR UPDATE' : '';
    const session = await exec.get<{ id: string; created_at: number; players: number; seed: number; game: string | null }>(
      `SELECT id, created_at, players, seed, game FROM sessions WHERE id = ?${forUpdate}`,
      [sessionId],
    );
    if (!session) throw new StoreError('not-found', `no session ${sessionId}`);
    if (!Number.isInteger(playerIndex) || playerIndex < 0 || playerIndex >= session.players) {
      throw new StoreError('not-found', `session ${sessionId} has no player ${playerIndex}`);
    }
    // A free seat (late join) is a participant only once its joiner confirmed it.
    if ((await exec.get('SELECT 1 AS one FROM participants WHERE session_id = ? AND player_index = ?', [sessionId, playerIndex])) === undefined) {
      throw new StoreError('not-found', `session ${sessionId} has no participant ${playerIndex}`);
    }
    const expected = Buffer.from(this.reportToken(sessionId, playerIndex));
    const given = Buffer.from(token);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new StoreError('unauthorized', 'the report token does not match this session and player');
    }
    return { id: session.id, createdAt: session.created_at, players: session.players, seed: session.seed, game: session.game };
  }

  maxFrames(target: UploadTarget, now: number): number {
    return Math.ceil((Math.max(0, now - target.createdAt) / 1000 + FRAME_SLACK_SECONDS) * MAX_PLAUSIBLE_FPS);
  }

  maxReportBytes(target: UploadTarget, now: number): number {
    const perFrame = target.players * BYTES_PER_FRAME_PLAYER + BYTES_PER_FRAME_HASH;
    return Math.min(MAX_REPORT_BYTES, REPORT_BASE_BYTES + this.maxFrames(target, now) * perFrame);
  }

  async applyReport(report: SessionReport, bytes: number, receivedAt: number): Promise<ApplyResult> {
    // Checks that need no lock first (a bad report costs no transaction); who is uploading comes first of all.
    await this.authorizeUpload(report.sessionId, report.playerIndex, report.reportToken);
    const log = fromBase64(report.inputLog);
    if (!log) throw new StoreError('bad-report', 'inputLog is not valid base64');
    const decoded = decodeInputLog(log);
    if (!decoded.ok) throw new StoreError('bad-report', `inputLog: ${decoded.error.message}`);
    const l = decoded.log;
    const result = await this.sql.transaction(async (tx): Promise<ApplyResult> => {
      const target = await this.#authorize(tx, report.sessionId, report.playerIndex, report.reportToken, true);
      const participant = await tx.get<{ report_seq: number | null }>('SELECT report_seq FROM participants WHERE session_id = ? AND player_index = ?', [
        report.sessionId,
        report.playerIndex,
      ]);
      if (!participant) throw new StoreError('not-found', `session ${report.sessionId} has no player ${report.playerIndex}`);
      if (report.players !== target.players) throw new StoreError('bad-report', `players ${report.players} ≠ session's ${target.players}`);
      if (report.seed !== target.seed) throw new StoreError('bad-report', `seed ${report.seed} ≠ session's ${target.seed}`);
      if (l.spec !== report.game) throw new StoreError('bad-report', `inputLog is of game ${JSON.stringify(l.spec.slice(0, 80))}, the report says ${JSON.stringify(report.game.slice(0, 80))}`);
      if (l.seed !== target.seed) throw new StoreError('bad-report', `inputLog seed ${l.seed} ≠ session's ${target.seed}`);
      if (l.players !== target.players) throw new StoreError('bad-report', `inputLog has ${l.players} players, the session ${target.players}`);
      // an incremental report's log is the range from `logFrom` (server/research/log-append.ts)
      const logEnd = (report.logFrom ?? 0) + l.frames;
      if (logEnd !== report.frames) throw new StoreError('bad-report', `inputLog holds frames up to ${logEnd}, the report says ${report.frames}`);
      const maxFrames = this.maxFrames(target, receivedAt);
      if (logEnd > maxFrames) throw new StoreError('bad-report', `${logEnd} frames is more than a session this old can have (${maxFrames})`);
      if (target.game !== null && target.game !== l.spec) {
        throw new StoreError('conflict', `session ${target.id} is a game of ${JSON.stringify(target.game)}, not ${JSON.stringify(l.spec.slice(0, 80))}`);
      }
      const seen = await tx.get('SELECT 1 AS one FROM uploads WHERE upload_id = ?', [report.uploadId]);
      if (seen) return { stored: false, duplicate: true, superseded: false, parity: null };
      const newer = participant.report_seq === null || report.seq > participant.report_seq;
      await tx.run('INSERT INTO uploads (upload_id, session_id, player_index, seq, kind, received_at, bytes, applied) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        report.uploadId,
        report.sessionId,
        report.playerIndex,
        report.seq,
        report.kind,
        receivedAt,
        bytes,
        newer ? 1 : 0,
      ]);
      if (!newer) return { stored: false, duplicate: false, superseded: true, parity: null };
      const data = report.logFrom === undefined ? { log, hashes: report.hashes } : await this.#appendRange(tx, report, log);
      await this.#replaceParticipantData(tx, report, data.log, data.hashes, receivedAt);
      return { stored: true, duplicate: false, superseded: false, parity: await this.#checkParity(tx, report.sessionId) };
    });
    if (result.stored && report.end?.reason === 'completed') {
      const pid = await this.sql.get<{ participant_id: string | null }>('SELECT participant_id FROM participants WHERE session_id = ? AND player_index = ?', [
        report.sessionId,
        report.playerIndex,
      ]);
      if (pid?.participant_id) this.#noteCompleted(pid.participant_id);
    }
    return result;
  }

  /**
   * The stored log with the report's input-log range appended
   * (server/research/log-append.ts), and the stored hash samples before the
   * range merged with the report's (an incremental report carries only the
   * samples from `logFrom` on; where both have a frame, the report's wins).
   */
  async #appendRange(tx: SqlExec, r: SessionReport, range: Uint8Array): Promise<{ log: Uint8Array; hashes: SessionReport['hashes'] }> {
    const row = await tx.get<{ log: Buffer; hashes: string }>('SELECT log, hashes FROM input_logs WHERE session_id = ? AND player_index = ?', [r.sessionId, r.playerIndex]);
    const stored = row ? new Uint8Array(row.log.buffer, row.log.byteOffset, row.log.byteLength) : null;
    const appended = appendInputLog(stored, r.logFrom ?? 0, range, r.departures ?? [], r.absences ?? []);
    if (!appended.ok) throw new StoreError(appended.error.code === 'conflict' ? 'conflict' : 'bad-report', appended.error.message);
    const byFrame = new Map<number, number>();
    if (row) for (const h of JSON.parse(row.hashes) as SessionReport['hashes']) byFrame.set(h.frame, h.hash);
    for (const h of r.hashes) byFrame.set(h.frame, h.hash);
    const hashes = [...byFrame].filter(([frame]) => frame <= appended.frames).sort((a, b) => a[0] - b[0]).map(([frame, hash]) => ({ frame, hash }));
    return { log: appended.log, hashes };
  }

  async #replaceParticipantData(tx: SqlExec, r: SessionReport, log: Uint8Array, hashes: SessionReport['hashes'], receivedAt: number): Promise<void> {
    const key = [r.sessionId, r.playerIndex] as const;
    for (const table of ['links', 'episodes', 'metrics', 'events', 'input_logs']) {
      await tx.run(`DELETE FROM ${table} WHERE session_id = ? AND player_index = ?`, key);
    }
    await tx.run(
      'UPDATE participants SET report_seq = ?, final_report = CASE WHEN final_report > ? THEN final_report ELSE ? END, episodes_completed = COALESCE(?, episodes_completed) WHERE session_id = ? AND player_index = ?',
      [r.seq, r.kind === 'final' ? 1 : 0, r.kind === 'final' ? 1 : 0, r.episodesCompleted ?? null, ...key],
    );
    if (r.end) {
      // the player's own word on how its session ended replaces the server's fallback
      await tx.run("UPDATE participants SET end_reason = ?, end_source = 'report', end_frame = ?, ended_at = ? WHERE session_id = ? AND player_index = ?", [
        r.end.reason,
        r.end.frame ?? null,
        receivedAt,
        ...key,
      ]);
    }
    // The first stored report fixes the game; later ones were checked to match it.
    await tx.run('UPDATE sessions SET game = COALESCE(game, ?), last_report_at = ? WHERE id = ?', [r.game, receivedAt, r.sessionId]);
    for (const l of r.links) {
      await tx.run(
        `INSERT INTO links (session_id, player_index, peer, connection_type, relay_protocol, rtt_ms, loss, inputs_via_p2p,
          inputs_via_relay, relay_failovers, relay_recoveries, ice_restarts, connection_history, rtt_samples)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [...key, l.peer, l.connectionType, l.relayProtocol ?? null, l.rttMs, l.loss, l.inputsViaP2P, l.inputsViaRelay,
          l.relayFailovers, l.relayRecoveries, l.iceRestarts, JSON.stringify(l.connectionHistory), JSON.stringify(l.rttSamples)],
      );
    }
    for (const e of r.episodes) {
      await tx.run(
        `INSERT INTO episodes (session_id, player_index, episode, start_frame, end_frame, seed) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_id, player_index, episode) DO UPDATE SET start_frame = excluded.start_frame, end_frame = excluded.end_frame, seed = excluded.seed`,
        [...key, e.episode, e.startFrame, e.endFrame, e.seed],
      );
    }
    await tx.run(
      `INSERT INTO metrics (session_id, player_index, frames, rollbacks, rollback_total_ms, rollback_max_depth, rollback_histogram,
        stalls, desyncs, confirmed_hash, confirmed_hash_frame, hidden_periods, counters, frame_clock) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [...key, r.frames, r.rollbacks.count, r.rollbacks.totalMs, r.rollbacks.maxDepth, JSON.stringify(r.rollbacks.histogram),
        r.stalls, r.desyncs.length, r.confirmedHash.hash, r.confirmedHash.frame, JSON.stringify(r.hiddenPeriods), JSON.stringify(r.counters),
        r.frameClock ? JSON.stringify(r.frameClock) : null],
    );
    const event = (type: string, frame: number | null, at: number | null, data: unknown): Promise<number> =>
      tx.run('INSERT INTO events (session_id, player_index, type, frame, at, data) VALUES (?, ?, ?, ?, ?, ?)', [...key, type, frame, at, JSON.stringify(data)]);
    for (const d of r.desyncs) await event('desync', d.frame, null, d);
    for (const d of r.departures ?? []) await event('departure', d.frame, null, d);
    for (const x of r.resyncs ?? []) await event('resync', x.frame, null, x);
    for (const a of r.absences ?? []) await event('absence', a.from, null, a);
    for (const h of r.hiddenPeriods) await event('hidden', null, h.start, h);
    for (const l of r.links) {
      for (const c of l.connectionHistory) await event('connection', null, c.at, { peer: l.peer, ...c });
    }
    await tx.run('INSERT INTO input_logs (session_id, player_index, frames, log, hashes) VALUES (?, ?, ?, ?, ?)', [
      ...key,
      r.frames,
      Buffer.from(log.buffer, log.byteOffset, log.byteLength),
      JSON.stringify(hashes),
    ]);
  }

  async checkParity(sessionId: string): Promise<ParityResult | null> {
    return this.sql.transaction(async (tx) => {
      const session = await tx.get<{ players: number }>(`SELECT players FROM sessions WHERE id = ?${this.kind === 'postgres' ? ' FOR UPDATE' : ''}`, [sessionId]);
      return session ? this.#checkParity(tx, sessionId) : null;
    });
  }

  /**
   * Parity of a session whose row `tx` holds locked, stored; null (nothing
   * stored) until every participant has a log. A session with free seats
   * (late join) has fewer participants than seats: a late joiner counts once
   * it confirmed its seat ({@link ResearchStore.memberJoined}).
   */
  async #checkParity(tx: SqlExec, sessionId: string): Promise<ParityResult | null> {
    const logs = await this.#inputLogs(tx, sessionId);
    const participants = (await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM participants WHERE session_id = ?', [sessionId]))!.n;
    if (logs.length < participants) return null;
    const parity = checkParity(logs.map((l) => ({ playerIndex: l.playerIndex, inputLog: l.log, hashes: l.hashes })));
    await tx.run(
      `UPDATE sessions SET parity_status = ?, parity_first_mismatch_frame = ?, parity_detail = ?, parity_frames = ?,
        parity_hashes = ?, parity_checked_at = ? WHERE id = ?`,
      [parity.status, parity.firstMismatchFrame, parity.detail, parity.framesCompared, parity.hashesCompared, Date.now(), sessionId],
    );
    return parity;
  }

  session(id: string): Promise<SessionRow | undefined> {
    return this.sql.get<SessionRow>('SELECT * FROM sessions WHERE id = ?', [id]);
  }

  sessions(limit = DASHBOARD_SESSIONS): Promise<SessionRow[]> {
    return this.sql.all<SessionRow>('SELECT * FROM sessions ORDER BY created_at DESC LIMIT ?', [limit]);
  }

  inputLogs(sessionId: string): Promise<StoredLog[]> {
    return this.#inputLogs(this.sql, sessionId);
  }

  async #inputLogs(exec: SqlExec, sessionId: string): Promise<StoredLog[]> {
    const rows = await exec.all<{ player_index: number; frames: number; log: Buffer; hashes: string; confirmed_hash: number | null; confirmed_hash_frame: number | null }>(
      `SELECT l.player_index, l.frames, l.log, l.hashes, m.confirmed_hash, m.confirmed_hash_frame
       FROM input_logs l LEFT JOIN metrics m ON m.session_id = l.session_id AND m.player_index = l.player_index
       WHERE l.session_id = ? ORDER BY l.player_index`,
      [sessionId],
    );
    return rows.map((r) => ({
      playerIndex: r.player_index,
      frames: r.frames,
      log: new Uint8Array(r.log.buffer, r.log.byteOffset, r.log.byteLength),
      hashes: JSON.parse(r.hashes) as { frame: number; hash: number }[],
      confirmedHash: r.confirmed_hash,
      confirmedHashFrame: r.confirmed_hash_frame,
    }));
  }

  rows(table: SessionTable, sessionId: string): Promise<Record<string, unknown>[]> {
    if (!SESSION_TABLES.has(table)) throw new Error(`no session table ${String(table)}`);
    // events keep their insertion order within a player (ORDER BY id), as SQLite returned them
    const order = ORDER_OF[table];
    return this.sql.all(`SELECT * FROM ${table} WHERE session_id = ? ORDER BY ${order}`, [sessionId]);
  }

  async uploadCount(sessionId: string): Promise<number> {
    return (await this.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM uploads WHERE session_id = ?', [sessionId]))!.n;
  }

  async storedSecret(key: 'report-secret' | 'resume-key'): Promise<Buffer> {
    const fresh = randomBytes(32).toString('base64');
    // Two nodes starting at once: the first insert wins and both read it back.
    await this.sql.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING', [key, fresh]);
    const row = await this.sql.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key]);
    return Buffer.from(row!.value, 'base64');
  }
}

const SESSION_TABLES: ReadonlySet<string> = new Set<SessionTable>(['participants', 'links', 'episodes', 'metrics', 'events', 'uploads']);
/** Row order of each session table: by player, then as stored (the same on both engines). */
const ORDER_OF: Readonly<Record<SessionTable, string>> = {
  participants: 'player_index',
  links: 'player_index, peer',
  episodes: 'player_index, episode',
  metrics: 'player_index',
  events: 'player_index, id',
  uploads: 'player_index, received_at, upload_id',
};
