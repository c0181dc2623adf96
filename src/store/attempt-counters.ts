/**
 * Fixed-window counters in the database, so every node (and every process on one SQLite data
 * directory) counts into the same window. One row per key; an add is one atomic upsert, so
 * concurrent adds from any number of nodes each see a distinct count. Windows start on the clock of
 * the node that opens them (`now`): clock skew between nodes moves a window's end by that much.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

/** Rows whose window ended longer ago than this are deleted, now and then. */
const KEEP_MS = 3_600_000;

export interface WindowCount {
  key: string;
  count: number;
  /** When this window opened; `giveBack` needs it, so a count is never given back to a later window. */
  windowStart: number;
  /** Seconds until the window ends, at least 1. */
  retryAfter: number;
}

/** PostgreSQL's "deadlock detected": the statement was rolled back and may be sent again. */
function isDeadlock(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === '40P01';
}

export class AttemptCounters {
  private lastPrune = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  /**
   * Counts one event for each key in its current window of `windowMs`, in one statement (one round
   * trip, one connection); returns each key's count including it, in the order given.
   */
  async add(keys: string[], windowMs: number): Promise<WindowCount[]> {
    const now = this.now();
    const expired = sql<boolean>`attempt_counters.window_start <= ${now - windowMs}`;
    // Rows are locked in key order, the same in every statement: two statements never wait on each other in a cycle.
    const sorted = [...new Set(keys)].sort();
    const upsert = () =>
      this.db
        .insertInto('attempt_counters')
        .values(sorted.map((key) => ({ key, window_start: now, count: 1 })))
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            count: sql<number>`case when ${expired} then 1 else attempt_counters.count + 1 end`,
            window_start: sql<number>`case when ${expired} then ${now} else attempt_counters.window_start end`,
          }),
        )
        .returning(['key', 'count', 'window_start'])
        .execute();
    // Another node's prune (below) locks old rows in scan order, not key order: when PostgreSQL
    // breaks the resulting deadlock by failing this statement, nothing was counted, so it is sent
    // again, a moment later: sent at once, it can take the freed row before the transaction that
    // waited for it, and close the same cycle again (seen in CI).
    const rows = await upsert().catch(async function resend(err: unknown, attempt = 1): Promise<Awaited<ReturnType<typeof upsert>>> {
      if (!isDeadlock(err) || attempt > 3) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
      return upsert().catch((again: unknown) => resend(again, attempt + 1));
    });
    await this.prune(now);
    const byKey = new Map(rows.map((r) => [r.key, r]));
    return keys.map((key) => {
      const row = byKey.get(key)!;
      const windowStart = Number(row.window_start);
      return { key, count: Number(row.count), windowStart, retryAfter: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)) };
    });
  }

  /**
   * Takes back events counted by `add` (a success, or an attempt refused without a check): one
   * single-row update per key, each its own statement. One update over several rows would lock
   * them in the order its scan meets them, against `add`'s key order, and on PostgreSQL the two
   * could each hold a row the other waits for ("deadlock detected"); a statement that locks one
   * row holds nothing while it waits. Sent together, so a sign-in waits one round trip.
   */
  async giveBack(counted: WindowCount[]): Promise<void> {
    await Promise.all(
      counted.map((c) =>
        this.db
          .updateTable('attempt_counters')
          .set({ count: sql<number>`count - 1` })
          .where('key', '=', c.key)
          .where('window_start', '=', c.windowStart)
          .where('count', '>', 0)
          .execute(),
      ),
    );
  }

  /**
   * Housekeeping after an add, never its failure: the delete locks old rows in scan order, so on
   * PostgreSQL it can lose a deadlock against an add reopening one of them; the next add retries it.
   */
  private async prune(now: number): Promise<void> {
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    await this.db
      .deleteFrom('attempt_counters')
      .where('window_start', '<', now - KEEP_MS)
      .execute()
      .catch(() => (this.lastPrune = 0));
  }
}
