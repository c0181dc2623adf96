/**
 * Revocation: an access token is refused on the very next request when its app
 * is deleted, its user deactivated (or unseated, for `seated`), or its grant revoked by the user,
 * through the API or the "Authorized apps" page. Also: what `profile` and `seated` let an app do,
 * the authorizations list, and that token values never reach the database.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { errors } from '../src/errors.js';
import type { TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { bearer, call, cookieHeaders, createUser, setUser, signIn } from './helpers/http.js';
import { createOAuthApp, oauthClient, obtainTokens, readForm } from './helpers/oauth.js';

let server: TestServer;
let admin: string;

before(async () => {
  ({ server, admin } = await startSite());
});
after(() => server.close());

async function newUser(username: string, seat = true) {
  const id = await createUser(server.url, admin, { username, seat, role: 'Author', password: `${username}-password-1` });
  return { id, authtoken: await signIn(server.url, username, `${username}-password-1`) };
}

async function newApp(name: string) {
  const app = await createOAuthApp(server.url, admin, name);
  return { app, config: await oauthClient(server.url, app) };
}

async function me(accessToken: string) {
  return call(server.url, '/@api/deki/users/current', { headers: bearer(accessToken) });
}

function assertRefused(res: Awaited<ReturnType<typeof me>>, code: keyof typeof errors) {
  assert.equal(res.status, errors[code][0], res.text);
  assert.equal(res.json.message, errors[code][1]);
}

test('deleting the app refuses its access tokens at once, and its refresh tokens and client credentials', async () => {
  const user = await newUser('carol');
  const { app, config } = await newApp('Doomed app');
  const tokens = await obtainTokens(server.url, config, user.authtoken);
  assert.equal((await me(tokens.access_token)).status, 200);
  const del = await call(server.url, `/@api/deki/site/developer-tokens/${app.id}`, { method: 'DELETE', headers: bearer(admin) });
  assert.equal(del.status, 200);
  assertRefused(await me(tokens.access_token), 'OAUTH_ACCESS_TOKEN_INVALID');
  // 401 with a Basic challenge: openid-client reports it as WWWAuthenticateChallengeError.
  await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!), (err: { status?: number }) => err.status === 401);
  const list = await call(server.url, '/@api/deki/users/current/authorizations', { headers: bearer(user.authtoken) });
  assert.equal(list.json['@count'], '0');
});

test('deactivating the user refuses at once; reactivating does not revive a refused refresh', async () => {
  const user = await newUser('dave');
  const { config } = await newApp('Dave app');
  const tokens = await obtainTokens(server.url, config, user.authtoken);
  assert.equal((await setUser(server.url, admin, user.id, { status: 'inactive' })).status, 200);
  assertRefused(await me(tokens.access_token), 'USER_INVALID');
  await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!), (err: client.ResponseBodyError) => {
    assert.equal(err.error, 'invalid_grant');
    assert.equal(err.error_description, errors.OAUTH_GRANT_USER_INVALID[1]);
    return true;
  });
  await setUser(server.url, admin, user.id, { status: 'active' });
  assert.equal((await me(tokens.access_token)).status, 200, 'the grant itself was not revoked');
});

test('taking the seat refuses a seated token at once; a profile token keeps working', async () => {
  const user = await newUser('erin');
  const { config } = await newApp('Erin app');
  const seated = await obtainTokens(server.url, config, user.authtoken, 'profile seated');
  const profile = await obtainTokens(server.url, config, user.authtoken, 'profile');
  await setUser(server.url, admin, user.id, { 'license.seat': 'false' });
  assertRefused(await me(seated.access_token), 'USER_INVALID');
  assert.equal((await me(profile.access_token)).status, 200);
});

test('the user revokes the grant through the API: every token of the app refused at once', async () => {
  const user = await newUser('frank');
  const { app, config } = await newApp('Frank app');
  const a = await obtainTokens(server.url, config, user.authtoken);
  const b = await obtainTokens(server.url, config, user.authtoken, 'profile seated');

  const list = await call(server.url, '/@api/deki/users/current/authorizations', { headers: bearer(a.access_token) });
  assert.equal(list.status, 200);
  assert.equal(list.json['@count'], '1');
  const auth = list.json.authorization as Record<string, unknown>;
  assert.equal(auth.scope, 'profile seated');
  assert.deepEqual(auth.app, { '@id': app.id, 'client-id': app.key, name: 'Frank app' });

  const xml = await call(server.url, '/@api/deki/users/current/authorizations', { headers: bearer(user.authtoken), json: false });
  assert.match(xml.text, new RegExp(`^<authorizations count="1" href="[^"]+/users/${user.id}/authorizations"><authorization id="${auth['@id']}"`));

  const del = await call(server.url, `/@api/deki/users/current/authorizations/${auth['@id']}`, { method: 'DELETE', headers: cookieHeaders(user.authtoken) });
  assert.equal(del.status, 200, del.text);
  assertRefused(await me(a.access_token), 'OAUTH_ACCESS_TOKEN_INVALID');
  assertRefused(await me(b.access_token), 'OAUTH_ACCESS_TOKEN_INVALID');
  await assert.rejects(client.refreshTokenGrant(config, b.refresh_token!), (err: client.ResponseBodyError) => err.error === 'invalid_grant');
  const again = await call(server.url, `/@api/deki/users/current/authorizations/${auth['@id']}`, { method: 'DELETE', headers: bearer(user.authtoken) });
  assertRefused(again, 'OAUTH_AUTHORIZATION_NOT_FOUND');
});

test('the user revokes the grant on the Authorized apps page', async () => {
  const user = await newUser('grace');
  const { config } = await newApp('Grace <app> & "co"');
  const tokens = await obtainTokens(server.url, config, user.authtoken);
  const cookie = { Cookie: `authtoken=${user.authtoken}` };
  const page = await fetch(`${server.url}/@app/oauth/authorized-apps`, { headers: cookie });
  const html = await page.text();
  assert.match(html, /Grace &lt;app&gt; &amp; &quot;co&quot;/, 'names are escaped');
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'.*frame-ancestors 'none'/);
  const { action, fields } = readForm(html);

  // A form without the session's form token, or from another site, is refused.
  const forged = new URLSearchParams(fields);
  forged.set('form_token', 'x');
  const refused = await fetch(new URL(action, server.url), {
    method: 'POST',
    headers: { ...cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: forged,
  });
  assert.equal(refused.status, 403);
  const crossSite = await fetch(new URL(action, server.url), {
    method: 'POST',
    headers: { ...cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://evil.example' },
    body: fields,
  });
  assert.equal(crossSite.status, 403);
  assert.equal((await me(tokens.access_token)).status, 200);

  const done = await fetch(new URL(action, server.url), {
    method: 'POST',
    headers: { ...cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: fields,
  });
  assert.equal(done.status, 200);
  assert.match(await done.text(), /Revoked <strong>Grace &lt;app&gt;/);
  assertRefused(await me(tokens.access_token), 'OAUTH_ACCESS_TOKEN_INVALID');
});

test('profile acts as a community member; seated brings the seat, and with it an admin’s powers', async () => {
  const { config } = await newApp('Admin tool');
  const page = await call(server.url, '/@api/deki/pages/=secret/contents?restriction=private', {
    method: 'POST',
    headers: { ...bearer(admin), 'Content-Type': 'text/plain' },
    body: '<p>private</p>',
  });
  assert.equal(page.status, 200, page.text);
  const profile = await obtainTokens(server.url, config, admin, 'profile');
  const seated = await obtainTokens(server.url, config, admin, 'profile seated');
  assertRefused(await call(server.url, '/@api/deki/site/developer-tokens', { headers: bearer(profile.access_token) }), 'ADMIN_REQUIRED');
  assertRefused(await call(server.url, '/@api/deki/pages/=secret/contents', { headers: bearer(profile.access_token) }), 'PAGE_FORBIDDEN');
  assert.equal((await call(server.url, '/@api/deki/site/developer-tokens', { headers: bearer(seated.access_token) })).status, 200);
  assert.equal((await call(server.url, '/@api/deki/pages/=secret/contents', { headers: bearer(seated.access_token) })).status, 200);
});

test('authorizations: Anonymous is refused, and only admins see another user’s', async () => {
  assertRefused(await call(server.url, '/@api/deki/users/current/authorizations'), 'OAUTH_AUTHORIZATIONS_ANONYMOUS');
  const user = await newUser('heidi');
  const other = await newUser('ivan');
  assertRefused(await call(server.url, `/@api/deki/users/${other.id}/authorizations`, { headers: bearer(user.authtoken) }), 'ADMIN_REQUIRED');
  assert.equal((await call(server.url, `/@api/deki/users/${other.id}/authorizations`, { headers: bearer(admin) })).status, 200);
  assertRefused(await call(server.url, '/@api/deki/users/current', { headers: bearer(`gth_at_${'a'.repeat(64)}`) }), 'OAUTH_ACCESS_TOKEN_INVALID');
  assertRefused(await call(server.url, '/@api/deki/users/current', { headers: bearer('gth_at_short') }), 'OAUTH_ACCESS_TOKEN_INVALID');
});

test('codes, access and refresh tokens are stored only as SHA-256', async () => {
  const user = await newUser('judy');
  const { config } = await newApp('Storage check');
  const tokens = await obtainTokens(server.url, config, user.authtoken);
  const rows = await server.built.store.db.selectFrom('oauth_tokens').select(['token_hash', 'kind']).execute();
  const sha = (v: string) => createHash('sha256').update(v).digest('hex');
  assert.ok(rows.some((r) => r.kind === 'access' && r.token_hash === sha(tokens.access_token)));
  assert.ok(rows.some((r) => r.kind === 'refresh' && r.token_hash === sha(tokens.refresh_token!)));
  if (!server.built.store.file) return; // PostgreSQL: no file to read
  const bytes = ['gatehouse.sqlite', 'gatehouse.sqlite-wal']
    .map((f) => path.join(server.dataDir, f))
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.readFileSync(f).toString('latin1'))
    .join('');
  for (const secret of [tokens.access_token, tokens.refresh_token!, tokens.access_token.slice(7), tokens.refresh_token!.slice(7)]) {
    assert.equal(bytes.includes(secret), false, 'a token value is in the database file');
  }
});
