/**
 * The research store: an embedded SQLite database (better-sqlite3) at
 * `<dataDir>/netroll.sqlite`, or in memory for `:memory:`. Sessions are
 * recorded when they form; peers' reports are applied idempotently (a
 * repeated upload id is stored once; an older report never replaces a newer
 * one); parity is re-checked whenever every peer of a session has reported.
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

export class ResearchStore {
  readonly db: Database.Database;
  private readonly secret: Buffer;

  constructor(
    readonly path: string,
    readOnly = false,
  ) {
    if (readOnly) {
      // A reader beside the server's own connection (the export worker): no migrations, no writes.
      this.db = new Database(path, { readonly: true, fileMustExist: true });
      this.db.pragma('busy_timeout = 5000');
      this.secret = Buffer.alloc(0);
      return;
    }
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // An acknowledged report must survive a power cut: the client stops retrying once acked.
    this.db.pragma('synchronous = FULL');
    // After a checkpoint the WAL file is truncated to at most this size, so one large report leaves no large WAL behind.
    this.db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    this.db.pragma('foreign_keys = ON');
    migrate(this.db);
    this.secret = this.storedSecret('report-secret');
  }

  /** A read-only connection to the store file at `path` (an export worker's). */
  static openReadOnly(path: string): ResearchStore {
    return new ResearchStore(path, true);
  }

  /** Open the store of a data directory (`:memory:` for an in-memory one). */
  static open(dataDir: string): ResearchStore {
    if (dataDir === ':memory:') return new ResearchStore(':memory:');
    mkdirSync(dataDir, { recursive: true });
    return new ResearchStore(join(dataDir, 'netroll.sqlite'));
  }

  close(): void {
    this.db.close();
  }

  /** The per-participant upload token (HMAC with this store's secret). */
  reportToken(sessionId: string, playerIndex: number): string {
    return createHmac('sha256', this.secret).update(`${sessionId}:${playerIndex}`).digest('base64url');
  }

  recordSession(s: NewSession): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT OR IGNORE INTO sessions (id, created_at, seed, players, room) VALUES (?, ?, ?, ?, ?)')
        .run(s.id, s.createdAt, s.seed, Math.max(s.seats ?? 0, s.players.length), s.room ?? null);
      const insert = this.db.prepare('INSERT OR IGNORE INTO participants (session_id, player_index, client_id, name, participant_id, metadata) VALUES (?, ?, ?, ?, ?, ?)');
      for (const p of s.players) insert.run(s.id, p.index, p.clientId, p.name, p.participantId ?? null, p.metadata ? JSON.stringify(p.metadata) : null);
    })();
  }

  /**
   * A late joiner took a free seat of a running session and loaded its
   * state: it is a participant from now on (its reports are taken, and the
   * parity check waits for its log too). No-op for an unknown session or a
   * seat already recorded.
   */
  memberJoined(sessionId: string, p: NewParticipant): void {
    this.db
      .prepare('INSERT OR IGNORE INTO participants (session_id, player_index, client_id, name, participant_id, metadata) SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM sessions WHERE id = ?)')
      .run(sessionId, p.index, p.clientId, p.name, p.participantId ?? null, p.metadata ? JSON.stringify(p.metadata) : null, sessionId);
  }

  /**
   * A player left its session's server connection (`left`: it said leave;
   * `disconnected`: the connection dropped). Unless its own report already
   * said how its session ended, its end reason becomes `closed` or
   * `server-lost` (a later report of its own still replaces it).
   */
  memberLeft(sessionId: string, playerIndex: number, how: 'left' | 'disconnected', at: number): void {
    this.db
      .prepare("UPDATE participants SET end_reason = ?, end_source = 'server', ended_at = ? WHERE session_id = ? AND player_index = ? AND end_reason IS NULL")
      .run(SERVER_END_REASON[how], at, sessionId, playerIndex);
  }

  /** Whether `participantId` completed a session (its own report said `completed`). */
  participantCompleted(participantId: string): boolean {
    return this.db.prepare("SELECT 1 FROM participants WHERE participant_id = ? AND end_reason = 'completed' LIMIT 1").get(participantId) !== undefined;
  }

  /** Records a join that waited too long. */
  recordWaitTimeout(r: WaitTimeoutRow): void {
    this.db
      .prepare("INSERT INTO waiting_room (at, kind, target, participant_id, client_id, waited_ms, count, needed) VALUES (?, 'timeout', ?, ?, ?, ?, ?, ?)")
      .run(r.at, r.target, r.participantId ?? null, r.clientId, r.waitedMs, r.count, r.needed);
  }

  /** Records one RTT probe of a latency-gated queue. */
  recordRttProbe(r: RttProbeRow): void {
    this.db
      .prepare('INSERT INTO rtt_probes (at, target, max_rtt_ms, outcome, members, rtts, over) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(r.at, r.target, r.maxRttMs, r.outcome, JSON.stringify(r.members), JSON.stringify(r.rtts), JSON.stringify(r.over));
  }

  /** Recorded waiting-room timeouts, newest first (at most `limit`). */
  waitTimeouts(limit = 1000): Record<string, unknown>[] {
    return this.db.prepare('SELECT * FROM waiting_room ORDER BY id DESC LIMIT ?').all(limit) as Record<string, unknown>[];
  }

  /** Recorded RTT probes, newest first (at most `limit`). */
  rttProbes(limit = 1000): Record<string, unknown>[] {
    return this.db.prepare('SELECT * FROM rtt_probes ORDER BY id DESC LIMIT ?').all(limit) as Record<string, unknown>[];
  }

  /**
   * Checks who is uploading before anything is read: the session and player
   * exist and `token` is theirs (constant time). Cheap: one indexed lookup.
   *
   * @throws StoreError `not-found` or `unauthorized`.
   */
  authorizeUpload(sessionId: string, playerIndex: number, token: string): UploadTarget {
    const session = this.db.prepare('SELECT id, created_at, players, seed, game FROM sessions WHERE id = ?').get(sessionId) as
      | { id: string; created_at: number; players: number; seed: number; game: string | null }
      | undefined;
    if (!session) throw new StoreError('not-found', `no session ${sessionId}`);
    if (!Number.isInteger(playerIndex) || playerIndex < 0 || playerIndex >= session.players) {
      throw new StoreError('not-found', `session ${sessionId} has no player ${playerIndex}`);
    }
    // A free seat (late join) is a participant only once its joiner confirmed it.
    if (this.db.prepare('SELECT 1 FROM participants WHERE session_id = ? AND player_index = ?').get(sessionId, playerIndex) === undefined) {
      throw new StoreError('not-found', `session ${sessionId} has no participant ${playerIndex}`);
    }
    const expected = Buffer.from(this.reportToken(sessionId, playerIndex));
    const given = Buffer.from(token);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new StoreError('unauthorized', 'the report token does not match this session and player');
    }
    return { id: session.id, createdAt: session.created_at, players: session.players, seed: session.seed, game: session.game };
  }

  /** Most confirmed frames a report of `target` can hold at `now` (the session's age at {@link MAX_PLAUSIBLE_FPS}, plus slack). */
  maxFrames(target: UploadTarget, now: number): number {
    return Math.ceil((Math.max(0, now - target.createdAt) / 1000 + FRAME_SLACK_SECONDS) * MAX_PLAUSIBLE_FPS);
  }

  /** Largest upload body accepted for `target` at `now`: grows with the session's age, never over `MAX_REPORT_BYTES`. */
  maxReportBytes(target: UploadTarget, now: number): number {
    const perFrame = target.players * BYTES_PER_FRAME_PLAYER + BYTES_PER_FRAME_HASH;
    return Math.min(MAX_REPORT_BYTES, REPORT_BASE_BYTES + this.maxFrames(target, now) * perFrame);
  }

  /**
   * Validate ownership and content, then apply a report; idempotent per
   * `uploadId`. The input log must decode and match the session's game (fixed
   * by the first stored report), seed and players, and the report's frames.
   */
  applyReport(report: SessionReport, bytes: number, receivedAt: number): ApplyResult {
    const target = this.authorizeUpload(report.sessionId, report.playerIndex, report.reportToken);
    const participant = this.db
      .prepare('SELECT report_seq FROM participants WHERE session_id = ? AND player_index = ?')
      .get(report.sessionId, report.playerIndex) as { report_seq: number | null } | undefined;
    if (!participant) throw new StoreError('not-found', `session ${report.sessionId} has no player ${report.playerIndex}`);
    if (report.players !== target.players) throw new StoreError('bad-report', `players ${report.players} ≠ session's ${target.players}`);
    if (report.seed !== target.seed) throw new StoreError('bad-report', `seed ${report.seed} ≠ session's ${target.seed}`);
    const log = fromBase64(report.inputLog);
    if (!log) throw new StoreError('bad-report', 'inputLog is not valid base64');
    const decoded = decodeInputLog(log);
    if (!decoded.ok) throw new StoreError('bad-report', `inputLog: ${decoded.error.message}`);
    const l = decoded.log;
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

    let result: ApplyResult = { stored: false, duplicate: true, superseded: false, parity: null };
    this.db.transaction(() => {
      const seen = this.db.prepare('SELECT 1 FROM uploads WHERE upload_id = ?').get(report.uploadId);
      if (seen) return;
      const newer = participant.report_seq === null || report.seq > participant.report_seq;
      this.db
        .prepare('INSERT INTO uploads (upload_id, session_id, player_index, seq, kind, received_at, bytes, applied) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(report.uploadId, report.sessionId, report.playerIndex, report.seq, report.kind, receivedAt, bytes, newer ? 1 : 0);
      if (newer) {
        const data = report.logFrom === undefined ? { log, hashes: report.hashes } : this.appendRange(report, log);
        this.replaceParticipantData(report, data.log, data.hashes, receivedAt);
      }
      result = { stored: newer, duplicate: false, superseded: !newer, parity: null };
    })();
    if (result.stored) result = { ...result, parity: this.checkParity(report.sessionId) };
    return result;
  }

  /**
   * The stored log with the report's input-log range appended
   * (server/research/log-append.ts), and the stored hash samples before the
   * range merged with the report's (an incremental report carries only the
   * samples from `logFrom` on; where both have a frame, the report's wins).
   */
  private appendRange(r: SessionReport, range: Uint8Array): { log: Uint8Array; hashes: SessionReport['hashes'] } {
    const row = this.db.prepare('SELECT log, hashes FROM input_logs WHERE session_id = ? AND player_index = ?').get(r.sessionId, r.playerIndex) as
      | { log: Buffer; hashes: string }
      | undefined;
    const stored = row ? new Uint8Array(row.log.buffer, row.log.byteOffset, row.log.byteLength) : null;
    const appended = appendInputLog(stored, r.logFrom ?? 0, range, r.departures ?? [], r.absences ?? []);
    if (!appended.ok) throw new StoreError(appended.error.code === 'conflict' ? 'conflict' : 'bad-report', appended.error.message);
    const byFrame = new Map<number, number>();
    if (row) for (const h of JSON.parse(row.hashes) as SessionReport['hashes']) byFrame.set(h.frame, h.hash);
    for (const h of r.hashes) byFrame.set(h.frame, h.hash);
    const hashes = [...byFrame].filter(([frame]) => frame <= appended.frames).sort((a, b) => a[0] - b[0]).map(([frame, hash]) => ({ frame, hash }));
    return { log: appended.log, hashes };
  }

  private replaceParticipantData(r: SessionReport, log: Uint8Array, hashes: SessionReport['hashes'], receivedAt: number): void {
    const key = [r.sessionId, r.playerIndex] as const;
    for (const table of ['links', 'episodes', 'metrics', 'events', 'input_logs']) {
      this.db.prepare(`DELETE FROM ${table} WHERE session_id = ? AND player_index = ?`).run(...key);
    }
    this.db
      .prepare('UPDATE participants SET report_seq = ?, final_report = MAX(final_report, ?), episodes_completed = COALESCE(?, episodes_completed) WHERE session_id = ? AND player_index = ?')
      .run(r.seq, r.kind === 'final' ? 1 : 0, r.episodesCompleted ?? null, ...key);
    if (r.end) {
      // the player's own word on how its session ended replaces the server's fallback
      this.db
        .prepare("UPDATE participants SET end_reason = ?, end_source = 'report', end_frame = ?, ended_at = ? WHERE session_id = ? AND player_index = ?")
        .run(r.end.reason, r.end.frame ?? null, receivedAt, ...key);
    }
    // The first stored report fixes the game; later ones were checked to match it.
    this.db.prepare('UPDATE sessions SET game = COALESCE(game, ?), last_report_at = ? WHERE id = ?').run(r.game, receivedAt, r.sessionId);
    const link = this.db.prepare(
      `INSERT INTO links (session_id, player_index, peer, connection_type, relay_protocol, rtt_ms, loss, inputs_via_p2p,
        inputs_via_relay, relay_failovers, relay_recoveries, ice_restarts, connection_history, rtt_samples)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const l of r.links) {
      link.run(...key, l.peer, l.connectionType, l.relayProtocol ?? null, l.rttMs, l.loss, l.inputsViaP2P, l.inputsViaRelay,
        l.relayFailovers, l.relayRecoveries, l.iceRestarts, JSON.stringify(l.connectionHistory), JSON.stringify(l.rttSamples));
    }
    const episode = this.db.prepare('INSERT OR REPLACE INTO episodes (session_id, player_index, episode, start_frame, end_frame, seed) VALUES (?, ?, ?, ?, ?, ?)');
    for (const e of r.episodes) episode.run(...key, e.episode, e.startFrame, e.endFrame, e.seed);
    this.db
      .prepare(
        `INSERT INTO metrics (session_id, player_index, frames, rollbacks, rollback_total_ms, rollback_max_depth, rollback_histogram,
          stalls, desyncs, confirmed_hash, confirmed_hash_frame, hidden_periods, counters, frame_clock) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(...key, r.frames, r.rollbacks.count, r.rollbacks.totalMs, r.rollbacks.maxDepth, JSON.stringify(r.rollbacks.histogram),
        r.stalls, r.desyncs.length, r.confirmedHash.hash, r.confirmedHash.frame, JSON.stringify(r.hiddenPeriods), JSON.stringify(r.counters),
        r.frameClock ? JSON.stringify(r.frameClock) : null);
    const event = this.db.prepare('INSERT INTO events (session_id, player_index, type, frame, at, data) VALUES (?, ?, ?, ?, ?, ?)');
    for (const d of r.desyncs) event.run(...key, 'desync', d.frame, null, JSON.stringify(d));
    for (const d of r.departures ?? []) event.run(...key, 'departure', d.frame, null, JSON.stringify(d));
    for (const x of r.resyncs ?? []) event.run(...key, 'resync', x.frame, null, JSON.stringify(x));
    for (const a of r.absences ?? []) event.run(...key, 'absence', a.from, null, JSON.stringify(a));
    for (const h of r.hiddenPeriods) event.run(...key, 'hidden', null, h.start, JSON.stringify(h));
    for (const l of r.links) {
      for (const c of l.connectionHistory) event.run(...key, 'connection', null, c.at, JSON.stringify({ peer: l.peer, ...c }));
    }
    this.db.prepare('INSERT INTO input_logs (session_id, player_index, frames, log, hashes) VALUES (?, ?, ?, ?, ?)').run(
      ...key,
      r.frames,
      Buffer.from(log.buffer, log.byteOffset, log.byteLength),
      JSON.stringify(hashes),
    );
  }

  /** Re-check parity when every participant has reported; stores and returns the result. */
  checkParity(sessionId: string): ParityResult | null {
    const logs = this.inputLogs(sessionId);
    const session = this.session(sessionId);
    // Every participant's log (a session with free seats has fewer participants than seats).
    const participants = (this.db.prepare('SELECT COUNT(*) AS n FROM participants WHERE session_id = ?').get(sessionId) as { n: number }).n;
    if (!session || logs.length < participants) return null;
    const parity = checkParity(logs.map((l) => ({ playerIndex: l.playerIndex, inputLog: l.log, hashes: l.hashes })));
    this.db
      .prepare(
        `UPDATE sessions SET parity_status = ?, parity_first_mismatch_frame = ?, parity_detail = ?, parity_frames = ?,
          parity_hashes = ?, parity_checked_at = ? WHERE id = ?`,
      )
      .run(parity.status, parity.firstMismatchFrame, parity.detail, parity.framesCompared, parity.hashesCompared, Date.now(), sessionId);
    return parity;
  }

  session(id: string): SessionRow | undefined {
    return this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
  }

  sessions(limit = 1000): SessionRow[] {
    return this.db.prepare('SELECT * FROM sessions ORDER BY created_at DESC LIMIT ?').all(limit) as SessionRow[];
  }

  inputLogs(sessionId: string): StoredLog[] {
    const rows = this.db
      .prepare(
        `SELECT l.player_index, l.frames, l.log, l.hashes, m.confirmed_hash, m.confirmed_hash_frame
         FROM input_logs l LEFT JOIN metrics m ON m.session_id = l.session_id AND m.player_index = l.player_index
         WHERE l.session_id = ? ORDER BY l.player_index`,
      )
      .all(sessionId) as { player_index: number; frames: number; log: Buffer; hashes: string; confirmed_hash: number | null; confirmed_hash_frame: number | null }[];
    return rows.map((r) => ({
      playerIndex: r.player_index,
      frames: r.frames,
      log: new Uint8Array(r.log.buffer, r.log.byteOffset, r.log.byteLength),
      hashes: JSON.parse(r.hashes) as { frame: number; hash: number }[],
      confirmedHash: r.confirmed_hash,
      confirmedHashFrame: r.confirmed_hash_frame,
    }));
  }

  /** Rows of a table for one session (for export and the dashboard). */
  rows(table: 'participants' | 'links' | 'episodes' | 'metrics' | 'events' | 'uploads', sessionId: string): Record<string, unknown>[] {
    return this.db.prepare(`SELECT * FROM ${table} WHERE session_id = ? ORDER BY player_index`).all(sessionId) as Record<string, unknown>[];
  }

  uploadCount(sessionId: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM uploads WHERE session_id = ?').get(sessionId) as { n: number }).n;
  }

  /** The 32-byte secret stored under `key` in the settings table, made (and stored) on first use. */
  storedSecret(key: 'report-secret' | 'resume-key'): Buffer {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    if (row) return Buffer.from(row.value, 'base64');
    const secret = randomBytes(32);
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(key, secret.toString('base64'));
    return secret;
  }
}
