/**
 * Fills a stopped Gatehouse's SQLite file with filler tokens, straight into the table in one
 * transaction: a million through the API would take longer than the whole benchmark. The filler
 * rows are never used to authenticate, so their `secret_enc` is a placeholder of a real envelope's
 * length (the file then has a realistic size); the tokens the run does use were made through the API.
 * The columns are read from the table itself, so a migration that adds a column with a default
 * does not break this; one that adds a required column stops the run with a message saying so.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { INDEX_BACKLOG_SQL } from '../../src/store/token-search-backlog.js';

interface ColumnInfo {
  name: string;
  notnull: number;
  dflt_value: unknown;
  pk: number;
}

// Same length as `v1:<8 hex key id>:<16 b64url iv>:<107 b64url ciphertext+tag>` for a 64-hex secret.
const PLACEHOLDER_ENVELOPE = `v1:00000000:${'A'.repeat(16)}:${'A'.repeat(107)}`;

export function bulkInsertTokens(dataDir: string, count: number, createdBy = 1): { inserted: number; ms: number } {
  const t0 = performance.now();
  const db = new Database(path.join(dataDir, 'gatehouse.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144'); // 256 MiB for this connection only: the index stays in memory while it grows
    const columns = db.prepare(`PRAGMA table_info('developer_tokens')`).all() as ColumnInfo[];
    if (columns.length === 0) throw new Error('bench: the data directory has no developer_tokens table (did the server run its migrations?)');
    const now = Date.now();
    const known: Record<string, (i: number, key: string) => unknown> = {
      type: () => 'server',
      name: (i) => `bench-filler-${i}`,
      key: (_i, key) => key,
      secret_enc: () => PLACEHOLDER_ENVELOPE,
      host: () => null,
      restricted_user_id: () => null,
      jwt_user_id: () => null,
      jwt_key_id: () => null,
      jwt_issued_at: () => null,
      created_at: () => now,
      created_by: () => createdBy,
    };
    const used = columns.filter((c) => c.name in known);
    for (const c of columns) {
      if (!(c.name in known) && c.pk === 0 && c.notnull === 1 && c.dflt_value === null) {
        throw new Error(`bench: developer_tokens.${c.name} is required and has no default; teach bench/lib/bulk-tokens.ts what to put there`);
      }
    }
    const insert = db.prepare(`INSERT INTO developer_tokens (${used.map((c) => c.name).join(', ')}) VALUES (${used.map(() => '?').join(', ')})`);
    const fill = db.transaction((n: number) => {
      // Keys are written in ascending order, so the unique index grows at its end instead of splitting
      // pages at random (several times faster), yet they still spread evenly over the key space: the
      // first 8 hex digits step through it (i * 2^32 / n, distinct for n <= 2^32), the rest is random.
      let pool = randomBytes(0);
      for (let i = 0; i < n; i++) {
        if (pool.length < 28) pool = randomBytes(28 * 4096);
        const prefix = Math.floor((i * 2 ** 32) / n)
          .toString(16)
          .padStart(8, '0');
        const key = prefix + pool.subarray(0, 28).toString('hex');
        pool = pool.subarray(28);
        insert.run(...used.map((c) => known[c.name]!(i, key)));
      }
    });
    fill(count);
    // Into the search index at once, as a server would over its first seconds (LIMIT -1: all of the
    // backlog; a snapshot from before the backlog existed indexed them by trigger, row by row).
    if (db.prepare(`select 1 from sqlite_master where name = 'text_search_progress'`).get())
      db.transaction(() => INDEX_BACKLOG_SQL.forEach((s) => db.prepare(s).run(-1)))();
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { inserted: count, ms: performance.now() - t0 };
  } finally {
    db.close();
  }
}
