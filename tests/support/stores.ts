/**
 * The research-store test matrix: the same test bodies run against SQLite
 * and against a real Postgres this file starts (harness/postgres.ts):
 *
 *   describe.each(STORE_KINDS)('%s store', (kind) => {
 *     const stores = storesPerTest(kind);
 *     it('...', async () => { const store = await stores.open(); ... });
 *   });
 *
 * One Postgres serves the whole test file: it starts on first use and stops
 * after the last `describe` that registered it; every store or server opened
 * gets a fresh, empty database. Stores opened in a test are closed after it.
 */
import { afterAll, afterEach } from 'vitest';
import { type Postgres, startPostgres } from '../../harness/postgres.ts';
import type { ServerOptions } from '../../server/config.ts';
import { openResearchStore, type ResearchStore } from '../../server/research/store.ts';

/** The two engines of the research store. */
export const STORE_KINDS = ['sqlite', 'postgres'] as const;
/** One engine of the research store. */
export type StoreKind = (typeof STORE_KINDS)[number];

/** What a test of the matrix uses. */
export interface StoreFixture {
  readonly kind: StoreKind;
  /** A new empty store (in-memory SQLite, or a fresh Postgres database), closed after the test. */
  open(): Promise<ResearchStore>;
  /** Server options that put the research data in a new empty store of this kind. */
  serverOptions(): Promise<ServerOptions>;
  /** Where a new empty store of this kind is (`dataDir` or `databaseUrl`), for servers or the CLI. */
  location(dataDir: string): Promise<{ dataDir: string; databaseUrl?: string }>;
  /** The running Postgres (started on first call); throws for SQLite. */
  postgres(): Promise<Postgres>;
}

/** Call at a `describe`'s top level (see the module comment). */
/** The file's Postgres (module state is per test file) and how many `describe`s still use it. */
let shared: Promise<Postgres> | undefined;
let users = 0;

export function storesPerTest(kind: StoreKind): StoreFixture {
  const opened: ResearchStore[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });
  if (kind === 'postgres') {
    // every describe registers at collection, before any test runs: the last one to finish stops it
    users++;
    afterAll(async () => {
      if (--users > 0) return;
      const running = shared;
      shared = undefined;
      if (running) await (await running).stop();
    });
  }
  const postgres = (): Promise<Postgres> => {
    if (kind !== 'postgres') throw new Error('this is the sqlite part of the matrix');
    return (shared ??= startPostgres());
  };
  const location = async (dataDir: string): Promise<{ dataDir: string; databaseUrl?: string }> =>
    kind === 'postgres' ? { dataDir, databaseUrl: await (await postgres()).createDatabase() } : { dataDir };
  return {
    kind,
    postgres,
    location,
    async open() {
      const store = await openResearchStore(await location(':memory:'));
      opened.push(store);
      return store;
    },
    async serverOptions() {
      return kind === 'postgres' ? { databaseUrl: await (await postgres()).createDatabase() } : {};
    },
  };
}
