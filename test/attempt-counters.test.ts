/**
 * The database's attempt counters under contention: many adds and give-backs of the same keys at
 * once (thirty in flight), from one pool's ten connections, as a burst of sign-ins on several nodes makes them. Each
 * add sees a distinct count and nothing fails; on PostgreSQL nothing deadlocks, whichever order
 * the rows lie in on disk, and an add PostgreSQL fails to break a deadlock (with another node's
 * prune, which locks rows in scan order) is sent again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { featureMigrations } from '../src/feature-migrations.js';
import { AttemptCounters } from '../src/store/attempt-counters.js';
import { openStore, type Store } from '../src/store/database.js';
import { blockedBehind, postgresSkipReason, suitePostgresDatabase, withSession, suitePostgresStore } from './helpers/postgres.js';
import { inBatches } from '../scripts/lib/system.js';
import { tempDir } from './helpers/server.js';

const skip = await postgresSkipReason();
const WINDOW_MS = 60_000;

async function contend(store: Store): Promise<void> {
  const counters = new AttemptCounters(store.db, Date.now);
  // Rows for the keys written in the reverse of their key order, so a statement that locks rows
  // in the order it finds them locks them against the key order an add uses.
  for (const key of ['z-ip', 'y-ip', 'b-user', 'a-user']) await counters.add([key], WINDOW_MS);
  const keys = [
    ['a-user', 'z-ip'],
    ['b-user', 'y-ip'],
    ['a-user', 'y-ip'],
    ['b-user', 'z-ip'],
  ];
  // Thirty at a time: enough to keep every connection of the pool contending, few enough that none
  // waits past the pool's one-second checkout timeout on a loaded machine (that would be a 503, not a
  // deadlock or a lost count, and is not what this measures).
  const failures: string[] = [];
  await inBatches(
    Array.from({ length: 400 }, (_, i) => i),
    30,
    async (i) => {
      try {
        const counted = await counters.add(keys[i % keys.length]!, WINDOW_MS);
        if (i % 2 === 0) await counters.giveBack(counted);
      } catch (err) {
        failures.push((err as Error).message);
      }
    },
  );
  assert.deepEqual(failures, []);
  // Each of the 400 added 1 to two keys, half gave both back: 400 events left over 4 keys, plus the first 4.
  const rows = await store.db.selectFrom('attempt_counters').select(['key', 'count']).orderBy('key').execute();
  assert.equal(
    rows.reduce((sum, r) => sum + Number(r.count), 0),
    404,
  );
}

describe('attempt counters at once (SQLite)', () => {
  let store: Store;
  before(async () => {
    store = await openStore({ dataDir: tempDir(), now: Date.now, migrations: featureMigrations });
  });
  after(() => store.close());
  test('400 adds and 200 give-backs of overlapping keys at once: none fails, every count kept', () => contend(store));
});

describe('attempt counters at once (PostgreSQL)', { skip }, () => {
  const store = suitePostgresStore();
  test('400 adds and 200 give-backs of overlapping keys at once: none deadlocks, every count kept', () => contend(store()));
});

describe('attempt counters and a deadlock (PostgreSQL)', { skip }, () => {
  const suite = suitePostgresDatabase();

  test('an add that PostgreSQL fails to break a deadlock is sent again and counts once', async () => {
    const counters = new AttemptCounters(suite.store().db, Date.now);
    await counters.add(['dl-a', 'dl-b'], WINDOW_MS);
    // Another session holds dl-b, then waits for dl-a, which the add holds while it waits for dl-b:
    // the cycle a prune on another node can close. That session waits longer before it looks for
    // deadlocks, so PostgreSQL fails the add's statement, not the other session's.
    await withSession(suite.url(), async (other) => {
      await other.query("begin; set local deadlock_timeout = '30s'");
      await other.query("update attempt_counters set count = count where key = 'dl-b'");
      const added = counters.add(['dl-a', 'dl-b'], WINDOW_MS);
      assert.equal(await blockedBehind(other, added), true, 'the add waited for the row this session holds');
      await other.query("update attempt_counters set count = count where key = 'dl-a'");
      await other.query('commit');
      assert.deepEqual(
        (await added).map((c) => [c.key, c.count]),
        [
          ['dl-a', 2],
          ['dl-b', 2],
        ],
      );
    });
  });
});
