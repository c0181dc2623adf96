/**
 * What every new site has: the bootstrap admin (id 1), Anonymous (id 2) and a public
 * home page. Runs at every start; does nothing when they exist.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { hashPassword } from '../crypto/password.js';
import { ADMIN_ID, ANONYMOUS_ID, findUserById } from '../users/store.js';
import type { Store } from './database.js';
import type { UserRow } from './schema.js';

export interface SeedResult {
  readonly anonymous: UserRow;
  /** Set only on the first start without GATEHOUSE_ADMIN_PASSWORD: print it once. */
  readonly generatedAdminPassword: string | undefined;
}

export async function seedSite(store: Store, adminPassword: string | undefined, now: number): Promise<SeedResult> {
  const { db } = store;
  let generatedAdminPassword: string | undefined;
  if (!(await findUserById(db, ADMIN_ID))) {
    const password = adminPassword ?? (generatedAdminPassword = randomBytes(12).toString('base64url'));
    await db
      .insertInto('users')
      .values([
        {
          id: ADMIN_ID,
          username: 'admin',
          username_key: 'admin',
          email: '',
          fullname: 'Administrator',
          status: 'active',
          seat: 1,
          role: 'Admin',
          password_hash: await hashPassword(password),
          created_at: now,
        },
        {
          id: ANONYMOUS_ID,
          username: 'Anonymous',
          username_key: 'anonymous',
          email: '',
          fullname: '',
          status: 'active',
          seat: 0,
          role: 'Viewer',
          password_hash: null,
          created_at: now,
        },
      ])
      .execute();
    if (store.dialect === 'postgres') {
      // Explicit ids don't advance an identity column; move it past them.
      await sql`select setval(pg_get_serial_sequence('users', 'id'), (select max(id) from users))`.execute(db);
    }
  }
  const home = await db.selectFrom('pages').select('id').where('path', '=', '').executeTakeFirst();
  if (!home) {
    await db
      .insertInto('pages')
      .values({
        path: '',
        title: 'Home',
        body: '<p>Welcome to Gatehouse. This page is public; private pages need a seated user.</p>',
        restriction: 'public',
        created_at: now,
        created_by: ADMIN_ID,
        modified_at: now,
        modified_by: ADMIN_ID,
      })
      .execute();
  }
  return { anonymous: (await findUserById(db, ANONYMOUS_ID))!, generatedAdminPassword };
}
