/**
 * The migrations of the features above the store, registered here and passed to `openStore` by
 * `openSite`: each is defined beside the code that uses its tables, and numbered apart from the
 * core's (`store/migrations.ts`), which the store applies with them in the order of their names.
 */
import { oauthMigration, redirectUrisMigration } from './oauth/migration.js';
import type { MigrationFor } from './store/migrations.js';
import { idType } from './store/migrations.js';
import { sparseTokenIndexesMigration } from './tokens/migration.js';
import { usageReasonsMigration } from './usage/migration.js';
import { tokenUserIndexesMigration, usersRoleIndexMigration } from './users/migration.js';

export const featureMigrations: Readonly<Record<string, MigrationFor>> = {
  '0100_oauth': (dialect) => oauthMigration(idType(dialect)),
  '0101_oauth_redirect_uris': () => redirectUrisMigration,
  '0160_usage_reasons': () => usageReasonsMigration,
  '0161_token_user_indexes': () => tokenUserIndexesMigration,
  '0162_users_role': () => usersRoleIndexMigration,
  '0170_sparse_token_indexes': () => sparseTokenIndexesMigration,
};
