/** Developer tokens in the database. Secrets stay encrypted here; see `tokens/secret.ts`. */
import type { Kysely } from 'kysely';
import type { AuditEntry } from '../audit/entry.js';
import type { ChangeLog } from '../store/changes.js';
import { preparedInsert } from '../store/prepared-insert.js';
import type { Database, NewToken, TokenRow } from '../store/schema.js';

/** A token row with the names of the users it refers to, for documents. */
export interface TokenListing extends TokenRow {
  restricted_username: string | null;
  created_by_username: string | null;
  /** The state of the restricted user and of the JWT's user: what decides whether their credentials are refused. */
  restricted_status: string | null;
  restricted_seat: number | null;
  jwt_user_status: string | null;
  jwt_user_seat: number | null;
  /** The token a roll made from this one, if any (found by the rolled_from index). */
  replaced_by: number | null;
}

export function findTokenByKey(db: Kysely<Database>, key: string): Promise<TokenRow | undefined> {
  return db.selectFrom('developer_tokens').selectAll().where('key', '=', key).executeTakeFirst();
}

export function findTokenById(db: Kysely<Database>, id: number): Promise<TokenRow | undefined> {
  return db.selectFrom('developer_tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Token rows with the usernames their documents name; `t` is the token. */
export function listingQuery(db: Kysely<Database>) {
  return db
    .selectFrom('developer_tokens as t')
    .leftJoin('users as r', 'r.id', 't.restricted_user_id')
    .leftJoin('users as c', 'c.id', 't.created_by')
    .leftJoin('users as j', 'j.id', 't.jwt_user_id')
    .selectAll('t')
    .select(['r.username as restricted_username', 'c.username as created_by_username'])
    .select(['r.status as restricted_status', 'r.seat as restricted_seat', 'j.status as jwt_user_status', 'j.seat as jwt_user_seat'])
    .select((eb) =>
      eb
        .selectFrom('developer_tokens as n')
        .select((n) => n.fn.max<number>('n.id').as('id'))
        .whereRef('n.rolled_from', '=', 't.id')
        .as('replaced_by'),
    );
}

export function findTokenListing(db: Kysely<Database>, id: number): Promise<TokenListing | undefined> {
  return listingQuery(db).where('t.id', '=', id).executeTakeFirst();
}

export async function countTokens(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('developer_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every column a new token's row is written with (`tokens/create.ts` gives each, null or not). */
const insertTokenRow = preparedInsert('developer_tokens', [
  'type',
  'name',
  'key',
  'secret_enc',
  'host',
  'restricted_user_id',
  'jwt_user_id',
  'jwt_key_id',
  'jwt_issued_at',
  'created_at',
  'created_by',
  'expires_at',
  'rolled_from',
  'redirect_uris',
]);

/**
 * Inserts a token (and, for a roll, ends the old one's life at `retire.at`) with its audit entry.
 * `audit` is built once the id is known.
 */
export function insertToken(
  log: ChangeLog,
  token: NewToken,
  audit?: (row: TokenRow) => (AuditEntry | undefined)[],
  retire?: { id: number; at: number },
): Promise<TokenRow> {
  const changes = retire ? [{ kind: 'token' as const, ref: retire.id }] : [];
  return log.write({ changes, audit: (row) => audit?.(row) ?? [] }, async (trx) => {
    const row = await insertTokenRow(trx, token);
    if (retire) await trx.updateTable('developer_tokens').set({ expires_at: retire.at }).where('id', '=', retire.id).execute();
    return row;
  });
}

export async function updateToken(
  log: ChangeLog,
  id: number,
  patch: { name?: string; host?: string | null; restricted_user_id?: number | null; redirect_uris?: string | null },
  audit?: AuditEntry,
): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await log.write({ changes: [{ kind: 'token', ref: id }], audit: [audit] }, (trx) =>
    trx.updateTable('developer_tokens').set(patch).where('id', '=', id).execute(),
  );
}

/** The listing of a token row already read (or just deleted): the names and states of the users it refers to. */
async function listingOf(db: Kysely<Database>, row: TokenRow): Promise<TokenListing> {
  const user = (id: number | null) => db.selectFrom('users').where('id', '=', id ?? -1);
  const names = await db
    .selectNoFrom((eb) => [
      user(row.restricted_user_id).select('username').as('restricted_username'),
      user(row.restricted_user_id).select('status').as('restricted_status'),
      user(row.restricted_user_id).select('seat').as('restricted_seat'),
      user(row.created_by).select('username').as('created_by_username'),
      user(row.jwt_user_id).select('status').as('jwt_user_status'),
      user(row.jwt_user_id).select('seat').as('jwt_user_seat'),
      eb
        .selectFrom('developer_tokens')
        .select((n) => n.fn.max<number>('id').as('id'))
        .where('rolled_from', '=', row.id)
        .as('replaced_by'),
    ])
    .executeTakeFirstOrThrow();
  return { ...row, ...names };
}

class NoSuchToken extends Error {}

/**
 * Deletes the token; returns its listing as it was, or undefined when there was none. The audit
 * entry names the token, so its name is read first (or taken from `known`, a cached row); the delete,
 * its feed row and the entry are then one statement (`ChangeLog.writeStatement`), made on the
 * condition that the name is still that one, and the listing is read while the other nodes catch
 * up. A token renamed in between is deleted in a transaction of its own instead, which reads what it
 * deletes.
 */
export async function deleteTokenListing(
  log: ChangeLog,
  db: Kysely<Database>,
  id: number,
  audit: (row: Pick<TokenRow, 'id' | 'name' | 'type'>) => AuditEntry | undefined,
  known?: Pick<TokenRow, 'id' | 'name' | 'type'>,
): Promise<TokenListing | undefined> {
  const named = known ?? (await db.selectFrom('developer_tokens').select(['id', 'name', 'type']).where('id', '=', id).executeTakeFirst());
  if (!named) return undefined;
  const deleted = await log.writeStatement<TokenRow, TokenListing>(
    { changes: [{ kind: 'token', ref: id }], audit: [audit(named)] },
    db.deleteFrom('developer_tokens').where('id', '=', id).where('name', '=', named.name).where('type', '=', named.type).returningAll(),
    ([row]) => listingOf(db, row!),
  );
  return deleted ? deleted.answer : deleteReadingTokenListing(log, db, id, audit);
}

/** The delete in a transaction that reads the row it deletes, for the audit entry and the listing. */
async function deleteReadingTokenListing(
  log: ChangeLog,
  db: Kysely<Database>,
  id: number,
  audit: (row: TokenRow) => AuditEntry | undefined,
): Promise<TokenListing | undefined> {
  try {
    return await log.write<TokenRow, TokenListing>(
      { changes: [{ kind: 'token', ref: id }], audit: (row) => [audit(row)] },
      async (trx) => {
        const row = await trx.deleteFrom('developer_tokens').where('id', '=', id).returningAll().executeTakeFirst();
        if (!row) throw new NoSuchToken(); // rolls back: no feed row, no audit entry, no wait
        return row;
      },
      (row) => listingOf(db, row),
    );
  } catch (err) {
    if (err instanceof NoSuchToken) return undefined;
    throw err;
  }
}

/** Deletes the token; returns whether it existed. Its signatures and JWT fail from the next lookup on. */
export async function deleteToken(log: ChangeLog, id: number, audit?: AuditEntry): Promise<boolean> {
  const result = await log.write({ changes: [{ kind: 'token', ref: id }], audit: [audit] }, (trx) =>
    trx.deleteFrom('developer_tokens').where('id', '=', id).executeTakeFirst(),
  );
  return Number(result.numDeletedRows) > 0;
}
