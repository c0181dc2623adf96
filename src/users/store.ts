/** Users in the database. Rules about who may do what live in the routes, not here. */
import { type Kysely, sql } from 'kysely';
import type { AuditEntry } from '../audit/entry.js';
import { DekiError } from '../errors.js';
import type { Change, ChangeLog } from '../store/changes.js';
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

/** What a user update decides by, beyond the row's id: a write made on a cached row checks them. */
const DECIDED_BY = ['status', 'seat', 'role', 'username_key'] as const;

/** The feed rows of a user update; ending the user's sessions is a change of its own. */
const feedRowsOf = (id: number, endSessions: boolean): Change[] =>
  endSessions
    ? [
        { kind: 'user', ref: id },
        { kind: 'user-sessions', ref: id },
      ]
    : [{ kind: 'user', ref: id }];

/**
 * `updateUser`, then `read` (what the answer needs) once it has committed, while the other nodes
 * catch up. One statement (`ChangeLog.writeStatement`), made only if the row still has what the
 * change was decided on in `decidedOn` (when given: a cached row), and, for a change that ends the
 * user's sessions, only if no sign-in came in between: a sign-in holding the user's row commits a
 * session that the statement's snapshot, taken before it waited for the row, cannot see. A sign-in
 * changes the row (`startSession`), so on PostgreSQL the update is made only if the row is still
 * the version the snapshot read (its `xmin`, which PostgreSQL re-checks on the newest version after
 * a wait); on SQLite the statement runs in a transaction of the one writer. `{ answer }` (what
 * `read` made), or undefined when nothing was written (no such user, a row changed since, a
 * sign-in in between): nothing is recorded then.
 */
export async function updateUserIfUnchanged<U>(
  changes: ChangeLog,
  id: number,
  decidedOn: UserRow | undefined,
  patch: UserUpdate,
  audit: (AuditEntry | undefined)[],
  endSessions: boolean,
  read: (row: UserRow) => Promise<U>,
): Promise<{ answer: U } | undefined> {
  let update = changes.db.updateTable('users').set(patch).where('id', '=', id);
  for (const column of decidedOn ? DECIDED_BY : []) update = update.where(column, '=', decidedOn![column]);
  if (endSessions && changes.dialect === 'postgres') update = update.where(sql<boolean>`xmin = (select xmin from users where id = ${id})`);
  return changes.writeStatement<UserRow, U>(
    { changes: feedRowsOf(id, endSessions), audit },
    update.returningAll(),
    ([row]) => read(row!),
    endSessions ? { table: 'sessions', column: 'user_id' } : undefined,
  );
}

/**
 * `updateUserIfUnchanged` with nothing to check; when a sign-in came in between it is made again
 * as a transaction, whose delete of the sessions comes after it has waited for the user's row.
 */
export async function updateUserThen<U>(
  changes: ChangeLog,
  id: number,
  patch: UserUpdate,
  audit: (AuditEntry | undefined)[],
  endSessions: boolean,
  read: (row: UserRow) => Promise<U>,
): Promise<U> {
  const written = await updateUserIfUnchanged(changes, id, undefined, patch, audit, endSessions, read);
  if (written) return written.answer;
  if (!endSessions) throw new DekiError('USER_NOT_FOUND');
  return changes.write(
    { changes: feedRowsOf(id, true), audit },
    async (trx) => {
      const row = await trx.updateTable('users').set(patch).where('id', '=', id).returningAll().executeTakeFirst();
      if (!row) throw new DekiError('USER_NOT_FOUND'); // rolls back: nothing recorded
      await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
      return row;
    },
    read,
  );
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
