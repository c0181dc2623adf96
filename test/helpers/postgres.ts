/**
 * PostgreSQL for tests: each test server gets a database of its own, dropped afterwards. In CI
 * (CI=true) PostgreSQL must be there; locally, tests that need it skip with a clear message.
 */
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import pg from 'pg';
import { featureMigrations } from '../../src/feature-migrations.js';
import { openStore, type Store } from '../../src/store/database.js';
import { tempDir } from '../../scripts/lib/system.js';

export const PG_ADMIN_URL = process.env.GATEHOUSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** True when the suite runs on PostgreSQL (`GATEHOUSE_TEST_DATABASE=postgres`). */
export const ON_POSTGRES = process.env.GATEHOUSE_TEST_DATABASE === 'postgres';

let available: Promise<boolean> | undefined;

export function postgresAvailable(): Promise<boolean> {
  available ??= (async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 10_000 }); // generous: a loaded machine is slow to accept, not absent
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return available;
}

/**
 * Why a PostgreSQL test cannot run here, or undefined when it can. In CI a missing PostgreSQL is a
 * failure, not a skip.
 */
export async function postgresSkipReason(): Promise<string | undefined> {
  if (await postgresAvailable()) return undefined;
  if (process.env.CI === 'true') throw new Error(`PostgreSQL is required in CI but not reachable at ${PG_ADMIN_URL}`);
  return `PostgreSQL not reachable at ${PG_ADMIN_URL} (start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)`;
}

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * For a `describe` of store tests: a migrated store on a database of its own, opened before the
 * suite's tests and dropped after them. Call it in the describe's body; the getters return the
 * store and the database's URL (for a session of its own beside the store's).
 */
export function suitePostgresDatabase(): { store: () => Store; url: () => string } {
  let database: TestDatabase | undefined;
  let store: Store | undefined;
  before(async () => {
    database = await createTestDatabase();
    store = await openStore({ dataDir: tempDir(), databaseUrl: database.url, now: Date.now, migrations: featureMigrations });
  });
  after(async () => {
    await store?.close();
    await database?.drop();
  });
  return { store: () => store!, url: () => database!.url };
}

/** `suitePostgresDatabase`'s store alone. */
export function suitePostgresStore(): () => Store {
  return suitePostgresDatabase().store;
}

/**
 * Resolves once another session waits for a lock `holder` holds (true), or once `work` settled
 * first (false): the way a test knows a statement is blocked, rather than guessing with a delay.
 * (pg_stat_activity may still show that connection's previous statement; pg_blocking_pids does not lie.)
 */
export async function blockedBehind(holder: pg.Client, work: Promise<unknown>): Promise<boolean> {
  let finished = false;
  void work.finally(() => (finished = true)).catch(() => undefined);
  const me = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  const blocked = async () => Boolean((await holder.query('select 1 from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [me])).rowCount);
  while (!finished && !(await blocked())) await new Promise((resolve) => setImmediate(resolve));
  return !finished;
}

/** Runs `work` with a database session of its own (another node's, say), ended afterwards. */
export async function withSession<T>(url: string, work: (session: pg.Client) => Promise<T>): Promise<T> {
  const session = new pg.Client({ connectionString: url });
  await session.connect();
  try {
    return await work(session);
  } finally {
    await session.end();
  }
}
