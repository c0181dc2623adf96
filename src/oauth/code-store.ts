/** Authorization codes (RFC 6749 §4.1.2): stored as SHA-256, one use, kept until a while after expiry to spot replays. */
import type { Insertable, Kysely } from 'kysely';
import type { Database, OAuthCodeRow, OAuthCodesTable } from '../store/schema.js';

/** How long a used or expired code is remembered, so a replay can still revoke what it bought. */
const REMEMBER_MS = 3600_000;

export async function insertCode(db: Kysely<Database>, code: Insertable<OAuthCodesTable>): Promise<void> {
  await db
    .deleteFrom('oauth_codes')
    .where('expires_at', '<', code.created_at - REMEMBER_MS)
    .execute();
  await db.insertInto('oauth_codes').values(code).execute();
}

export function findCode(db: Kysely<Database>, codeHash: string): Promise<OAuthCodeRow | undefined> {
  return db.selectFrom('oauth_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
}

/** Marks the code used, once: false when another request got there first. */
export async function useCode(db: Kysely<Database>, codeHash: string, familyId: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('oauth_codes')
    .set({ used_at: now, family_id: familyId })
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
