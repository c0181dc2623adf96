/**
 * A node that cannot confirm its cache is current answers forward-auth with 503 and the usual
 * document, never a stale yes: PostgreSQL behind a TCP proxy the test cuts for this node only.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { errors } from '../src/errors.js';
import { createToken, signIn } from './helpers/http.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from './helpers/postgres.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from './helpers/server.js';
import { proxyDatabase, type TcpProxy } from './helpers/tcp-proxy.js';

const skip = await postgresSkipReason();
let database: TestDatabase;
let proxy: TcpProxy;
let server: TestServer;
let jwt: string;

before(async () => {
  if (skip) return;
  database = await createTestDatabase();
  let viaProxy: string;
  ({ proxy, url: viaProxy } = await proxyDatabase(database.url));
  server = await startServer({ databaseUrl: viaProxy });
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  jwt = (await createToken(server.url, admin, { '@type': 'server', name: 'stale', 'restricted-by-user-id': '1' })).authorization!;
});
after(async () => {
  if (skip) return;
  await server.close();
  await proxy.close();
  await database.drop();
});

const verify = () => fetch(`${server.url}/@gatehouse/verify?dream.out.format=json`, { headers: { Authorization: jwt } });

test('verify answers 503 while the store is cut off, and 200 again once it is back', { skip, timeout: 60_000 }, async () => {
  assert.equal((await verify()).status, 200);
  proxy.cut();
  let res = await verify();
  // Cached and fresh a moment longer (within the staleness bound), then the node must stop saying yes.
  while (res.status === 200) res = await verify();
  assert.equal(res.status, 503);
  assert.equal(((await res.json()) as { message: string }).message, errors.STORE_UNAVAILABLE[1]);
  proxy.restore();
  do res = await verify();
  while (res.status === 503);
  assert.equal(res.status, 200);
});
