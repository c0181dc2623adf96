/**
 * Liveness and readiness: ready is 200 on a healthy site; with PostgreSQL cut off (a TCP proxy the
 * test cuts, the shared PostgreSQL keeps running) it turns 503 naming the store and the change feed,
 * and 200 again by itself once the database is back; live stays 200 throughout. Shutting down turns
 * ready 503 at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, type Response } from './helpers/http.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from './helpers/postgres.js';
import { startServer, type TestServer } from './helpers/server.js';
import { proxyDatabase, type TcpProxy } from './helpers/tcp-proxy.js';

const LIVE = '/@gatehouse/health/live';
const READY = '/@gatehouse/health/ready';

/** Asks `path` until the answer satisfies `done` (each answer is checked by `each`), or fails after `ms`. */
async function until(base: string, path: string, done: (res: Response) => boolean, each: () => Promise<void>, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await call(base, path, { json: false });
    await each();
    if (done(res)) return res;
    if (Date.now() > deadline) assert.fail(`${path} still ${res.status} after ${ms} ms: ${res.text}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('health on a healthy site', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('live and ready answer 200 without a credential, with a small JSON body and no caching', async () => {
    const live = await call(server.url, LIVE, { json: false });
    assert.equal(live.status, 200);
    assert.deepEqual(live.json, { status: 'live' });
    assert.equal(live.headers.get('cache-control'), 'no-store');
    const ready = await call(server.url, READY, { json: false });
    assert.equal(ready.status, 200, ready.text);
    assert.deepEqual(ready.json, { status: 'ready' });
  });

  test('draining (the first step of a shutdown) turns ready 503 at once; live stays 200', async () => {
    server.built.readiness.drain();
    const ready = await call(server.url, READY, { json: false });
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.json, { status: 'not ready', failing: { node: 'shutting down' } });
    assert.equal((await call(server.url, LIVE, { json: false })).status, 200);
  });
});

const skip = await postgresSkipReason();

describe('health with PostgreSQL cut off and back', { skip }, () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let server: TestServer;

  before(async () => {
    database = await createTestDatabase();
    const proxied = await proxyDatabase(database.url);
    proxy = proxied.proxy;
    server = await startServer({ databaseUrl: proxied.url });
  });
  after(async () => {
    await server?.close();
    await proxy?.close();
    await database?.drop();
  });

  test('ready: 200, then 503 naming the store and the feed while cut off, then 200 by itself; live 200 throughout', async () => {
    const liveIs200 = async () => assert.equal((await call(server.url, LIVE, { json: false })).status, 200, 'live');
    await until(server.url, READY, (r) => r.status === 200, liveIs200);

    proxy.cut();
    const failing = (r: Response) => (r.json.failing ?? {}) as Record<string, string>;
    // Both reasons: the feed's failed polls name the store, and the bound runs out for the feed.
    const down = await until(server.url, READY, (r) => r.status === 503 && 'store' in failing(r) && 'changeFeed' in failing(r), liveIs200);
    assert.equal(down.json.status, 'not ready');
    assert.match(failing(down).changeFeed!, /^not confirmed current within the staleness bound of 1 s(; last \d+\.\d s ago)?$/, down.text);
    assert.match(failing(down).store!, /^not answering \(.+\)$/, down.text);
    assert.doesNotMatch(down.text, /postgres(ql)?:\/\/|password/i, 'no URL or secret in the body');

    proxy.restore();
    const up = await until(server.url, READY, (r) => r.status === 200, liveIs200);
    assert.deepEqual(up.json, { status: 'ready' });
  });
});
