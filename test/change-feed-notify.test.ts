/**
 * The change feed on PostgreSQL, two nodes on one database: a node applies the rows a writer's
 * NOTIFY carries without polling and says so by notification, so a revoking write returns
 * confirmed long before any timed poll; rows that do not fit in a notification, or that do not
 * follow on from what the node has applied, are fetched by a poll instead, never skipped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { featureMigrations } from '../src/feature-migrations.js';
import { ChangeFeed } from '../src/store/change-feed.js';
import { parseNotifiedRows } from '../src/store/changes.js';
import { openStore, type Store } from '../src/store/database.js';
import { FeedPeers, type PeerWait } from '../src/store/feed-peers.js';
import type { ChangesTable } from '../src/store/schema.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from './helpers/postgres.js';
import { tempDir } from './helpers/server.js';

const skip = await postgresSkipReason();
const BOUND_MS = 5000;

test('a notification payload reads back as the rows it names, and anything malformed as none', () => {
  assert.deepEqual(parseNotifiedRows('1700\n7 token 12\n8 session abc'), [
    { seq: 7, kind: 'token', ref: '12', at: 1700 },
    { seq: 8, kind: 'session', ref: 'abc', at: 1700 },
  ]);
  for (const bad of ['', '1700', 'x\n7 token 12', '1700\n7 token', '1700\n7 token 1 2', '1700\nseven token 1'])
    assert.deepEqual(parseNotifiedRows(bad), [], bad);
});

describe('change feed notifications on PostgreSQL', { skip }, () => {
  let database: TestDatabase;
  const stores: Store[] = [];
  const feeds: ChangeFeed[] = [];
  const seenOnB: Pick<ChangesTable, 'kind' | 'ref'>[] = [];
  const waits: PeerWait[] = [];
  let writer: Store;

  function node(store: Store, seen: Pick<ChangesTable, 'kind' | 'ref'>[]): ChangeFeed {
    let feed: ChangeFeed | undefined = undefined;
    const peers = new FeedPeers(store.db, { dialect: 'postgres', boundMs: BOUND_MS, notified: () => feed?.isListening() ?? false });
    // Timed polls far apart: within a test, only notifications (and the polls they ask for) move a node.
    feed = new ChangeFeed(store.changes, peers, {
      boundMs: BOUND_MS,
      pollMs: 60_000,
      retentionMs: 3_600_000,
      now: Date.now,
      listenUrl: database.url,
      onChange: (c) => seen.push({ kind: c.kind, ref: c.ref }),
      onReset: () => undefined,
    });
    feeds.push(feed);
    return feed;
  }

  async function listening(feed: ChangeFeed): Promise<void> {
    for (let i = 0; i < 500 && !feed.isListening(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(feed.isListening(), 'LISTEN is up');
  }

  before(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 2; i++) stores.push(await openStore({ dataDir: tempDir(), databaseUrl: database.url, now: Date.now, migrations: featureMigrations }));
    writer = stores[0]!;
    const a = node(writer, []);
    const b = node(stores[1]!, seenOnB);
    await a.start();
    await b.start();
    await Promise.all([listening(a), listening(b)]);
    writer.changes.follow({ onWait: (w) => waits.push(w) });
  });

  after(async () => {
    for (const f of feeds) await f.stop();
    for (const s of stores) await s.close();
    await database?.drop();
  });

  test('a revoking write returns once the other node applied its rows from the notification', async () => {
    seenOnB.length = 0;
    const start = performance.now();
    await writer.changes.write(
      {
        changes: [
          { kind: 'token', ref: 41 },
          { kind: 'user', ref: 42 },
        ],
      },
      async () => undefined,
    );
    assert.deepEqual(waits.at(-1)?.unconfirmed, [], 'the other node confirmed');
    assert.ok(performance.now() - start < BOUND_MS / 2, 'well before the bound');
    assert.deepEqual(seenOnB, [
      { kind: 'token', ref: '41' },
      { kind: 'user', ref: '42' },
    ]);
    assert.equal(feeds[1]!.position(), feeds[0]!.position());
  });

  test('rows too many for one notification are fetched by a poll', async () => {
    seenOnB.length = 0;
    const changes = Array.from({ length: 300 }, (_, i) => ({ kind: 'session' as const, ref: `${'s'.repeat(40)}${i}` }));
    await writer.changes.write({ changes }, async () => undefined);
    assert.deepEqual(waits.at(-1)?.unconfirmed, []);
    assert.equal(seenOnB.length, 300);
    assert.deepEqual(seenOnB.at(-1), { kind: 'session', ref: `${'s'.repeat(40)}299` });
  });

  test('a notification that does not follow on from the node position makes it poll, so no row is skipped', async () => {
    seenOnB.length = 0;
    // A row committed with no notification: the next write's notification skips a number for B.
    await writer.db.insertInto('changes').values({ kind: 'token', ref: '51', at: Date.now() }).execute();
    await writer.changes.write({ changes: [{ kind: 'token', ref: 52 }] }, async () => undefined);
    assert.deepEqual(waits.at(-1)?.unconfirmed, []);
    assert.deepEqual(seenOnB, [
      { kind: 'token', ref: '51' },
      { kind: 'token', ref: '52' },
    ]);
  });
});
