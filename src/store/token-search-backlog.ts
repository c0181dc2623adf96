/**
 * The trigram index of token names and hosts on SQLite (`developer_tokens_search`) is filled after
 * the creating transaction, not in it: a trigger writing the index made each creation write a new
 * index segment in its commit, about a fifth of its cost. New tokens (ids above `indexed_to` in
 * `text_search_progress`) wait in a backlog that a server indexes in batches every second
 * (`BacklogIndexer`), and searches read the backlog with LIKE meanwhile (`store/text-search.ts`),
 * so a token is found by name the moment its creation returns. Renames and deletions of indexed
 * rows still update the index in their own transaction (triggers made by the migration below).
 *
 * PostgreSQL keeps its pg_trgm indexes itself; there is no backlog there.
 */
import { CompiledQuery, type Kysely, type Migration, sql } from 'kysely';
import { type Dialect, dialectOf } from './dialect.js';
import { yieldToRequests } from './pruner.js';
import type { Database } from './schema.js';

const INDEXED_TO = `(select indexed_to from text_search_progress where name = 'developer_tokens')`;

/**
 * One batch of the backlog into the index and the mark moved past it, in one transaction; both
 * statements are writes, so the transaction holds the write lock from its first statement (a
 * second process on the same data directory waits rather than indexing the same rows).
 */
export const INDEX_BACKLOG_SQL = [
  `insert into developer_tokens_search(rowid, name, host)
     select id, name, host from developer_tokens where id > ${INDEXED_TO} order by id limit ?`,
  `update text_search_progress set indexed_to = coalesce(
     (select max(id) from (select id from developer_tokens where id > text_search_progress.indexed_to order by id limit ?)), indexed_to)
   where name = 'developer_tokens'`,
] as const;

/** Condition of a trigger on `old`: the row is in the index, so the index must follow its change. */
const indexedRow = `old.id <= ${INDEXED_TO}`;

export function tokenSearchBacklogMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== 'sqlite') return;
      const run = (statement: string) => sql.raw(statement).execute(db);
      await run(`create table text_search_progress (name text primary key, indexed_to integer not null)`);
      await run(`insert into text_search_progress (name, indexed_to) select 'developer_tokens', coalesce(max(id), 0) from developer_tokens`);
      await run(`drop trigger developer_tokens_search_insert`);
      await run(`drop trigger developer_tokens_search_delete`);
      await run(`drop trigger developer_tokens_search_update`);
      await run(
        `create trigger developer_tokens_search_delete after delete on developer_tokens when ${indexedRow} begin ` +
          `insert into developer_tokens_search(developer_tokens_search, rowid, name, host) values ('delete', old.id, old.name, old.host); end`,
      );
      await run(
        `create trigger developer_tokens_search_update after update of name, host on developer_tokens when ${indexedRow} begin ` +
          `insert into developer_tokens_search(developer_tokens_search, rowid, name, host) values ('delete', old.id, old.name, old.host); ` +
          `insert into developer_tokens_search(rowid, name, host) values (new.id, new.name, new.host); end`,
      );
    },
  };
}

/** The first token id not yet in the index, as SQL: searches read the rows from it on with LIKE. */
export const BACKLOG_START = sql.raw<number>(INDEXED_TO);

/** Indexes up to `limit` rows of the backlog; returns how many. */
export async function indexTokenSearchBacklog(db: Kysely<Database>, limit: number): Promise<number> {
  if (dialectOf(db) !== 'sqlite') return 0;
  // A read first: with nothing to index, no write transaction touches the index. (Each one that does
  // lets FTS5 merge segments, which after a bulk import costs far more than the batch itself.)
  const next = await db.selectFrom('developer_tokens').select('id').where('id', '>', BACKLOG_START).limit(1).executeTakeFirst();
  if (!next) return 0;
  return db.transaction().execute(async (trx) => {
    const inserted = await trx.executeQuery(CompiledQuery.raw(INDEX_BACKLOG_SQL[0], [limit]));
    await trx.executeQuery(CompiledQuery.raw(INDEX_BACKLOG_SQL[1], [limit]));
    return Number(inserted.numAffectedRows ?? 0n);
  });
}

/** Empties the backlog every `intervalMs`, a batch at a time, yielding to requests between batches. */
export class BacklogIndexer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: { intervalMs: number; batchSize: number; onError: (err: unknown) => void },
  ) {}

  start(): void {
    if (dialectOf(this.db) !== 'sqlite') return;
    this.timer = setInterval(() => void this.drain(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** Indexes the whole backlog now (concurrent calls share one run). */
  drain(): Promise<void> {
    this.running ??= (async () => {
      try {
        while (!this.stopped && (await indexTokenSearchBacklog(this.db, this.opts.batchSize)) === this.opts.batchSize) await yieldToRequests();
      } catch (err) {
        this.opts.onError(err);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
