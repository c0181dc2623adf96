/**
 * The OAuth tables, as migration `0100_oauth` in `store/migrations.ts`. Numbered apart
 * from the core's migrations so the two lists never collide; the Migrator allows them unordered.
 *
 * No foreign key points at `developer_tokens`: deleting an app must stay a plain delete, and every
 * read joins the app row, so a deleted app's rows match nothing from that moment on.
 */
import type { Kysely, Migration, RawBuilder } from 'kysely';

export function oauthMigration(idType: RawBuilder<unknown>): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // One row per user and app: what the user consented to ("authorized apps").
      await db.schema
        .createTable('oauth_grants')
        .addColumn('id', idType)
        .addColumn('token_id', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id'))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_issued_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('oauth_grants_app_user', ['token_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('oauth_codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('grant_id', 'bigint', (c) => c.notNull())
        .addColumn('token_id', 'bigint', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('code_challenge', 'text')
        .addColumn('family_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema
        .createTable('oauth_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('family_id', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'bigint', (c) => c.notNull())
        .addColumn('token_id', 'bigint', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('oauth_tokens_family').on('oauth_tokens').column('family_id').execute();
      await db.schema.createIndex('oauth_tokens_grant').on('oauth_tokens').column('grant_id').execute();
      await db.schema
        .createTable('oauth_device_codes')
        .addColumn('device_code_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_code_hash', 'text', (c) => c.notNull().unique())
        .addColumn('token_id', 'bigint', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'bigint')
        .addColumn('family_id', 'text')
        .addColumn('interval_s', 'integer', (c) => c.notNull())
        .addColumn('last_polled_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}

/** Registered redirect URIs of OAuth apps (`oauth/redirect-uri.ts`), as migration `0101_oauth_redirect_uris`. */
export const redirectUrisMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('developer_tokens').addColumn('redirect_uris', 'text').execute();
  },
};
