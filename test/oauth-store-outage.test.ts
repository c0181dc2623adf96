/**
 * An OAuth endpoint whose store is cut off answers 503 `authentication store unavailable`
 * (RFC 6749 `temporarily_unavailable`), never a 500 `server_error`. On SQLite the store is cut off
 * the way it is in production: another process holds the database's write lock (a backup, a
 * `sqlite3` shell) past the busy timeout. On PostgreSQL the server reaches the database through a
 * TCP proxy the test cuts.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { ADMIN_PASSWORD, startServer, type TestServer } from './helpers/server.js';
import { basic, call, signIn } from './helpers/http.js';
import { createOAuthApp } from './helpers/oauth.js';
import { createTestDatabase, ON_POSTGRES, postgresSkipReason, type TestDatabase } from './helpers/postgres.js';
import { proxyDatabase, type TcpProxy } from './helpers/tcp-proxy.js';

/** Starts the device flow: client authentication reads the store, the device code is written to it. */
async function startDeviceFlow(server: TestServer, app: { key: string; secret: string }) {
  return call(server.url, '/@app/auth/1/token/device.json', {
    method: 'POST',
    json: false,
    headers: { Authorization: basic(app.key, app.secret), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'scope=profile',
  });
}

function assertUnavailable(res: Awaited<ReturnType<typeof startDeviceFlow>>): void {
  assert.equal(res.status, 503, res.text);
  assert.deepEqual(res.json, { error: 'temporarily_unavailable', error_description: 'authentication store unavailable' });
  assert.equal(res.headers.get('x-gatehouse-error'), 'STORE_UNAVAILABLE');
}

describe('SQLite held by another process', { skip: ON_POSTGRES ? 'the SQLite case runs on the SQLite suite' : false }, () => {
  let server: TestServer;
  after(() => server?.close());

  test('device.json answers 503 while the write lock is held, and works once it is released', async () => {
    server = await startServer();
    const app = await createOAuthApp(server.url, await signIn(server.url, 'admin', ADMIN_PASSWORD), 'outage app');
    assert.equal((await startDeviceFlow(server, app)).status, 200);

    const other = new SQLite(path.join(server.dataDir, 'gatehouse.sqlite'));
    try {
      other.exec('BEGIN IMMEDIATE');
      assertUnavailable(await startDeviceFlow(server, app));
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    assert.equal((await startDeviceFlow(server, app)).status, 200);
  });
});

describe('PostgreSQL cut off', async () => {
  const skip = await postgresSkipReason();
  let database: TestDatabase;
  let proxy: TcpProxy;
  let server: TestServer;
  after(async () => {
    await server?.close();
    await proxy?.close();
    await database?.drop();
  });

  test('device.json answers 503 while the connection is cut, and works once it is back', { skip }, async () => {
    database = await createTestDatabase();
    let viaProxy: string;
    ({ proxy, url: viaProxy } = await proxyDatabase(database.url));
    server = await startServer({ databaseUrl: viaProxy });
    const app = await createOAuthApp(server.url, await signIn(server.url, 'admin', ADMIN_PASSWORD), 'outage app');
    assert.equal((await startDeviceFlow(server, app)).status, 200);

    proxy.cut();
    assertUnavailable(await startDeviceFlow(server, app));
    proxy.restore();
    // Back: the pool reconnects on the next query.
    let res = await startDeviceFlow(server, app);
    while (res.status === 503) res = await startDeviceFlow(server, app);
    assert.equal(res.status, 200, res.text);
  });
});
