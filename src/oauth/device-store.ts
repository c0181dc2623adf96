/** Device authorization requests (RFC 8628), stored by the SHA-256 of the device code and of the user code. */
import type { Insertable, Kysely } from 'kysely';
import type { Database, OAuthDeviceCodeRow, OAuthDeviceCodesTable } from '../store/schema.js';

export async function insertDeviceCode(db: Kysely<Database>, row: Insertable<OAuthDeviceCodesTable>): Promise<void> {
  await db
    .deleteFrom('oauth_device_codes')
    .where('expires_at', '<', row.created_at - 3600_000)
    .execute();
  await db.insertInto('oauth_device_codes').values(row).execute();
}

export function findByDeviceCode(db: Kysely<Database>, deviceCodeHash: string): Promise<OAuthDeviceCodeRow | undefined> {
  return db.selectFrom('oauth_device_codes').selectAll().where('device_code_hash', '=', deviceCodeHash).executeTakeFirst();
}

export function findByUserCode(db: Kysely<Database>, userCodeHash: string): Promise<OAuthDeviceCodeRow | undefined> {
  return db.selectFrom('oauth_device_codes').selectAll().where('user_code_hash', '=', userCodeHash).executeTakeFirst();
}

/** Records the user's decision on a pending request; false when it was no longer pending. */
export async function decideDevice(
  db: Kysely<Database>,
  deviceCodeHash: string,
  decision: { status: 'approved'; grantId: number; scope: string } | { status: 'denied' },
): Promise<boolean> {
  const set = decision.status === 'approved' ? { status: decision.status, grant_id: decision.grantId, scope: decision.scope } : { status: decision.status };
  const result = await db
    .updateTable('oauth_device_codes')
    .set(set)
    .where('device_code_hash', '=', deviceCodeHash)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function recordPoll(db: Kysely<Database>, deviceCodeHash: string, now: number, intervalSeconds: number): Promise<void> {
  await db.updateTable('oauth_device_codes').set({ last_polled_at: now, interval_s: intervalSeconds }).where('device_code_hash', '=', deviceCodeHash).execute();
}

/** Turns an approved request into tokens, once: false when another poll got there first. */
export async function useDeviceCode(db: Kysely<Database>, deviceCodeHash: string, familyId: string): Promise<boolean> {
  const result = await db
    .updateTable('oauth_device_codes')
    .set({ status: 'used', family_id: familyId })
    .where('device_code_hash', '=', deviceCodeHash)
    .where('status', '=', 'approved')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
