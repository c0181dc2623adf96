/**
 * Master-key rotation: every token secret is re-encrypted under the newest key, in
 * batches, while servers keep running. A row changed meanwhile is left for the next run rather
 * than overwritten. JWT keys are derived from the key named on each token, which stays in the
 * ring, so every JWT keeps verifying.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { encryptedWith } from './envelope.js';
import type { MasterKeyRing } from './master-key.js';
import { openSecret, sealSecret } from '../tokens/secret.js';

export interface RotationResult {
  keyId: string;
  reEncrypted: number;
  alreadyCurrent: number;
}

export async function reEncryptSecrets(db: Kysely<Database>, ring: MasterKeyRing, batch = 500): Promise<RotationResult> {
  const current = ring.current.id;
  let reEncrypted = 0;
  let lastId = 0;
  for (;;) {
    const rows = await db
      .selectFrom('developer_tokens')
      .select(['id', 'key', 'secret_enc'])
      .where('id', '>', lastId)
      .where('secret_enc', 'is not', null)
      .orderBy('id')
      .limit(batch)
      .execute();
    if (rows.length === 0) break;
    lastId = rows[rows.length - 1]!.id;
    await db.transaction().execute(async (trx) => {
      for (const row of rows) {
        if (encryptedWith(row.secret_enc!) === current) continue;
        const sealed = sealSecret(ring, row.key, openSecret(ring, row.key, row.secret_enc!));
        const done = await trx
          .updateTable('developer_tokens')
          .set({ secret_enc: sealed })
          .where('id', '=', row.id)
          .where('secret_enc', '=', row.secret_enc)
          .executeTakeFirst();
        reEncrypted += Number(done.numUpdatedRows);
      }
    });
  }
  const remaining = await keyUsage(db);
  return { keyId: current, reEncrypted, alreadyCurrent: (remaining.get(current)?.secrets ?? 0) - reEncrypted };
}

/** How many token secrets and JWTs depend on each master key. */
export async function keyUsage(db: Kysely<Database>): Promise<Map<string, { secrets: number; jwts: number }>> {
  const rows = await db.selectFrom('developer_tokens').select(['secret_enc', 'jwt_key_id']).execute();
  const out = new Map<string, { secrets: number; jwts: number }>();
  const slot = (id: string) => out.get(id) ?? (out.set(id, { secrets: 0, jwts: 0 }), out.get(id)!);
  for (const r of rows) {
    if (r.secret_enc) slot(encryptedWith(r.secret_enc) ?? '?').secrets++;
    if (r.jwt_key_id) slot(r.jwt_key_id).jwts++;
  }
  return out;
}
