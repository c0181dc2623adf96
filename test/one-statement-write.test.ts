/**
 * A revoking write given as one statement (`ChangeLog.writeStatement`), on both stores: what the
 * statement returns comes back, with one feed row per change and the audit entries committed with
 * them; a write that finds nothing records nothing. On PostgreSQL, where the whole write is one
 * statement, a transaction of another node that holds the row and then takes the feed's lock does
 * not deadlock with it: the statement takes the lock only after its row locks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { toDekiError } from '../src/dream/to-deki-error.js';
import { featureMigrations } from '../src/feature-migrations.js';
import type { AuditEntry } from '../src/audit/entry.js';
import { type KyselyPlugin, sql } from 'kysely';
import { ChangeLog } from '../src/store/changes.js';
import { openStore, type Store } from '../src/store/database.js';
import type { TokenRow } from '../src/store/schema.js';
import { deleteTokenListing } from '../src/tokens/store.js';
import { updateUserThen } from '../src/users/store.js';
import { blockedBehind, postgresSkipReason, suitePostgresDatabase, withSession } from './helpers/postgres.js';
import { tempDir } from './helpers/server.js';

const skip = await postgresSkipReason();

const entry = (target: number): AuditEntry => ({
  action: 'token.delete',
  actor_id: 1,
  actor_name: 'admin',
  credential: 'session',
  ip: '127.0.0.1',
  target_type: 'token',
  target_id: String(target),
  details: JSON.stringify({ name: `t${target}` }),
});

async function addUser(store: Store, name: string, role: 'Admin' | 'None' = 'Admin', sessions: string[] = []): Promise<number> {
  const user = await store.db
    .insertInto('users')
    .values({
      username: name,
      username_key: name,
      email: '',
      fullname: '',
      status: 'active',
      seat: 1,
      role,
      password_hash: 'old-hash',
      created_at: 1,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = Number(user.id);
  for (const hash of sessions)
    await store.db.insertInto('sessions').values({ token_hash: hash, user_id: id, created_at: 1, expires_at: 9_000_000_000_000 }).execute();
  return id;
}

const sessionsOf = async (store: Store, userId: number) =>
  (await store.db.selectFrom('sessions').select('token_hash').where('user_id', '=', userId).orderBy('token_hash').execute()).map((r) => r.token_hash);
const userFeedRows = (store: Store, userId: number) =>
  store.db.selectFrom('changes').select('kind').where('ref', '=', String(userId)).where('kind', 'in', ['user', 'user-sessions']).orderBy('seq').execute();

async function addToken(store: Store, name: string): Promise<number> {
  const creator = { id: await addUser(store, `u-${name}`) };
  const row = await store.db
    .insertInto('developer_tokens')
    .values({
      type: 'server',
      name,
      key: `key-${name}-${Math.random()}`,
      secret_enc: null,
      host: null,
      restricted_user_id: null,
      jwt_user_id: null,
      jwt_key_id: null,
      jwt_issued_at: null,
      created_at: 1,
      created_by: 1,
      expires_at: null,
      rolled_from: null,
      last_used_at: null,
      redirect_uris: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

const feedRows = (store: Store, ref: number) =>
  store.db.selectFrom('changes').select(['kind', 'ref']).where('ref', '=', String(ref)).where('kind', '=', 'token').execute();
const auditRows = (store: Store, ref: number, type: 'token' | 'user' = 'token') =>
  store.db.selectFrom('audit_log').select(['action', 'actor_id', 'details']).where('target_id', '=', String(ref)).where('target_type', '=', type).execute();

function behaves(store: () => Store): void {
  test('the rows the statements return come back, committed with their feed rows and audit entries', async () => {
    const s = store();
    const [a, b] = [await addToken(s, 'one'), await addToken(s, 'two')];
    const names = await s.changes.writeStatement<TokenRow, string[]>(
      {
        changes: [
          { kind: 'token', ref: a },
          { kind: 'token', ref: b },
        ],
        audit: [entry(a), undefined],
      },
      s.db.deleteFrom('developer_tokens').where('id', '=', a).returningAll(),
      async (rows) => rows.map((r) => r.name),
    );
    assert.deepEqual(names, { answer: ['one'] });
    assert.deepEqual(
      (await s.db.selectFrom('developer_tokens').select('id').where('id', 'in', [a, b]).execute()).map((r) => Number(r.id)),
      [b],
      'the statement deleted what it names, and only that',
    );
    assert.deepEqual(await feedRows(s, a), [{ kind: 'token', ref: String(a) }]);
    assert.deepEqual(await feedRows(s, b), [{ kind: 'token', ref: String(b) }]);
    assert.deepEqual(await auditRows(s, a), [{ action: 'token.delete', actor_id: 1, details: JSON.stringify({ name: `t${a}` }) }]);
    assert.deepEqual(await auditRows(s, b), []);
  });

  test('a write whose answer is undefined is told from one that wrote nothing', async () => {
    const s = store();
    const a = await addToken(s, 'answerless');
    const written = await s.changes.writeStatement(
      { changes: [{ kind: 'token', ref: a }], audit: [entry(a)] },
      s.db.deleteFrom('developer_tokens').where('id', '=', a).returningAll(),
      async () => undefined,
    );
    assert.deepEqual(written, { answer: undefined });
    assert.deepEqual(await feedRows(s, a), [{ kind: 'token', ref: String(a) }]);
  });

  test('a write whose statement finds nothing records nothing and answers undefined', async () => {
    const s = store();
    const a = await addToken(s, 'kept');
    let read = false;
    const answer = await s.changes.writeStatement(
      { changes: [{ kind: 'token', ref: a }], audit: [entry(a)] },
      s.db.deleteFrom('developer_tokens').where('id', '=', a).where('name', '=', 'another name').returningAll(),
      async () => (read = true),
    );
    assert.equal(answer, undefined);
    assert.equal(read, false, 'nothing to read after a write that wrote nothing');
    assert.equal((await s.db.selectFrom('developer_tokens').select('id').where('id', '=', a).execute()).length, 1);
    assert.deepEqual(await feedRows(s, a), []);
    assert.deepEqual(await auditRows(s, a), []);
  });
}

function endsSessions(store: () => Store): void {
  test("a deactivation ends every session of the user in the same write, and no one else's", async () => {
    const s = store();
    const leaving = await addUser(s, 'leaving', 'None', ['leaving-1', 'leaving-2']);
    const staying = await addUser(s, 'staying', 'None', ['staying-1']);
    const deactivation: AuditEntry = { ...entry(leaving), action: 'user.deactivate', target_type: 'user', details: '{"status":"inactive"}' };
    const status = await updateUserThen(s.changes, leaving, { status: 'inactive' }, [deactivation], true, async (row) => row.status);
    assert.equal(status, 'inactive');
    assert.equal((await s.db.selectFrom('users').select('status').where('id', '=', leaving).executeTakeFirstOrThrow()).status, 'inactive');
    assert.deepEqual(await sessionsOf(s, leaving), [], 'the sessions ended');
    assert.deepEqual(await sessionsOf(s, staying), ['staying-1'], "another user's session is left be");
    assert.deepEqual(await userFeedRows(s, leaving), [{ kind: 'user' }, { kind: 'user-sessions' }]);
    assert.deepEqual(await userFeedRows(s, staying), []);
    assert.deepEqual(await auditRows(s, leaving, 'user'), [{ action: 'user.deactivate', actor_id: 1, details: '{"status":"inactive"}' }]);
  });

  test('a deactivation of a user who is not there answers USER_NOT_FOUND and records nothing', async () => {
    const s = store();
    const missing = 987_654;
    await assert.rejects(
      updateUserThen(s.changes, missing, { status: 'inactive' }, [undefined], true, async (row) => row.status),
      (err: { code?: string }) => err.code === 'USER_NOT_FOUND',
    );
    assert.deepEqual(await userFeedRows(s, missing), []);
  });
}

function deletesRenamed(store: () => Store): void {
  test('a token renamed since its name was read is deleted all the same, audited under the name it had', async () => {
    const s = store();
    const id = await addToken(s, 'renamed');
    const listing = await deleteTokenListing(s.changes, s.db, id, (row) => ({ ...entry(row.id), details: JSON.stringify({ name: row.name }) }), {
      id,
      name: 'its old name',
      type: 'server',
    });
    assert.equal(listing?.name, 'renamed');
    assert.equal((await s.db.selectFrom('developer_tokens').select('id').where('id', '=', id).execute()).length, 0);
    assert.deepEqual(await feedRows(s, id), [{ kind: 'token', ref: String(id) }]);
    assert.deepEqual(await auditRows(s, id), [{ action: 'token.delete', actor_id: 1, details: JSON.stringify({ name: 'renamed' }) }]);
  });
}

describe('a write as statements (SQLite)', () => {
  let store: Store;
  before(async () => {
    store = await openStore({ dataDir: tempDir(), now: Date.now, migrations: featureMigrations });
  });
  after(() => store.close());
  behaves(() => store);
  endsSessions(() => store);
  deletesRenamed(() => store);
});

describe('a write as statements (PostgreSQL)', { skip }, () => {
  const suite = suitePostgresDatabase();
  behaves(suite.store);
  endsSessions(suite.store);
  deletesRenamed(suite.store);

  test('a transaction holding the row, then the feed lock, does not deadlock with the statement', async () => {
    const store = suite.store();
    const id = await addToken(store, 'contended');
    await withSession(suite.url(), async (other) => {
      // This session looks for deadlocks later than the statement's, so a cycle would fail the statement.
      await other.query("begin; set local deadlock_timeout = '30s'");
      await other.query('update developer_tokens set name = name where id = $1', [id]);
      const written = store.changes.writeStatement<TokenRow, number>(
        { changes: [{ kind: 'token', ref: id }], audit: [entry(id)] },
        store.db.deleteFrom('developer_tokens').where('id', '=', id).where('name', '=', 'contended').returningAll(),
        async (rows) => rows.length,
      );
      assert.equal(await blockedBehind(other, written), true, 'the statement waited for the row this session holds');
      // What a revoking write of another node does next: its feed rows, under the feed's lock.
      await other.query("set local lock_timeout = '10s'");
      await other.query('select pg_advisory_xact_lock(7316203)');
      await other.query("insert into changes (kind, ref, at) values ('token', $1, 0)", [String(id)]);
      await other.query('commit');
      assert.deepEqual(await written, { answer: 1 }, 'the statement deleted the row once the other transaction let it go');
      assert.equal((await feedRows(store, id)).length, 2, "the other transaction's feed row and the statement's");
    });
  });

  test('nothing the one statements write sets off a trigger or a foreign-key check after their own row locks', async () => {
    // The feed lock is taken after the statement's row locks; a trigger or a foreign key's check runs
    // at the end of the statement, after the lock, and could then wait for a row while holding it.
    const db = suite.store().db;
    const written = ['developer_tokens', 'users', 'sessions', 'changes', 'audit_log'];
    const triggers = await sql<{ name: string }>`select tgname as name from pg_trigger t join pg_class c on c.oid = t.tgrelid
      where not t.tgisinternal and c.relname in (${sql.join(written)})`.execute(db);
    assert.deepEqual(triggers.rows, [], 'no trigger of our own on the tables written');
    const keys = await sql<{ name: string; target: string; actions: string }>`select conname as name, confrelid::regclass::text as target,
      confupdtype::text || confdeltype::text as actions from pg_constraint where contype = 'f' and confrelid::regclass::text in (${sql.join(written)})`.execute(
      db,
    );
    // Keys may point at users (whose id these statements never change and whose rows they never
    // delete), with no action on update or delete; none may point at a table whose rows they delete.
    assert.deepEqual(
      keys.rows.filter((k) => k.target !== 'users' || k.actions !== 'aa'),
      [],
      'no foreign key that a delete or an update of these statements would check',
    );
  });

  test('a deactivation that no sign-in races is one statement', async () => {
    const store = suite.store();
    const id = await addUser(store, 'quiet', 'None', ['quiet-1']);
    let statements = 0; // executed: a result each (building a query nested in another transforms it too)
    const counting: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: async (args) => (statements++, args.result),
    };
    const changes = new ChangeLog(store.db.withPlugin(counting), 'postgres', Date.now);
    let status: string | undefined;
    // An answer of undefined is an answer all the same: the write is not made again.
    await updateUserThen(changes, id, { status: 'inactive' }, [undefined], true, async (row) => void (status = row.status));
    assert.equal(status, 'inactive');
    assert.equal(statements, 1, 'the update, the end of the sessions and the feed rows in one statement');
    assert.deepEqual(await userFeedRows(store, id), [{ kind: 'user' }, { kind: 'user-sessions' }]);
    assert.deepEqual(await sessionsOf(store, id), []);
  });

  test('a transaction holding one of the sessions, then the feed lock, does not deadlock with a deactivation', async () => {
    const store = suite.store();
    const id = await addUser(store, 'signing-out', 'None', ['out-1', 'out-2']);
    await withSession(suite.url(), async (other) => {
      // A sign-out on another node: its session's row, then its feed row under the feed's lock.
      await other.query("begin; set local deadlock_timeout = '30s'");
      await other.query("delete from sessions where token_hash = 'out-1'");
      const deactivated = updateUserThen(store.changes, id, { status: 'inactive' }, [undefined], true, async (row) => row.status);
      assert.equal(await blockedBehind(other, deactivated), true, 'the deactivation waited for the session this transaction holds');
      await other.query("set local lock_timeout = '10s'");
      await other.query('select pg_advisory_xact_lock(7316203)');
      await other.query("insert into changes (kind, ref, at) values ('session', 'out-1', 0)");
      await other.query('commit');
      assert.equal(await deactivated, 'inactive');
      assert.deepEqual(await sessionsOf(store, id), []);
      assert.deepEqual(await userFeedRows(store, id), [{ kind: 'user' }, { kind: 'user-sessions' }]);
    });
  });

  test('a statement that waits past the timeout is cancelled by the server and leaves nothing behind', { timeout: 30_000 }, async () => {
    const store = suite.store();
    const id = await addToken(store, 'held');
    await withSession(suite.url(), async (other) => {
      await other.query('begin');
      await other.query('update developer_tokens set name = name where id = $1', [id]);
      const written = store.changes.writeStatement<TokenRow, number>(
        { changes: [{ kind: 'token', ref: id }], audit: [entry(id)] },
        store.db.deleteFrom('developer_tokens').where('id', '=', id).returningAll(),
        async (rows) => rows.length,
      );
      assert.equal(await blockedBehind(other, written), true, 'the statement waited for the row this session holds');
      const failure = await written.then(
        () => undefined,
        (err: unknown) => err as { code?: string },
      );
      assert.equal(failure?.code, '57014', 'cancelled by the server (statement_timeout), not abandoned by the client');
      assert.equal(toDekiError(failure, { bodyLimit: 0 }).code, 'STORE_UNAVAILABLE', 'answered 503, as a database too slow to answer');
      await other.query('commit');
      assert.equal((await store.db.selectFrom('developer_tokens').select('id').where('id', '=', id).execute()).length, 1, 'the token is still there');
      assert.deepEqual(await feedRows(store, id), []);
      assert.deepEqual(await auditRows(store, id), []);
    });
  });

  test('a password change racing a sign-in ends the session the sign-in made', async () => {
    const store = suite.store();
    const id = await addUser(store, 'racer', 'None', ['racer-before']);
    await withSession(suite.url(), async (other) => {
      // A sign-in as src/auth/session.ts makes it: the user's row held unchanged, then the session.
      await other.query('begin');
      await other.query("update users set id = id where id = $1 and status = 'active' and password_hash = 'old-hash'", [id]);
      await other.query('insert into sessions (token_hash, user_id, created_at, expires_at) values ($1, $2, 1, 9000000000000)', ['racer-session', id]);
      const password: AuditEntry = { ...entry(id), action: 'user.password', target_type: 'user', details: '{}' };
      let reads = 0;
      const changed = updateUserThen(store.changes, id, { password_hash: 'new-hash' }, [password], true, async () => void reads++);
      assert.equal(await blockedBehind(other, changed), true, 'the change waited for the sign-in');
      await other.query('commit');
      await changed;
      assert.equal((await store.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()).password_hash, 'new-hash');
      assert.deepEqual(await sessionsOf(store, id), [], 'the new session ended, and the one from before');
      assert.equal(reads, 1, 'the answer read once');
      assert.deepEqual(await userFeedRows(store, id), [{ kind: 'user' }, { kind: 'user-sessions' }], 'recorded once');
      assert.deepEqual(await auditRows(store, id, 'user'), [{ action: 'user.password', actor_id: 1, details: '{}' }], 'audited once');
    });
  });
});
