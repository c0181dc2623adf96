/**
 * A user PUT on a user this node has cached is made without reading the user first, on condition
 * that what it decides by (status, seat, role, name) is still what the database has. When the cache
 * is behind the database, the change is decided again on the database's row: the audit names what
 * happened to that row, a name the user already has is not "taken", and sessions end as they should.
 * The cache is put behind by writing to the database directly, with no feed row for it to apply.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { bearer, call, createUser, setUser, signIn } from './helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let admin: string;

before(async () => {
  server = await startServer();
  admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
});
after(() => server.close());

/** A user with a session this node has checked, so the node has the user cached. */
async function cachedUser(username: string): Promise<{ id: number; session: string }> {
  const id = await createUser(server.url, admin, { username, password: 'a-password-1' });
  const session = await signIn(server.url, username, 'a-password-1');
  assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(session) })).status, 200);
  assert.equal(server.built.ctx.cache.cachedUserById(id)?.username, username, 'the node has the user cached');
  return { id, session };
}

/** Changes the user's row behind the node's back: no feed row, so its cache keeps the old row. */
const behindTheCache = (query: ReturnType<typeof sql>) => query.execute(server.built.ctx.db);

async function lastAuditAction(userId: number): Promise<string | undefined> {
  const row = await server.built.ctx.db
    .selectFrom('audit_log')
    .select('action')
    .where('target_type', '=', 'user')
    .where('target_id', '=', String(userId))
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row?.action;
}

test('a user cached as active but inactive in the database is audited as updated, not deactivated', async () => {
  const { id } = await cachedUser('cached-active');
  await behindTheCache(sql`update users set status = 'inactive' where id = ${id}`);
  const res = await setUser(server.url, admin, id, { status: 'inactive', fullname: 'Changed' });
  assert.equal(res.status, 200);
  assert.equal(res.json.fullname, 'Changed');
  assert.equal(await lastAuditAction(id), 'user.update', 'decided on the row the database has');
});

test('a cached user renamed in the database may be given the name it already has', async () => {
  const { id } = await cachedUser('cached-name');
  await behindTheCache(sql`update users set username = 'renamed-behind', username_key = 'renamed-behind' where id = ${id}`);
  const res = await setUser(server.url, admin, id, { username: 'renamed-behind', fullname: 'Same Name' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.username, 'renamed-behind');
});

test('a cached user deactivated through the API loses every session at once', async () => {
  const { id, session } = await cachedUser('cached-leaving');
  const res = await setUser(server.url, admin, id, { status: 'inactive' });
  assert.equal(res.status, 200);
  assert.equal(await lastAuditAction(id), 'user.deactivate');
  assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(session) })).status, 403, 'its session is refused');
  const left = await server.built.ctx.db.selectFrom('sessions').select('token_hash').where('user_id', '=', id).execute();
  assert.deepEqual(left, []);
});
