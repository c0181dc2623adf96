/**
 * The verification cache on its own, over a real SQLite store: what it keeps, when it trusts what
 * it keeps, and what it forgets. The feed is a stand-in whose freshness and position the test sets.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { openSite, type OpenedSite } from '../src/open.js';
import type { ChangeFeed } from '../src/store/change-feed.js';
import { VerificationCache } from '../src/store/verification-cache.js';
import { createToken } from '../src/tokens/create.js';
import { tempDir } from './helpers/server.js';

let site: OpenedSite;
const feed = { fresh: true, seq: 0, isFresh: () => feed.fresh, position: () => feed.seq };
let cache: VerificationCache;

before(async () => {
  site = await openSite(loadConfig({ GATEHOUSE_ADMIN_PASSWORD: 'unit test password' }, { dataDir: tempDir() }));
});
after(() => site.close());
beforeEach(() => {
  feed.fresh = true;
  feed.seq = 0;
  cache = new VerificationCache(site.ctx.db, feed as unknown as ChangeFeed, 2);
});

async function newToken(name: string) {
  return (await createToken(site.ctx, { type: 'server', name, host: null, restrictedUserId: null, generateJwt: false, expiresAt: null }, 1)).token;
}

/** Deletes the row behind the cache's back, as another node would before its feed row arrives. */
async function deleteRow(id: number) {
  await site.ctx.db.deleteFrom('developer_tokens').where('id', '=', id).execute();
}

describe('verification cache', () => {
  test('a token read once is answered from memory while the feed is fresh', async () => {
    const token = await newToken('kept');
    assert.equal((await cache.tokenByKey(token.key))?.id, token.id);
    await deleteRow(token.id);
    assert.equal((await cache.tokenByKey(token.key))?.id, token.id, 'served from memory');
    assert.equal((await cache.tokenById(token.id))?.id, token.id, 'by id too');
  });

  test('nothing cached is used when the feed cannot confirm it is current', async () => {
    const token = await newToken('stale');
    await cache.tokenByKey(token.key);
    await deleteRow(token.id);
    feed.fresh = false;
    assert.equal(await cache.tokenByKey(token.key), undefined, 'read from the database');
  });

  test('a feed row forgets the token, and what was derived from it', async () => {
    const token = await newToken('revoked');
    const row = (await cache.tokenByKey(token.key))!;
    assert.equal(
      cache.derived(row, 'secret', () => 'first'),
      'first',
    );
    assert.equal(
      cache.derived(row, 'secret', () => 'second'),
      'first',
      'derived values are kept with the token',
    );
    await deleteRow(token.id);
    cache.apply({ kind: 'token', ref: String(token.id) });
    assert.equal(await cache.tokenByKey(token.key), undefined);
  });

  test('a read that raced a change is used once but not kept', async () => {
    const token = await newToken('raced');
    const slowFeed = { isFresh: () => true, position: () => feed.seq++ };
    const racing = new VerificationCache(site.ctx.db, slowFeed as unknown as ChangeFeed, 2);
    assert.equal((await racing.tokenByKey(token.key))?.id, token.id);
    await deleteRow(token.id);
    assert.equal(await racing.tokenByKey(token.key), undefined, 'the raced read was not kept');
  });

  test('misses are not cached: a token created after a miss is found', async () => {
    assert.equal(await cache.tokenByKey('f'.repeat(64)), undefined);
    const token = await newToken('late');
    assert.equal((await cache.userById(1))?.username, 'admin');
    assert.equal((await cache.tokenByKey(token.key))?.id, token.id);
  });

  test('each map is bounded: past the limit the oldest entry goes', async () => {
    const [a, b, c] = [await newToken('a'), await newToken('b'), await newToken('c')];
    for (const t of [a, b, c]) await cache.tokenByKey(t.key);
    assert.equal(cache.sizes().tokens, 2);
    for (const t of [a, b, c]) await deleteRow(t.id);
    assert.equal(await cache.tokenByKey(a.key), undefined, 'the oldest was evicted');
    assert.equal((await cache.tokenByKey(c.key))?.id, c.id, 'the newest is kept');
  });

  test('a peek answers without waiting only what a read would answer from memory, and counts each lookup once', async () => {
    const lookups: string[] = [];
    const counted = new VerificationCache(site.ctx.db, feed as unknown as ChangeFeed, 2, (kind, hit) => void lookups.push(`${kind} ${hit}`));
    const token = await newToken('peeked');
    assert.equal(counted.cachedTokenByKey(token.key), undefined, 'not read yet');
    assert.equal((await counted.tokenByKey(token.key))?.id, token.id);
    assert.equal(counted.cachedTokenByKey(token.key)?.id, token.id);
    assert.equal(counted.cachedTokenById(token.id)?.id, token.id);
    assert.deepEqual(lookups, ['tokens false', 'tokens true', 'tokens true'], 'a miss is counted by the read, not by the peek');
    await counted.userById(1);
    assert.equal(counted.cachedUserById(1)?.username, 'admin');
    assert.equal(counted.cachedUserByKey('admin')?.id, 1);
    feed.fresh = false;
    assert.equal(counted.cachedTokenById(token.id), undefined, 'nothing is trusted while the feed is not current');
    assert.equal(counted.cachedUserById(1), undefined);
    feed.fresh = true;
    counted.apply({ kind: 'token', ref: String(token.id) });
    assert.equal(counted.cachedTokenById(token.id), undefined, 'a feed row forgets it');
  });

  test('a JWT proof stands for the exact string and the unchanged token only', async () => {
    const token = await newToken('jwt');
    const row = (await cache.tokenById(token.id))!;
    const jwt = `eyJhbGciOiJIUzUxMiJ9.e30.${'s'.repeat(86)}`;
    cache.rememberJwt(jwt, row, { nbf: 1, exp: 2 });
    assert.equal(cache.recallJwt(jwt)?.token, row);
    assert.equal(cache.recallJwt(`eyJhbGciOiJIUzUxMiJ9.e31.${'s'.repeat(86)}`), undefined, 'same signature bytes, another token string');
    cache.apply({ kind: 'token', ref: String(token.id) });
    await cache.tokenById(token.id);
    assert.equal(cache.recallJwt(jwt), undefined, 'the token changed (a new row): the proof is gone');
  });

  test('a cache without a feed (the CLI) keeps nothing', async () => {
    const uncached = new VerificationCache(site.ctx.db, undefined, 100);
    const token = await newToken('cli');
    await uncached.tokenByKey(token.key);
    await deleteRow(token.id);
    assert.equal(await uncached.tokenByKey(token.key), undefined);
  });
});
