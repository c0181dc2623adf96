/** Users in the database. Rules about who may do what live in the routes, not here. */
import { type Kysely, sql } from 'kysely';
import type { AuditEntry } from '../audit/entry.js';
import { DekiError } from '../errors.js';
import type { ChangeLog } from '../store/changes.js';
import { userTextMatch } from '../store/text-search.js';
import type { Database, NewUser, Role, UserRow, UserUpdate } from '../store/schema.js';

export const ADMIN_ID = 1;
export const ANONYMOUS_ID = 2;

/** An admin is active, seated and has role Admin. */
export function isAdmin(user: UserRow): boolean {
  return user.status === 'active' && user.seat === 1 && user.role === 'Admin' && user.id !== ANONYMOUS_ID;
}

export function isSeatedActive(user: UserRow): boolean {
  return user.status === 'active' && user.seat === 1 && user.id !== ANONYMOUS_ID;
}

export function findUserById(db: Kysely<Database>, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findUserByName(db: Kysely<Database>, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username_key', '=', username.toLowerCase()).executeTakeFirst();
}

export interface UserListQuery {
  usernamefilter?: string | undefined;
  limit: number;
  offset: number;
}

/** Users whose name contains the filter (case-insensitive), Anonymous excluded, by username. */
export async function listUsers(db: Kysely<Database>, q: UserListQuery): Promise<{ users: UserRow[]; total: number }> {
  let base = db.selectFrom('users').where('id', '!=', ANONYMOUS_ID);
  // An indexed substring match (store/text-search.ts); "_" and "%" match themselves.
  if (q.usernamefilter) base = base.where(userTextMatch(db, q.usernamefilter));
  const [users, count] = await Promise.all([
    base.selectAll().orderBy('username_key').limit(q.limit).offset(q.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { users, total: Number(count.n) };
}

export async function insertUser(changes: ChangeLog, user: NewUser, audit?: (row: UserRow) => AuditEntry | undefined): Promise<UserRow> {
  return changes.write({ audit: (row) => [audit?.(row)] }, (trx) => trx.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow());
}

/**
 * Inserts the user unless its name is taken by then (two first sign-ins at once), and returns the
 * row either way: the loser of the race gets the winner's user, never a constraint error.
 */
export async function insertUserOnce(changes: ChangeLog, user: NewUser, audit?: (row: UserRow) => AuditEntry | undefined): Promise<UserRow> {
  const inserted = await changes.write<UserRow | undefined>({ audit: (row) => [row ? audit?.(row) : undefined] }, (trx) =>
    trx
      .insertInto('users')
      .values(user)
      .onConflict((oc) => oc.column('username_key').doNothing())
      .returningAll()
      .executeTakeFirst(),
  );
  return inserted ?? (await changes.db.selectFrom('users').selectAll().where('username_key', '=', user.username_key).executeTakeFirstOrThrow());
}

/**
 * Updates the user. With `endSessions` (a deactivation, a new password) it also ends all their
 * sessions in the same write, so the answer waits for the other nodes once rather than twice.
 */
export async function updateUser(
  changes: ChangeLog,
  id: number,
  patch: UserUpdate,
  audit: (AuditEntry | undefined)[] = [],
  endSessions = false,
): Promise<UserRow> {
  return updateUserThen(changes, id, patch, audit, endSessions, async (row) => row);
}

/**
 * `updateUser`, then `read` (what the answer needs) once it has committed, while the other nodes
 * catch up. A change that leaves the sessions be is one statement (`ChangeLog.writeStatement`).
 * One that ends them must also end any session a sign-in holding the user's row commits while
 * the update waits for that row, which a statement whose snapshot was taken before the wait cannot
 * see. A sign-in changes the row (`startSession`), so on PostgreSQL the update is made only if the
 * row is still the version the snapshot read (its `xmin`, which PostgreSQL re-checks on the newest
 * version after a wait): then no sign-in committed since, and one statement ends every session.
 * Otherwise, and on SQLite, it is a transaction, whose delete comes after the wait.
 */
export async function updateUserThen<U>(
  changes: ChangeLog,
  id: number,
  patch: UserUpdate,
  audit: (AuditEntry | undefined)[],
  endSessions: boolean,
  read: (row: UserRow) => Promise<U>,
): Promise<U> {
  const user = { kind: 'user', ref: id } as const;
  if (endSessions) {
    const records = { changes: [user, { kind: 'user-sessions', ref: id } as const], audit };
    const unchanged =
      changes.dialect === 'postgres'
        ? await changes.writeStatement<UserRow, U>(
            records,
            changes.db
              .updateTable('users')
              .set(patch)
              .where('id', '=', id)
              .where(sql<boolean>`xmin = (select xmin from users where id = ${id})`)
              .returningAll(),
            ([row]) => read(row!),
            { table: 'sessions', column: 'user_id' },
          )
        : undefined;
    if (unchanged !== undefined) return unchanged;
    return changes.write(
      records,
      async (trx) => {
        const row = await trx.updateTable('users').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
        await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
        return row;
      },
      read,
    );
  }
  const answer = await changes.writeStatement<UserRow, U>(
    { changes: [user], audit },
    changes.db.updateTable('users').set(patch).where('id', '=', id).returningAll(),
    ([row]) => read(row!),
  );
  if (answer === undefined) throw new DekiError('USER_NOT_FOUND');
  return answer;
}

export async function countAdmins(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'active')
    .where('seat', '=', 1)
    .where('role', '=', 'Admin' satisfies Role)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
