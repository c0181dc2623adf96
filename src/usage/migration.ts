/** One column per failure reason on the hourly usage rows, so pruning an hour prunes its reasons too. */
import type { Kysely, Migration } from 'kysely';
import { REASON_COLUMNS } from './failure-reason.js';

export const usageReasonsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    // SQLite adds one column per statement.
    for (const column of REASON_COLUMNS) {
      await db.schema
        .alterTable('token_usage_hourly')
        .addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
    }
  },
};
