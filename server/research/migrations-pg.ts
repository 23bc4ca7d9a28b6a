/**
 * Schema migrations of the research store on Postgres: the same versions and
 * schema meaning as the SQLite ones (server/research/migrations.ts), in
 * Postgres types (BIGINT for integers: times are milliseconds and hashes are
 * unsigned 32-bit; DOUBLE PRECISION for REAL; BYTEA for BLOB; identity
 * columns for AUTOINCREMENT). Applied in order, in one transaction,
 * recorded in `schema_migrations`, under an advisory lock so nodes starting
 * together migrate once. Never edit a shipped migration: add the next one.
 */
import type pg from 'pg';
import type { Migration } from './migrations.ts';

/** Key of the advisory lock held while migrating (any constant; "netroll" in ASCII). */
const MIGRATION_LOCK = 0x6e6574726f6c6c;

export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'research store',
    sql: `
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        created_at BIGINT NOT NULL,
        seed BIGINT NOT NULL,
        players BIGINT NOT NULL,
        room TEXT,
        game TEXT,
        last_report_at BIGINT,
        parity_status TEXT,
        parity_first_mismatch_frame BIGINT,
        parity_detail TEXT,
        parity_frames BIGINT,
        parity_hashes BIGINT,
        parity_checked_at BIGINT
      );
      CREATE TABLE participants (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        player_index BIGINT NOT NULL,
        client_id TEXT NOT NULL,
        name TEXT NOT NULL,
        report_seq BIGINT,
        final_report BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (session_id, player_index)
      );
      CREATE TABLE uploads (
        upload_id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        player_index BIGINT NOT NULL,
        seq BIGINT NOT NULL,
        kind TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        bytes BIGINT NOT NULL,
        applied BIGINT NOT NULL
      );
      CREATE INDEX uploads_session ON uploads (session_id);
      CREATE TABLE links (
        session_id TEXT NOT NULL,
        player_index BIGINT NOT NULL,
        peer BIGINT NOT NULL,
        connection_type TEXT NOT NULL,
        relay_protocol TEXT,
        rtt_ms DOUBLE PRECISION NOT NULL,
        loss DOUBLE PRECISION NOT NULL,
        inputs_via_p2p BIGINT NOT NULL,
        inputs_via_relay BIGINT NOT NULL,
        relay_failovers BIGINT NOT NULL,
        relay_recoveries BIGINT NOT NULL,
        ice_restarts BIGINT NOT NULL,
        connection_history TEXT NOT NULL,
        rtt_samples TEXT NOT NULL,
        PRIMARY KEY (session_id, player_index, peer)
      );
      CREATE TABLE episodes (
        session_id TEXT NOT NULL,
        player_index BIGINT NOT NULL,
        episode BIGINT NOT NULL,
        start_frame BIGINT NOT NULL,
        end_frame BIGINT NOT NULL,
        seed BIGINT NOT NULL,
        PRIMARY KEY (session_id, player_index, episode)
      );
      CREATE TABLE metrics (
        session_id TEXT NOT NULL,
        player_index BIGINT NOT NULL,
        frames BIGINT NOT NULL,
        rollbacks BIGINT NOT NULL,
        rollback_total_ms DOUBLE PRECISION NOT NULL,
        rollback_max_depth BIGINT NOT NULL,
        rollback_histogram TEXT NOT NULL,
        stalls BIGINT NOT NULL,
        desyncs BIGINT NOT NULL,
        confirmed_hash BIGINT NOT NULL,
        confirmed_hash_frame BIGINT NOT NULL,
        hidden_periods TEXT NOT NULL,
        counters TEXT NOT NULL,
        PRIMARY KEY (session_id, player_index)
      );
      CREATE TABLE events (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        session_id TEXT NOT NULL,
        player_index BIGINT NOT NULL,
        type TEXT NOT NULL,
        frame BIGINT,
        at DOUBLE PRECISION,
        data TEXT NOT NULL
      );
      CREATE INDEX events_session ON events (session_id, player_index);
      CREATE TABLE input_logs (
        session_id TEXT NOT NULL,
        player_index BIGINT NOT NULL,
        frames BIGINT NOT NULL,
        log BYTEA NOT NULL,
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
      ALTER TABLE participants ADD COLUMN end_frame BIGINT;
      ALTER TABLE participants ADD COLUMN ended_at BIGINT;
      ALTER TABLE participants ADD COLUMN episodes_completed BIGINT;
      CREATE INDEX participants_participant ON participants (participant_id);
      ALTER TABLE metrics ADD COLUMN frame_clock TEXT;
      CREATE TABLE waiting_room (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at BIGINT NOT NULL,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        participant_id TEXT,
        client_id TEXT NOT NULL,
        waited_ms BIGINT NOT NULL,
        count BIGINT NOT NULL,
        needed BIGINT NOT NULL
      );
      CREATE TABLE rtt_probes (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at BIGINT NOT NULL,
        target TEXT NOT NULL,
        max_rtt_ms BIGINT NOT NULL,
        outcome TEXT NOT NULL,
        members TEXT NOT NULL,
        rtts TEXT NOT NULL,
        "over" TEXT NOT NULL
      );
    `,
  },
];

/**
 * Apply every Postgres migration newer than the database's version; returns
 * the versions applied. Holds a transaction-scoped advisory lock, so two
 * nodes starting at once apply each migration once.
 */
export async function migratePg(pool: pg.Pool, migrations: readonly Migration[] = PG_MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    const current = Number((await client.query<{ v: string | number | null }>('SELECT MAX(version) AS v FROM schema_migrations')).rows[0]?.v ?? 0);
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (m.version <= current) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
  return applied;
}
