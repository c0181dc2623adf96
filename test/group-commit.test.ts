/**
 * Group commit on SQLite: writes sent together share a transaction, yet each succeeds or fails
 * alone, with its own audit entry and feed rows; through the API, concurrent creations all answer
 * with their own token, and a refused one in the middle of them leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { openSite, type OpenedSite } from '../src/open.js';
import { ADMIN_PASSWORD, startServer, tempDir, type TestServer } from './helpers/server.js';
import { bearer, call, signIn } from './helpers/http.js';

describe('writes through the change log, sent at once', () => {
  let site: OpenedSite;
  before(async () => {
    site = await openSite(loadConfig({ GATEHOUSE_ADMIN_PASSWORD: 'unit test password' }, { dataDir: tempDir() }), { role: 'tool' });
  });
  after(() => site.close());

  const setting = (name: string) => site.ctx.db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();

  test('one that throws is rolled back alone: the others, their audit entries and feed rows commit', async () => {
    const { changes, db } = site.ctx;
    const before = await db
      .selectFrom('changes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const writes = Array.from({ length: 8 }, (_, i) =>
      changes.write(
        {
          changes: [{ kind: 'token', ref: 1000 + i }],
          audit: [
            {
              action: 'token.update',
              actor_id: 1,
              actor_name: 'admin',
              credential: 'cli',
              ip: null,
              target_type: 'token',
              target_id: String(1000 + i),
              details: '{}',
            },
          ],
        },
        async (trx) => {
          await trx
            .insertInto('settings')
            .values({ name: `grouped-${i}`, value: String(i) })
            .execute();
          if (i === 3) throw new Error('write 3 refuses');
          return i;
        },
      ),
    );
    const settled = await Promise.allSettled(writes);
    assert.deepEqual(
      settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)),
      [0, 1, 2, 'write 3 refuses', 4, 5, 6, 7],
    );
    for (let i = 0; i < 8; i++) assert.equal((await setting(`grouped-${i}`))?.value, i === 3 ? undefined : String(i), `row of write ${i}`);
    const after = await db
      .selectFrom('changes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(after.n) - Number(before.n), 7, 'feed rows of the seven that succeeded');
    const audited = await db
      .selectFrom('audit_log')
      .select('target_id')
      .where('target_id', 'in', ['1000', '1001', '1002', '1003', '1004', '1005', '1006', '1007'])
      .execute();
    assert.deepEqual(audited.map((a) => a.target_id).sort(), ['1000', '1001', '1002', '1004', '1005', '1006', '1007']);
  });

  test('a write alone that fails writes nothing, as without grouping', async () => {
    await assert.rejects(
      site.ctx.changes.write({}, async (trx) => {
        await trx.insertInto('settings').values({ name: 'alone', value: 'x' }).execute();
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.equal(await setting('alone'), undefined);
  });
});

describe('token creations sent at once through the API', () => {
  let server: TestServer;
  let admin: string;
  before(async () => {
    server = await startServer();
    admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  });
  after(() => server.close());

  test('each gets its own key and secret; a refused one among them leaves no token', async () => {
    const create = (name: string) =>
      call(server.url, '/@api/deki/site/developer-tokens', {
        method: 'POST',
        headers: { ...bearer(admin), 'Content-Type': 'application/json' },
        body: JSON.stringify({ '@type': 'server', name, 'restricted-by-user-id': name === 'bad' ? '99999' : undefined }),
      });
    const names = ['a', 'b', 'c', 'bad', 'd', 'e', 'f', 'g', 'h', 'i'];
    const answers = await Promise.all(names.map(create));
    const bad = answers[3]!;
    assert.equal(bad.status, 400, bad.text);
    const good = answers.filter((_, i) => i !== 3);
    for (const res of good) assert.equal(res.status, 200, res.text);
    assert.equal(new Set(good.map((r) => r.json.key)).size, 9);
    const list = await call(server.url, '/@api/deki/site/developer-tokens', { headers: bearer(admin) });
    const listed = ([] as { name: string }[]).concat((list.json['developer-token'] as { name: string }[] | undefined) ?? []);
    assert.deepEqual(listed.map((t) => t.name).sort(), names.filter((n) => n !== 'bad').sort());
  });
});
