/**
 * Persistence: a server is stopped and a new one started on the same data
 * directory. Users, tokens, JWTs, server signatures and sessions (cookie and Bearer) keep working;
 * revocations stay revoked; the admin password is the one from the first start.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { signServerToken } from '../client/sign.js';
import { ADMIN_PASSWORD, startServer, tempDir, type TestServer } from './helpers/server.js';
import { ON_POSTGRES } from './helpers/postgres.js';
import { basic, bearer, call, createToken, createUser, signIn } from './helpers/http.js';

// The site URL is the JWT's `iss`: a restarted site keeps its URL even though the test port changes.
const SITE_URL = 'http://gatehouse.test';
const dataDir = tempDir();

interface Saved {
  userId: number;
  adminSession: string;
  userSession: string;
  jwt: string;
  revokedJwt: string;
  revokedId: number;
  server: { id: string; key: string; secret: string };
  browserKey: string;
  tokenCount: number;
}
let saved: Saved;
let second: TestServer;

before(async () => {
  const first = await startServer({ dataDir, config: { siteUrl: SITE_URL } });
  try {
    const adminSession = await signIn(first.url, 'admin', ADMIN_PASSWORD);
    const userId = await createUser(first.url, adminSession, { username: 'Persisted_User', role: 'Author', password: 'persisted-password' });
    const userSession = await signIn(first.url, 'persisted_user', 'persisted-password');
    const withJwt = await createToken(first.url, adminSession, { '@type': 'server', name: 'jwt for user', 'restricted-by-user-id': String(userId) });
    const server = await createToken(first.url, adminSession, { '@type': 'server', name: 'signs' });
    const browser = await createToken(first.url, adminSession, { '@type': 'browser', name: 'browser', host: '*.example.com' });
    // The newest token is revoked: after the restart its id must still not be handed out again.
    const revoked = await createToken(first.url, adminSession, { '@type': 'server', name: 'revoked before restart', 'generate-jwt': 'true' });
    const del = await call(first.url, `/@api/deki/site/developer-tokens/${revoked['@id']}`, { method: 'DELETE', headers: bearer(adminSession) });
    assert.equal(del.status, 200);
    saved = {
      userId,
      adminSession,
      userSession,
      jwt: withJwt.authorization!.slice('Bearer '.length),
      revokedJwt: revoked.authorization!.slice('Bearer '.length),
      revokedId: Number(revoked['@id']),
      server: { id: server['@id']!, key: server.key!, secret: server.secret! },
      browserKey: browser.key!,
      tokenCount: 3,
    };
    // Each credential works before the restart, so a failure after it is the restart's doing.
    const me = await call(first.url, '/@api/deki/users/current', { headers: bearer(saved.jwt) });
    assert.equal(me.json['@id'], String(userId));
  } finally {
    await first.close();
  }
  // A different password in the environment must not replace the one the site was created with.
  second = await startServer({ dataDir, config: { siteUrl: SITE_URL }, env: { GATEHOUSE_ADMIN_PASSWORD: 'a different password' } });
});
after(() => second?.close());

async function currentUser(headers: Record<string, string>): Promise<{ status: number; id: unknown; text: string }> {
  const res = await call(second.url, '/@api/deki/users/current', { headers });
  return { status: res.status, id: res.json['@id'], text: res.text };
}

test('the second server opened the same files and generated no new admin password or master key', () => {
  assert.equal(second.dataDir, dataDir);
  assert.equal(second.built.generatedAdminPassword, undefined);
  // On PostgreSQL the data directory holds only the master key; the rows are in the database.
  const expected = ON_POSTGRES ? ['master.key'] : ['gatehouse.sqlite', 'master.key'];
  assert.deepEqual(
    fs
      .readdirSync(dataDir)
      .filter((f) => !f.startsWith('gatehouse.sqlite-'))
      .sort(),
    expected,
  );
  assert.equal(fs.statSync(path.join(dataDir, 'master.key')).mode & 0o777, 0o600);
});

test("the admin password from the first start still works, and the new environment's does not", async () => {
  const ok = await call(second.url, '/@api/deki/users/authenticate', { json: false, headers: { Authorization: basic('admin', ADMIN_PASSWORD) } });
  assert.equal(ok.status, 200, ok.text);
  const refused = await call(second.url, '/@api/deki/users/authenticate', { headers: { Authorization: basic('admin', 'a different password') } });
  assert.equal(refused.status, 401);
  assert.equal(refused.json.message, 'invalid username or password');
});

test("a user's password and details survive", async () => {
  await signIn(second.url, 'PERSISTED_USER', 'persisted-password');
  const res = await call(second.url, `/@api/deki/users/${saved.userId}`, { headers: bearer(saved.adminSession) });
  assert.equal(res.status, 200);
  assert.equal(res.json.username, 'Persisted_User');
  assert.deepEqual(res.json['permissions.user'], { role: 'Author' });
  const list = await call(second.url, '/@api/deki/users?usernamefilter=persisted', { headers: bearer(saved.adminSession) });
  assert.equal(list.json['@count'], '1');
});

test('sessions survive, as a cookie and as Bearer', async () => {
  assert.deepEqual((await currentUser({ Cookie: `authtoken=${saved.userSession}` })).id, String(saved.userId));
  assert.deepEqual((await currentUser(bearer(saved.userSession))).id, String(saved.userId));
  assert.deepEqual((await currentUser(bearer(saved.adminSession))).id, '1');
});

test('the long-term JWT still acts as its user, and can write a page as them', async () => {
  const me = await currentUser(bearer(saved.jwt));
  assert.equal(me.status, 200, me.text);
  assert.equal(me.id, String(saved.userId));
  const page = await call(second.url, '/@api/deki/pages/=after-restart/contents', {
    method: 'POST',
    headers: { ...bearer(saved.jwt), 'Content-Type': 'text/html' },
    body: '<p>written after a restart</p>',
  });
  assert.equal(page.status, 200, page.text);
});

test('a JWT revoked before the restart stays revoked', async () => {
  const res = await call(second.url, '/@api/deki/users/current', { headers: bearer(saved.revokedJwt) });
  assert.equal(res.status, 403);
  assert.equal(res.json.message, 'invalid json web token');
});

test('server signatures still verify against the secret stored before the restart', async () => {
  for (const format of ['tkn', 'legacy', 'int'] as const) {
    const value = signServerToken({ key: saved.server.key, secret: saved.server.secret, user: '=Persisted_User', format });
    const me = await currentUser({ 'X-Deki-Token': value });
    assert.equal(me.status, 200, `${format}: ${me.text}`);
    assert.equal(me.id, String(saved.userId));
  }
  const wrong = signServerToken({ key: saved.server.key, secret: saved.server.secret.replace(/^./, (c) => (c === '0' ? '1' : '0')), user: 1 });
  const refused = await call(second.url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': wrong } });
  assert.equal(refused.status, 403);
  assert.equal(refused.json.message, 'invalid server token signature');
});

test('the browser token still admits its origins', async () => {
  const res = await call(second.url, '/@api/deki/pages/home/info', { headers: { 'X-Deki-Token': saved.browserKey, Origin: 'https://app.example.com' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
  const refused = await call(second.url, '/@api/deki/pages/home/info', { headers: { 'X-Deki-Token': saved.browserKey, Origin: 'https://evil.test' } });
  assert.equal(refused.status, 403);
  assert.equal(refused.json.message, 'browser token is not allowed from this origin');
});

test("the token list is the same, and new tokens don't reuse a revoked token's id", async () => {
  const list = await call(second.url, '/@api/deki/site/developer-tokens', { headers: bearer(saved.adminSession) });
  assert.equal(list.json['@count'], String(saved.tokenCount));
  const names = (list.json['developer-token'] as { name: string }[]).map((t) => t.name);
  assert.deepEqual(names, ['jwt for user', 'signs', 'browser']);
  const next = await createToken(second.url, saved.adminSession, { '@type': 'server', name: 'after restart' });
  assert.equal(Number(next['@id']), saved.revokedId + 1);
});
