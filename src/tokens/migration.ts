/**
 * The indexes on token columns that most tokens leave empty (an expiry, the token a roll replaced,
 * a restricted user, a JWT's user) hold only the rows that have a value. Every query that uses them
 * compares the column to a value, which excludes NULL, so they answer the same; and creating a
 * token without those values writes four index entries fewer.
 */
import { type Kysely, type Migration, sql } from 'kysely';

const SPARSE: [index: string, column: string][] = [
  ['developer_tokens_expires', 'expires_at'],
  ['developer_tokens_rolled_from', 'rolled_from'],
  ['developer_tokens_restricted_user', 'restricted_user_id'],
  ['developer_tokens_jwt_user', 'jwt_user_id'],
];

export const sparseTokenIndexesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    for (const [index, column] of SPARSE) {
      await sql.raw(`drop index if exists ${index}`).execute(db);
      await sql.raw(`create index ${index} on developer_tokens (${column}) where ${column} is not null`).execute(db);
    }
  },
};
