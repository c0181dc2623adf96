/**
 * Access and refresh tokens, stored as SHA-256. A token is live only while its app (a
 * `type="oauth"` developer token) and its grant exist: every read joins both.
 */
import type { Insertable, Kysely } from 'kysely';
import type { ChangeLog } from '../store/changes.js';
import type { Database, OAuthTokenRow, OAuthTokensTable } from '../store/schema.js';

export interface LiveToken extends OAuthTokenRow {
  user_id: number;
  client_id: string;
}

export async function insertTokens(db: Kysely<Database>, rows: Insertable<OAuthTokensTable>[]): Promise<void> {
  await db.insertInto('oauth_tokens').values(rows).execute();
}

/** The token with the user of its grant and its client_id, or undefined when it, its app or its grant is gone. */
export function findLiveToken(db: Kysely<Database>, tokenHash: string): Promise<LiveToken | undefined> {
  return db
    .selectFrom('oauth_tokens as t')
    .innerJoin('oauth_grants as g', 'g.id', 't.grant_id')
    .innerJoin('developer_tokens as d', (j) => j.onRef('d.id', '=', 't.token_id').on('d.type', '=', 'oauth'))
    .selectAll('t')
    .select(['g.user_id as user_id', 'd.key as client_id'])
    .where('t.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** Marks a refresh token rotated, once: false when it had been used already (a replay, or a race). */
export async function useRefreshToken(db: Kysely<Database>, tokenHash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('oauth_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('kind', '=', 'refresh')
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Revokes a whole family: every access and refresh token of one chain of rotations, on every node. */
export async function revokeFamily(changes: ChangeLog, familyId: string): Promise<void> {
  await changes.write({ changes: [{ kind: 'oauth-family', ref: familyId }] }, (trx) =>
    trx.deleteFrom('oauth_tokens').where('family_id', '=', familyId).execute(),
  );
}

export async function revokeToken(changes: ChangeLog, tokenHash: string): Promise<void> {
  await changes.write({ changes: [{ kind: 'oauth-token', ref: tokenHash }] }, (trx) =>
    trx.deleteFrom('oauth_tokens').where('token_hash', '=', tokenHash).execute(),
  );
}

/** Drops tokens that expired more than a day ago (refresh tokens are kept that long to spot replays). */
export async function purgeExpiredTokens(db: Kysely<Database>, now: number): Promise<void> {
  await db
    .deleteFrom('oauth_tokens')
    .where('expires_at', '<', now - 86_400_000)
    .execute();
}
