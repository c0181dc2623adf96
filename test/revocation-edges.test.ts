/**
 * Edges of final revocation found by attacking it: a live node whose heartbeat looks as if from
 * the future (the database server's clock stepped back) is still waited for, not skipped; and a
 * sign-in whose password was changed (or whose user was deactivated) after it was checked starts
 * no session, since the change could not have ended one that did not exist yet.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { startSession } from '../src/auth/session.js';
import { loadConfig } from '../src/config.js';
import { openSite, type OpenedSite } from '../src/open.js';
import { FeedPeers } from '../src/store/feed-peers.js';
import { postgresSkipReason, suitePostgresStore } from './helpers/postgres.js';
import { tempDir } from './helpers/server.js';

const skip = await postgresSkipReason();

describe('heartbeats on PostgreSQL after the database clock steps back', { skip }, () => {
  const store = suitePostgresStore();

  test('a node whose heartbeat is 3 s ahead of the clock is waited for until the bound, and not forgotten', async () => {
    const opts = { dialect: 'postgres' as const, boundMs: 300, notified: () => false };
    const writer = new FeedPeers(store().db, opts);
    const node = new FeedPeers(store().db, opts);
    await node.register(0);
    // What a backward step of the server's clock by 3 s looks like to every later statement.
    await sql`update feed_nodes set seen_at = seen_at + 3000`.execute(store().db);
    const wait = await writer.awaitApplied(1, performance.now());
    assert.deepEqual(wait.unconfirmed, [node.nodeId], 'the node is counted as live and unconfirmed');
    assert.ok(wait.ms >= 300, `waited ${wait.ms} ms, not the bound`);
    await writer.forgetDead();
    assert.ok(await node.heartbeat(0), 'its row is still there, and its next heartbeat renews it');
    await node.leave();
  });
});

describe('a sign-in racing a password change or a deactivation', () => {
  let site: OpenedSite;
  before(async () => {
    site = await openSite(loadConfig({ GATEHOUSE_ADMIN_PASSWORD: 'unit test password' }, { dataDir: tempDir() }), { role: 'tool' });
  });
  after(() => site.close());

  const admin = () => site.ctx.db.selectFrom('users').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  const sessions = async () =>
    Number(
      (
        await site.ctx.db
          .selectFrom('sessions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  test('the user as read when the password was checked gets a session while nothing changed', async () => {
    const before = await sessions();
    assert.match(await startSession(site.ctx, await admin()), /^1_[0-9a-f]{64}$/);
    assert.equal(await sessions(), before + 1);
  });

  test('no session once the password hash changed after the check, nor once the user was deactivated', async () => {
    const checked = await admin();
    await site.ctx.db.updateTable('users').set({ password_hash: 'changed meanwhile' }).where('id', '=', 1).execute();
    const before = await sessions();
    await assert.rejects(startSession(site.ctx, checked), { code: 'LOGIN_FAILED' });
    const current = await admin();
    await site.ctx.db.updateTable('users').set({ status: 'inactive' }).where('id', '=', 1).execute();
    await assert.rejects(startSession(site.ctx, current), { code: 'LOGIN_FAILED' });
    assert.equal(await sessions(), before);
  });
});
