/**
 * The change feed on its own, over a real SQLite store: a node applies every feed row once and in
 * order, sees rows other writers commit, says it is fresh only after a confirmed poll, and a write
 * through the change log returns only once this node's feed has applied it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { openSite, type OpenedSite } from '../src/open.js';
import { ChangeFeed } from '../src/store/change-feed.js';
import { FeedPeers } from '../src/store/feed-peers.js';
import type { ChangesTable } from '../src/store/schema.js';
import { deleteTokenListing } from '../src/tokens/store.js';
import { tempDir } from './helpers/server.js';

let site: OpenedSite;

before(async () => {
  // `tool`: the site's own feed is off, so the one under test is the only follower.
  site = await openSite(loadConfig({ GATEHOUSE_ADMIN_PASSWORD: 'unit test password' }, { dataDir: tempDir() }), { role: 'tool' });
});
after(() => site.close());

function startFeed(seen: Pick<ChangesTable, 'kind' | 'ref'>[], resets: { n: number }) {
  const { db, changes } = site.ctx;
  const peers = new FeedPeers(db, { dialect: 'sqlite', boundMs: 60_000, notified: () => false });
  return new ChangeFeed(changes, peers, {
    boundMs: 60_000,
    pollMs: 60_000,
    retentionMs: 3_600_000,
    now: Date.now,
    onChange: (c) => seen.push({ kind: c.kind, ref: c.ref }),
    onReset: () => resets.n++,
  });
}

describe('change feed', () => {
  test('starts at the current position, then applies each new row once, in order', async () => {
    await site.ctx.changes.write({ changes: [{ kind: 'token', ref: 99 }] }, async () => undefined);
    const seen: Pick<ChangesTable, 'kind' | 'ref'>[] = [];
    const feed = startFeed(seen, { n: 0 });
    assert.equal(feed.isFresh(), false, 'not fresh before the first confirmed poll');
    await feed.start();
    try {
      assert.equal(feed.isFresh(), true);
      assert.deepEqual(seen, [], 'rows before the start are not replayed: the cache starts empty');
      const start = feed.position();

      // A write through the change log returns after this node's feed applied it.
      await site.ctx.changes.write(
        {
          changes: [
            { kind: 'user', ref: 7 },
            { kind: 'session', ref: 'abc' },
          ],
        },
        async () => undefined,
      );
      assert.deepEqual(seen, [
        { kind: 'user', ref: '7' },
        { kind: 'session', ref: 'abc' },
      ]);
      assert.equal(feed.position(), start + 2);

      // A row another writer committed directly is seen on the next poll, once.
      await site.ctx.db.insertInto('changes').values({ kind: 'token', ref: '5', at: Date.now() }).execute();
      await feed.catchUp();
      await feed.catchUp();
      assert.deepEqual(seen.slice(2), [{ kind: 'token', ref: '5' }]);
    } finally {
      await feed.stop();
    }
  });

  test('what a write reads once committed comes back, or fails, only after the feed applied the change', async () => {
    const seen: Pick<ChangesTable, 'kind' | 'ref'>[] = [];
    const feed = startFeed(seen, { n: 0 });
    await feed.start();
    try {
      const { db, changes } = site.ctx;
      const answer = await changes.write(
        { changes: [{ kind: 'user', ref: 8 }] },
        async () => 'written',
        async (written) => {
          const row = await db.selectFrom('changes').select('ref').where('ref', '=', '8').executeTakeFirst();
          return `${written}, then read ${row?.ref}`;
        },
      );
      assert.equal(answer, 'written, then read 8');
      assert.deepEqual(seen.at(-1), { kind: 'user', ref: '8' });

      await assert.rejects(
        changes.write(
          { changes: [{ kind: 'user', ref: 9 }] },
          async () => undefined,
          async () => Promise.reject(new Error('the read failed')),
        ),
        /the read failed/,
      );
      assert.deepEqual(seen.at(-1), { kind: 'user', ref: '9' }, 'the write committed, and was applied before the failure came back');
    } finally {
      await feed.stop();
    }
  });

  test('deleting a token that does not exist writes no feed row and no audit entry', async () => {
    const { db, changes } = site.ctx;
    const count = async (table: 'changes' | 'audit_log') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = [await count('changes'), await count('audit_log')];
    const listing = await deleteTokenListing(changes, db, 987_654_321, (row) => ({
      action: 'token.delete',
      actor_id: 1,
      actor_name: 'admin',
      credential: 'session:bearer',
      ip: '127.0.0.1',
      target_type: 'token',
      target_id: String(row.id),
      details: '{}',
    }));
    assert.equal(listing, undefined);
    assert.deepEqual([await count('changes'), await count('audit_log')], before);
  });

  test('a write with no feed rows adds none', async () => {
    const seen: Pick<ChangesTable, 'kind' | 'ref'>[] = [];
    const feed = startFeed(seen, { n: 0 });
    await feed.start();
    try {
      const before = feed.position();
      await site.ctx.changes.write({}, async () => undefined);
      await feed.catchUp();
      assert.equal(feed.position(), before);
      assert.deepEqual(seen, []);
    } finally {
      await feed.stop();
    }
  });
});
