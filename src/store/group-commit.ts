/**
 * Group commit on SQLite: writes asked for while the process is busy share one transaction, each
 * inside its own savepoint. A commit costs SQLite a write of every page the transaction touched
 * (the row, each index's leaf, the audit log's): ten token creations in one transaction touch
 * about half the pages of ten apart, and one commit instead of ten.
 *
 * Each write still succeeds or fails alone: a write that throws is rolled back to its savepoint and
 * gets its own error, the others commit. A failed commit fails every write in it, and none of them
 * took effect. A write's promise settles only after the commit, so nothing is answered before it is
 * durable. Writes are collected until the event loop's next turn (`setImmediate`): those that
 * arrived with the same batch of requests; a lone write waits for nothing else.
 *
 * Only for a database with one connection (SQLite through Kysely's single-connection driver): on
 * PostgreSQL each write has its own transaction on its own connection, and the server groups the
 * flushes of its log itself.
 */
import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database } from './schema.js';

/** Writes per transaction at most: a long queue is committed in several, so none waits too long. */
const MAX_BATCH = 64;

interface Pending {
  work: (trx: Transaction<Database>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(private readonly db: Kysely<Database>) {}

  /** Runs `work` in a transaction shared with the other writes of this turn; settles after the commit. */
  run<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, MAX_BATCH);
    try {
      const outcomes = await this.commit(batch);
      batch.forEach((p, i) => {
        const o = outcomes[i]!;
        if (o.ok) p.resolve(o.value);
        else p.reject(o.error);
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.scheduled = false;
      if (this.queue.length > 0) this.schedule();
    }
  }

  private commit(batch: Pending[]): Promise<Outcome[]> {
    return this.db.transaction().execute(async (trx) => {
      // Alone, the write is the transaction: its error rolls everything back, as without grouping.
      if (batch.length === 1) return [{ ok: true, value: await batch[0]!.work(trx) }];
      const outcomes: Outcome[] = [];
      for (const p of batch) {
        await sql`savepoint grouped_write`.execute(trx);
        try {
          outcomes.push({ ok: true, value: await p.work(trx) });
        } catch (error) {
          await sql`rollback to grouped_write`.execute(trx);
          outcomes.push({ ok: false, error });
        }
        await sql`release grouped_write`.execute(trx);
      }
      return outcomes;
    });
  }
}
