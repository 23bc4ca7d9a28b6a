/**
 * The two SQL back ends of the research store behind one small async
 * interface: an embedded SQLite file (better-sqlite3) and Postgres (`pg`).
 * Statements use `?` placeholders and SQL both engines accept; the Postgres
 * side numbers the placeholders (`$1`, `$2`, ...).
 */
import Database from 'better-sqlite3';
import pg from 'pg';

/** A parameter of a statement. */
export type SqlValue = string | number | Buffer | null;

/** Runs statements (on the store, or inside one transaction). */
export interface SqlExec {
  /** Every row of a query. */
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** The first row of a query, or undefined. */
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

/** A database: statements, transactions and close. */
export interface SqlDb extends SqlExec {
  /** `sqlite` or `postgres`. */
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back
   * when it throws (the error is rethrown). Postgres runs it at READ
   * COMMITTED: take row locks (`SELECT ... FOR UPDATE`) where order matters.
   */
  transaction<T>(fn: (tx: SqlExec) => Promise<T>): Promise<T>;
  /**
   * The first row of a query, answered synchronously; only where the engine
   * can (SQLite), else undefined.
   */
  readonly getSync?: <T>(sql: string, params?: readonly SqlValue[]) => T | undefined;
  close(): Promise<void>;
}

/**
 * Thrown when the database cannot be reached (Postgres down, connection
 * refused or lost, pool exhausted for too long). Uploads answer 503 then and
 * the client retries; nothing was stored.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/**
 * SQLite through better-sqlite3. Every operation runs in order, one at a time
 * (a transaction holds the turn until it ends), so no statement of another
 * caller lands inside a transaction that might roll back.
 */
export class SqliteDb implements SqlDb {
  readonly kind = 'sqlite';
  #tail: Promise<unknown> = Promise.resolve();

  constructor(readonly raw: Database.Database) {}

  #turn<T>(fn: () => T | Promise<T>): Promise<T> {
    const next = this.#tail.then(fn);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  #exec: SqlExec = {
    all: async <T>(sql: string, params: readonly SqlValue[] = []) => this.raw.prepare(sql).all(...params) as T[],
    get: async <T>(sql: string, params: readonly SqlValue[] = []) => this.raw.prepare(sql).get(...params) as T | undefined,
    run: async (sql: string, params: readonly SqlValue[] = []) => this.raw.prepare(sql).run(...params).changes,
  };

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.#turn(() => this.#exec.all<T>(sql, params));
  }

  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.#turn(() => this.#exec.get<T>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.#turn(() => this.#exec.run(sql, params));
  }

  readonly getSync = <T>(sql: string, params: readonly SqlValue[] = []): T | undefined => this.raw.prepare(sql).get(...params) as T | undefined;

  transaction<T>(fn: (tx: SqlExec) => Promise<T>): Promise<T> {
    return this.#turn(async () => {
      this.raw.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.#exec);
        this.raw.exec('COMMIT');
        return result;
      } catch (e) {
        if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
        throw e;
      }
    });
  }

  close(): Promise<void> {
    return this.#turn(() => {
      this.raw.close();
    });
  }
}

/** `?` placeholders as Postgres's `$1`, `$2`, ... (the statements of this store have no `?` in literals). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Error codes of `pg` and Node that mean "the database is not reachable", not "the statement is wrong". */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08006']);

/** Whether `e` says the database cannot be reached. */
export function isUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(e.message);
}

const wrap = (e: unknown): unknown => (isUnavailable(e) ? new StoreUnavailableError(`the research database is unavailable: ${e instanceof Error ? e.message : String(e)}`) : e);

/** pg's type parsers, with BIGINT (int8, e.g. millisecond times, COUNT) as a JS number: every stored integer is below 2^53. */
const parseInt8 = (v: string): number => Number(v);
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === 20 && format !== 'binary' ? parseInt8 : (pg.types.getTypeParser(oid, format as 'text') as unknown)) as typeof pg.types.getTypeParser,
};

/** Options of the Postgres pool. */
export interface PgOptions {
  /** Most connections this node opens, default {@link DEFAULT_PG_POOL_SIZE}. */
  readonly poolSize?: number;
  /** How long a statement waits for a free connection before failing as unavailable, ms (default 10 s). */
  readonly connectTimeoutMs?: number;
}

/** Default most connections one server node opens to Postgres. */
export const DEFAULT_PG_POOL_SIZE = 10;

/** Postgres through a bounded `pg` pool. */
export class PgDb implements SqlDb {
  readonly kind = 'postgres';
  readonly pool: pg.Pool;
  readonly #pooled: SqlExec;

  constructor(url: string, options: PgOptions = {}) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? DEFAULT_PG_POOL_SIZE,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      types: TYPES,
    });
    // An idle client losing its connection (server restart) must not crash the process: the next query reconnects.
    this.pool.on('error', (e) => console.error('netroll research store: idle Postgres connection lost:', e.message));
    this.#pooled = this.#execOf(this.pool);
  }

  async #query<T>(exec: pg.Pool | pg.PoolClient, sql: string, params: readonly SqlValue[] = []): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
    try {
      return await exec.query<T & pg.QueryResultRow>(numberPlaceholders(sql), params as SqlValue[]);
    } catch (e) {
      throw wrap(e);
    }
  }

  #execOf(exec: pg.Pool | pg.PoolClient): SqlExec {
    return {
      all: async <T>(sql: string, params?: readonly SqlValue[]) => (await this.#query<T>(exec, sql, params)).rows as T[],
      get: async <T>(sql: string, params?: readonly SqlValue[]) => (await this.#query<T>(exec, sql, params)).rows[0] as T | undefined,
      run: async (sql: string, params?: readonly SqlValue[]) => (await this.#query(exec, sql, params)).rowCount ?? 0,
    };
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.#pooled.all<T>(sql, params);
  }

  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.#pooled.get<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.#pooled.run(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExec) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw wrap(e);
    }
    let broken: unknown;
    try {
      await this.#query(client, 'BEGIN');
      const result = await fn(this.#execOf(client));
      await this.#query(client, 'COMMIT');
      return result;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError; // the connection is gone: do not give it back to the pool
      }
      throw e;
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
