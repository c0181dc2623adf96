/**
 * Opens the database: SQLite in the data directory by default (WAL), or PostgreSQL when a URL is
 * given. Domain code sees only `Kysely<Database>`; nothing outside this folder knows the dialect.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, type SqliteDatabase, SqliteDialect } from 'kysely';
import pg from 'pg';
import { ChangeLog } from './changes.js';
import type { Dialect } from './dialect.js';
import { type MigrationFor, migrate } from './migrations.js';
import type { Database } from './schema.js';

export type { Dialect } from './dialect.js';

/** Distinct SQL texts kept compiled; queries built with a varying number of values make more. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * better-sqlite3 behind a statement cache. Kysely's SQLite driver prepares every query's SQL again,
 * and compiling is a large share of a small write (a token creation). One connection runs one
 * query at a time (Kysely's driver holds a lock), so a statement is never in use twice at once.
 */
function cachingStatements(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = statements.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        statements.set(sql, stmt);
        if (statements.size > STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      }
      return stmt;
    },
  };
}

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Every write that can revoke a credential, and the audit log, goes through it. */
  readonly changes: ChangeLog;
  /** The SQLite file, for operators and tests; undefined on PostgreSQL. */
  readonly file: string | undefined;
  close(): Promise<void>;
}

export interface StoreOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  /** The configured clock: the times of feed rows and audit entries. */
  readonly now: () => number;
  /** The features' migrations, by name (`src/feature-migrations.ts`). */
  readonly migrations: Readonly<Record<string, MigrationFor>>;
}

/** How long PostgreSQL runs one statement, lock waits included, before it cancels it. */
const STATEMENT_TIMEOUT_MS = 4500;

export async function openStore(opts: StoreOptions): Promise<Store> {
  if (opts.databaseUrl) {
    // int8 columns (ids, millisecond times) come back as strings by default; they fit a JS number.
    pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
    // Fail fast when the database is gone: a request should get a 503 in about a second, not hang.
    // Connections once opened stay open (no idle timeout): opening one on a busy database server can
    // itself take longer than that second, and a revoking write should not fail for want of one.
    // The server gives up on a statement (and rolls it back) before the client stops waiting for it:
    // an autocommitted revoking statement the client had given up on would otherwise still commit,
    // after an error answer and without the wait for the other nodes (store/feed-statement.ts).
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: 10,
      connectionTimeoutMillis: 1000,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS + 500,
      idleTimeoutMillis: 0,
    });
    pool.on('error', () => undefined); // an idle client's lost connection is not fatal; the next query reconnects
    // A client in use (Kysely holds it for a query or a transaction) has no listener of the pool's:
    // its lost connection would be an unhandled 'error' event and end the process. The query itself
    // still fails with the error, which the error handler turns into a 503.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    await migrate(db as Kysely<unknown>, 'postgres', opts.migrations);
    return { db, dialect: 'postgres', changes: new ChangeLog(db, 'postgres', opts.now), file: undefined, close: () => db.destroy() };
  }
  // Only the server's user may read the data directory: the database holds password hashes.
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(opts.dataDir, 'gatehouse.sqlite');
  const sqlite = new SQLite(file);
  fs.chmodSync(file, 0o600);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash (kill -9) without losing a commit; only power loss can.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) });
  await migrate(db as Kysely<unknown>, 'sqlite', opts.migrations);
  return { db, dialect: 'sqlite', changes: new ChangeLog(db, 'sqlite', opts.now), file, close: () => db.destroy() };
}
