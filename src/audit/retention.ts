/**
 * Audit retention: entries older than `GATEHOUSE_AUDIT_RETENTION_DAYS` (400 by default) are
 * deleted in the background, a batch at a time, oldest first. Nothing else is ever deleted here.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { PruneTask } from '../store/pruner.js';

const DAY = 86_400_000;

export function auditRetention(db: Kysely<Database>, retentionDays: number, now: () => number): PruneTask {
  return {
    name: 'audit',
    async batch(limit) {
      const before = now() - retentionDays * DAY;
      const result = await db
        .deleteFrom('audit_log')
        .where('id', 'in', (eb) => eb.selectFrom('audit_log').select('id').where('at', '<', before).orderBy('at').limit(limit))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
