/**
 * Schema migrations of the research store, applied in order, each in a
 * transaction, recorded in `schema_migrations`. Never edit a shipped
 * migration: add the next one.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'research store',
    sql: `
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        seed INTEGER NOT NULL,
        players INTEGER NOT NULL,
        room TEXT,
        game TEXT,
        last_report_at INTEGER,
        parity_status TEXT,
        parity_first_mismatch_frame INTEGER,
        parity_detail TEXT,
        parity_frames INTEGER,
        parity_hashes INTEGER,
        parity_checked_at INTEGER
      );
      CREATE TABLE participants (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        player_index INTEGER NOT NULL,
        client_id TEXT NOT NULL,
        name TEXT NOT NULL,
        report_seq INTEGER,
        final_report INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (session_id, player_index)
      );
      CREATE TABLE uploads (
        upload_id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        player_index INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        applied INTEGER NOT NULL
      );
      CREATE TABLE links (
        session_id TEXT NOT NULL,
        player_index INTEGER NOT NULL,
        peer INTEGER NOT NULL,
        connection_type TEXT NOT NULL,
        relay_protocol TEXT,
        rtt_ms REAL NOT NULL,
        loss REAL NOT NULL,
        inputs_via_p2p INTEGER NOT NULL,
        inputs_via_relay INTEGER NOT NULL,
        relay_failovers INTEGER NOT NULL,
        relay_recoveries INTEGER NOT NULL,
        ice_restarts INTEGER NOT NULL,
        connection_history TEXT NOT NULL,
        rtt_samples TEXT NOT NULL,
        PRIMARY KEY (session_id, player_index, peer)
      );
      CREATE TABLE episodes (
        session_id TEXT NOT NULL,
        player_index INTEGER NOT NULL,
        episode INTEGER NOT NULL,
        start_frame INTEGER NOT NULL,
        end_frame INTEGER NOT NULL,
        seed INTEGER NOT NULL,
        PRIMARY KEY (session_id, player_index, episode)
      );
      CREATE TABLE metrics (
        session_id TEXT NOT NULL,
        player_index INTEGER NOT NULL,
        frames INTEGER NOT NULL,
        rollbacks INTEGER NOT NULL,
        rollback_total_ms REAL NOT NULL,
        rollback_max_depth INTEGER NOT NULL,
        rollback_histogram TEXT NOT NULL,
        stalls INTEGER NOT NULL,
        desyncs INTEGER NOT NULL,
        confirmed_hash INTEGER NOT NULL,
        confirmed_hash_frame INTEGER NOT NULL,
        hidden_periods TEXT NOT NULL,
        counters TEXT NOT NULL,
        PRIMARY KEY (session_id, player_index)
      );
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL,
        player_index INTEGER NOT NULL,
        type TEXT NOT NULL,
        frame INTEGER,
        at REAL,
        data TEXT NOT NULL
      );
      CREATE INDEX events_session ON events (session_id, player_index);
      CREATE TABLE input_logs (
        session_id TEXT NOT NULL,
        player_index INTEGER NOT NULL,
        frames INTEGER NOT NULL,
        log BLOB NOT NULL,
        hashes TEXT NOT NULL,
        PRIMARY KEY (session_id, player_index)
      );
    `,
  },
  {
    version: 2,
    name: 'study: participants, end reasons, waiting room, frame clock, RTT probes',
    sql: `
      ALTER TABLE participants ADD COLUMN participant_id TEXT;
      ALTER TABLE participants ADD COLUMN metadata TEXT;
      ALTER TABLE participants ADD COLUMN end_reason TEXT;
      ALTER TABLE participants ADD COLUMN end_source TEXT;
      ALTER TABLE participants ADD COLUMN end_frame INTEGER;
      ALTER TABLE participants ADD COLUMN ended_at INTEGER;
      ALTER TABLE participants ADD COLUMN episodes_completed INTEGER;
      CREATE INDEX participants_participant ON participants (participant_id);
      ALTER TABLE metrics ADD COLUMN frame_clock TEXT;
      CREATE TABLE waiting_room (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        participant_id TEXT,
        client_id TEXT NOT NULL,
        waited_ms INTEGER NOT NULL,
        count INTEGER NOT NULL,
        needed INTEGER NOT NULL
      );
      CREATE TABLE rtt_probes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        target TEXT NOT NULL,
        max_rtt_ms INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        members TEXT NOT NULL,
        rtts TEXT NOT NULL,
        over TEXT NOT NULL
      );
    `,
  },
];

/** Apply every migration newer than the database's version; returns the versions applied. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const current = (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    })();
    applied.push(m.version);
  }
  return applied;
}
