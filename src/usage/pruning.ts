/**
 * Usage pruning: hourly rows and distinct-IP rows older than the 30 days the figures show (with a
 * day to spare) are deleted in the background, a batch at a time. The last-use row of a token is
 * kept: it is one row per token, and "never used since" needs it.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../store/schema.js';
import type { PruneTask } from '../store/pruner.js';

const HOUR = 3_600_000;
/** The figures reach 30 days back; a day more keeps an hour that is still partly inside. */
export const USAGE_KEPT_MS = 31 * 24 * HOUR;

export function usagePruning(db: Kysely<Database>, now: () => number): PruneTask[] {
  return [
    {
      name: 'usage-hourly',
      async batch(limit) {
        const before = Math.floor((now() - USAGE_KEPT_MS) / HOUR);
        const result =
          await sql`delete from token_usage_hourly where (token_id, hour) in (select token_id, hour from token_usage_hourly where hour < ${before} limit ${limit})`.execute(
            db,
          );
        return Number(result.numAffectedRows ?? 0);
      },
    },
    {
      name: 'usage-ips',
      async batch(limit) {
        const before = now() - USAGE_KEPT_MS;
        const result =
          await sql`delete from token_usage_ips where (token_id, ip) in (select token_id, ip from token_usage_ips where last_seen < ${before} limit ${limit})`.execute(
            db,
          );
        return Number(result.numAffectedRows ?? 0);
      },
    },
  ];
}
