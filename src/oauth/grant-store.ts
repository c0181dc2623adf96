/**
 * Grants: one row per user and app, holding what the user consented to. Revoking one (the user's
 * "authorized apps" list) deletes it with every code and token issued under it; tokens are also
 * read through a join on the grant, so a deleted grant refuses them from the next request on.
 */
import type { Kysely } from 'kysely';
import type { ChangeLog } from '../store/changes.js';
import type { Database, OAuthGrantRow, TokenRow } from '../store/schema.js';
import { findTokenByKey } from '../tokens/store.js';

/** The `type="oauth"` developer token whose key is `clientId`. */
export async function findOAuthApp(db: Kysely<Database>, clientId: string): Promise<TokenRow | undefined> {
  if (!/^[0-9a-f]{64}$/.test(clientId)) return undefined;
  const token = await findTokenByKey(db, clientId);
  return token?.type === 'oauth' ? token : undefined;
}

export function findGrant(db: Kysely<Database>, tokenId: number, userId: number): Promise<OAuthGrantRow | undefined> {
  return db.selectFrom('oauth_grants').selectAll().where('token_id', '=', tokenId).where('user_id', '=', userId).executeTakeFirst();
}

/** Records the user's consent to `scope` (the caller passes the union with any earlier consent). */
export async function saveGrant(db: Kysely<Database>, tokenId: number, userId: number, scope: string, now: number): Promise<OAuthGrantRow> {
  return db
    .insertInto('oauth_grants')
    .values({ token_id: tokenId, user_id: userId, scope, created_at: now, last_issued_at: now })
    .onConflict((oc) => oc.columns(['token_id', 'user_id']).doUpdateSet({ scope, last_issued_at: now }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function touchGrant(db: Kysely<Database>, grantId: number, now: number): Promise<void> {
  await db.updateTable('oauth_grants').set({ last_issued_at: now }).where('id', '=', grantId).execute();
}

/** A grant with its app's name and client_id, for the authorizations list. */
export interface GrantListing extends OAuthGrantRow {
  app_name: string;
  app_key: string;
}

function listingQuery(db: Kysely<Database>) {
  return db
    .selectFrom('oauth_grants as g')
    .innerJoin('developer_tokens as d', (j) => j.onRef('d.id', '=', 'g.token_id').on('d.type', '=', 'oauth'))
    .selectAll('g')
    .select(['d.name as app_name', 'd.key as app_key']);
}

/** The apps a user has authorized and that still exist, oldest first. */
export function listGrants(db: Kysely<Database>, userId: number): Promise<GrantListing[]> {
  return listingQuery(db).where('g.user_id', '=', userId).orderBy('g.id').execute();
}

export function findGrantListing(db: Kysely<Database>, userId: number, grantId: number): Promise<GrantListing | undefined> {
  return listingQuery(db).where('g.user_id', '=', userId).where('g.id', '=', grantId).executeTakeFirst();
}

/** Deletes the grant and everything issued under it, in one transaction, on every node. */
export async function deleteGrant(changes: ChangeLog, grantId: number): Promise<void> {
  await changes.write({ changes: [{ kind: 'oauth-grant', ref: grantId }] }, async (trx) => {
    await trx.deleteFrom('oauth_tokens').where('grant_id', '=', grantId).execute();
    await trx.deleteFrom('oauth_codes').where('grant_id', '=', grantId).execute();
    await trx.deleteFrom('oauth_device_codes').where('grant_id', '=', grantId).execute();
    await trx.deleteFrom('oauth_grants').where('id', '=', grantId).execute();
  });
}

export function findGrantById(db: Kysely<Database>, grantId: number): Promise<OAuthGrantRow | undefined> {
  return db.selectFrom('oauth_grants').selectAll().where('id', '=', grantId).executeTakeFirst();
}
