/** Indexes that find a user's dependent tokens (`users/extras.ts`) without reading every token. */
import type { Kysely, Migration } from 'kysely';

export const tokenUserIndexesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('developer_tokens_restricted_user').ifNotExists().on('developer_tokens').column('restricted_user_id').execute();
    await db.schema.createIndex('developer_tokens_jwt_user').ifNotExists().on('developer_tokens').column('jwt_user_id').execute();
  },
};

/** Counting the site's admins (`countAdmins`, on every users page) reads only the Admin rows. */
export const usersRoleIndexMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('users_role').ifNotExists().on('users').column('role').execute();
  },
};
