/**
 * The SQLite search index of token names is filled after creation, from a backlog: a token is
 * found by name from the moment it exists, and renames and deletions are right whether they come
 * before or after the row reached the index. FTS5's own integrity check agrees once it is indexed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { openSite, type OpenedSite } from '../src/open.js';
import { tokenTextMatch } from '../src/store/text-search.js';
import { indexTokenSearchBacklog } from '../src/store/token-search-backlog.js';
import { createToken } from '../src/tokens/create.js';
import { deleteToken, updateToken } from '../src/tokens/store.js';
import { tempDir } from './helpers/server.js';

let site: OpenedSite;
// `tool`: no server, so nothing indexes the backlog but the test.
before(async () => {
  site = await openSite(loadConfig({ GATEHOUSE_ADMIN_PASSWORD: 'unit test password' }, { dataDir: tempDir() }), { role: 'tool' });
});
after(() => site.close());

const found = async (text: string) =>
  (await site.ctx.db.selectFrom('developer_tokens as t').select('t.name').where(tokenTextMatch(site.ctx.db, text)).orderBy('t.id').execute()).map(
    (r) => r.name,
  );

const inIndex = async (text: string) =>
  (await sql<{ rowid: number }>`select rowid from developer_tokens_search where developer_tokens_search match ${`"${text}"`}`.execute(site.ctx.db)).rows.length;

const create = async (name: string) =>
  (await createToken(site.ctx, { type: 'server', name, host: null, restrictedUserId: null, generateJwt: false, expiresAt: null, redirectUris: null }, 1)).token
    .id;

test('found before and after indexing; renames and deletions on either side of it', async () => {
  const quarterly = await create('quarterly-report');
  assert.deepEqual(await found('report'), ['quarterly-report'], 'found while in the backlog');
  assert.equal(await inIndex('report'), 0);
  assert.equal(await indexTokenSearchBacklog(site.ctx.db, 100), 1);
  assert.equal(await inIndex('report'), 1);
  assert.deepEqual(await found('report'), ['quarterly-report'], 'found once from the index');

  await updateToken(site.ctx.changes, quarterly, { name: 'annual-summary' });
  assert.deepEqual(await found('report'), []);
  assert.deepEqual(await found('summary'), ['annual-summary']);

  const weekly = await create('weekly-report');
  await updateToken(site.ctx.changes, weekly, { name: 'weekly-digest' });
  const gone = await create('gone-report');
  await deleteToken(site.ctx.changes, gone);
  assert.deepEqual(await found('report'), [], 'renamed and deleted in the backlog');
  assert.deepEqual(await found('digest'), ['weekly-digest']);
  assert.equal(await indexTokenSearchBacklog(site.ctx.db, 100), 1, 'the deleted row is not indexed');
  assert.deepEqual(await found('digest'), ['weekly-digest']);
  assert.equal(await inIndex('weekly'), 1);

  await deleteToken(site.ctx.changes, quarterly);
  assert.deepEqual(await found('summary'), []);
  assert.equal(await inIndex('summary'), 0, 'a deleted indexed row leaves the index');
  // Would throw "database disk image is malformed" if the index and the table disagreed.
  await sql`insert into developer_tokens_search(developer_tokens_search) values ('integrity-check')`.execute(site.ctx.db);
});

test('a backlog larger than a batch is indexed batch by batch, each row once', async () => {
  for (let i = 0; i < 25; i++) await create(`batch-token-${i}`);
  const batches: number[] = [];
  for (let n = -1; n !== 0;) batches.push((n = await indexTokenSearchBacklog(site.ctx.db, 10)));
  assert.deepEqual(batches, [10, 10, 5, 0]);
  assert.equal(await inIndex('batch-token'), 25);
  assert.equal((await found('batch-token')).length, 25);
  await sql`insert into developer_tokens_search(developer_tokens_search) values ('integrity-check')`.execute(site.ctx.db);
});
