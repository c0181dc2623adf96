/**
 * The authorization code flow with PKCE, driven by a standard client library
 * (openid-client, configured by RFC 8414 discovery) against a real server: the happy path, a wrong
 * redirect host, a wrong verifier, a reused code, an expired code, refresh rotation and refresh
 * reuse detection; plus the request shape Expert's own examples send, introspection and revocation.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { errors } from '../src/errors.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from './helpers/server.js';
import { basic, bearer, call, createUser, signIn } from './helpers/http.js';
import { type OAuthApp, createOAuthApp, decide, oauthClient } from './helpers/oauth.js';

const REDIRECT = 'http://localhost:8089/oauth2/redirect';

let server: TestServer;
let app: OAuthApp;
let config: client.Configuration;
let alice: string;

before(async () => {
  server = await startServer();
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  await createUser(server.url, admin, { username: 'alice', seat: true, role: 'Viewer', password: 'alice-password-1' });
  alice = await signIn(server.url, 'alice', 'alice-password-1');
  app = await createOAuthApp(server.url, admin, 'Reading list', 'localhost');
  config = await oauthClient(server.url, app);
});
after(() => server.close());

/** Asserts an openid-client error carries the RFC error name and our registry message. */
async function rejectsWith(promise: Promise<unknown>, error: string, code: keyof typeof errors, status = errors[code][0]) {
  await assert.rejects(promise, (err: client.ResponseBodyError) => {
    assert.equal(err.error, error);
    assert.equal(err.error_description, errors[code][1]);
    assert.equal(err.status, status);
    return true;
  });
}

/** Runs authorize → consent → callback; returns the callback URL, the verifier and the state. */
async function authorize(scope = 'profile', extra: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  const result = await decide(server.url, alice, url);
  assert.ok(result.location, `expected a redirect, got ${result.status}: ${result.html.slice(0, 300)}`);
  return { callback: new URL(result.location), verifier, state };
}

test('discovery: RFC 8414 metadata names every endpoint, S256 and both scopes', async () => {
  const meta = config.serverMetadata();
  assert.equal(meta.issuer, `${server.url}/@app/auth/1`);
  assert.equal(meta.authorization_endpoint, `${server.url}/@app/auth/1/token/authorize`);
  assert.equal(meta.token_endpoint, `${server.url}/@app/auth/1/token/access.json?errors=rfc8628`);
  assert.equal(meta.device_authorization_endpoint, `${server.url}/@app/auth/1/token/device.json`);
  assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
  assert.deepEqual(meta.scopes_supported, ['profile', 'seated']);
});

test('the full flow: PKCE code → tokens → the API acts as the user who authorized', async () => {
  const { callback, verifier, state } = await authorize();
  assert.equal(callback.origin + callback.pathname, REDIRECT);
  assert.equal(callback.searchParams.get('state'), state);
  assert.match(callback.searchParams.get('code')!, /^gth_ac_[0-9a-f]{64}$/);

  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
  assert.equal(tokens.token_type, 'bearer'); // openid-client lower-cases it; the wire says "Bearer"
  assert.match(tokens.access_token, /^gth_at_[0-9a-f]{64}$/);
  assert.match(tokens.refresh_token!, /^gth_rt_[0-9a-f]{64}$/);
  assert.equal(tokens.expires_in, 24 * 3600);
  assert.equal(tokens.scope, 'profile');

  const me = await call(server.url, '/@api/deki/users/current', { headers: bearer(tokens.access_token) });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.username, 'alice');
  // profile acts as a community member: the seat comes only with the seated scope.
  assert.equal((me.json['license.seat'] as Record<string, string>)['#text'], 'false');

  // A second authorization with the same scope needs no consent: the browser goes straight back.
  const again = await decide(server.url, alice, client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'profile' }));
  assert.equal(again.status, 302);
  assert.ok(new URL(again.location!).searchParams.get('code'));
});

test('seated: 1 h access, 24 h refresh, the user with their seat', async () => {
  const { callback, verifier, state } = await authorize('profile seated');
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
  assert.equal(tokens.scope, 'profile seated');
  assert.equal(tokens.expires_in, 3600);
  assert.equal(tokens.refresh_token_expires_in, 24 * 3600);
  const me = await call(server.url, '/@api/deki/users/current', { headers: bearer(tokens.access_token) });
  assert.equal((me.json['license.seat'] as Record<string, string>)['#text'], 'true');
});

test('a redirect_uri on a host the app does not allow is refused on a page, never redirected', async () => {
  for (const redirect of [
    'http://evil.example/oauth2/redirect',
    'http://localhost.evil.example/cb',
    'http://user@evil.example/cb',
    'ftp://localhost/cb',
    'http://localhost/cb#frag',
  ]) {
    const url = client.buildAuthorizationUrl(config, { redirect_uri: redirect, scope: 'profile' });
    const res = await fetch(url, { headers: { Cookie: `authtoken=${alice}` }, redirect: 'manual' });
    assert.equal(res.status, 400, redirect);
    assert.equal(res.headers.get('location'), null);
    const html = await res.text();
    assert.ok(html.includes(errors.OAUTH_REDIRECT_URI_INVALID[1].replace(/'/g, '&#39;')), html);
  }
  // And an unknown client_id is also shown, not redirected.
  const res = await fetch(
    `${server.url}/@app/auth/1/token/authorize?client_id=${'0'.repeat(64)}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code`,
    { redirect: 'manual' },
  );
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('location'), null);
});

test('errors after the redirect_uri is known go back to the app with state (RFC 6749 §4.1.2.1)', async () => {
  const cases: [Record<string, string>, string, keyof typeof errors][] = [
    [{ scope: 'admin' }, 'invalid_scope', 'OAUTH_SCOPE_INVALID'],
    [{ scope: 'profile', code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }, 'invalid_request', 'OAUTH_PKCE_METHOD_UNSUPPORTED'],
    [{ scope: 'profile', response_type: 'token' }, 'unsupported_response_type', 'OAUTH_RESPONSE_TYPE_UNSUPPORTED'],
  ];
  for (const [params, error, code] of cases) {
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, state: 's1', ...params });
    const res = await decide(server.url, alice, url);
    assert.equal(res.status, 302);
    const back = new URL(res.location!);
    assert.equal(back.searchParams.get('error'), error);
    assert.equal(back.searchParams.get('error_description'), errors[code][1]);
    assert.equal(back.searchParams.get('state'), 's1');
  }
  const denied = await decide(
    server.url,
    alice,
    client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'profile seated', state: 's2' }),
    'deny',
  );
  assert.equal(new URL(denied.location!).searchParams.get('error'), 'access_denied');
  assert.equal(new URL(denied.location!).searchParams.get('state'), 's2');
});

test('a wrong PKCE verifier is refused, and the right one still works after it', async () => {
  const { callback, verifier, state } = await authorize();
  await rejectsWith(
    client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: state }),
    'invalid_grant',
    'OAUTH_PKCE_VERIFIER_INVALID',
  );
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
  assert.ok(tokens.access_token);
});

test('a code is one use: the replay fails and revokes what the first exchange obtained', async () => {
  const { callback, verifier, state } = await authorize();
  const first = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
  assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(first.access_token) })).status, 200);
  await rejectsWith(
    client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }),
    'invalid_grant',
    'OAUTH_CODE_INVALID',
  );
  const after = await call(server.url, '/@api/deki/users/current', { headers: bearer(first.access_token) });
  assert.equal(after.status, 403);
  assert.equal(after.json.message, errors.OAUTH_ACCESS_TOKEN_INVALID[1]);
  await rejectsWith(client.refreshTokenGrant(config, first.refresh_token!), 'invalid_grant', 'OAUTH_REFRESH_INVALID');
});

test('a code expires after 60 seconds', async () => {
  const { callback, verifier, state } = await authorize();
  server.clock.now = Date.now() + 61_000;
  try {
    await rejectsWith(
      client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }),
      'invalid_grant',
      'OAUTH_CODE_INVALID',
    );
  } finally {
    server.clock.now = undefined;
  }
});

test('a code is bound to its client and its redirect_uri', async () => {
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  const other = await createOAuthApp(server.url, admin, 'Other app', 'localhost');
  const { callback, verifier } = await authorize();
  const form = (extra: Record<string, string>) => ({
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, code_verifier: verifier, ...extra }).toString(),
    json: false,
  });
  const wrongClient = await call(server.url, '/@app/auth/1/token/access.json', {
    ...form({ redirect_uri: REDIRECT }),
    headers: { ...form({}).headers, Authorization: basic(other.key, other.secret) },
  });
  assert.equal(wrongClient.status, 400);
  assert.deepEqual(wrongClient.json, { error: 'invalid_grant', error_description: errors.OAUTH_CODE_INVALID[1] });
  const wrongRedirect = await call(server.url, '/@app/auth/1/token/access.json', {
    ...form({ redirect_uri: 'http://localhost:8089/other' }),
    headers: { ...form({}).headers, Authorization: basic(app.key, app.secret) },
  });
  assert.deepEqual(wrongRedirect.json, { error: 'invalid_grant', error_description: errors.OAUTH_CODE_REDIRECT_MISMATCH[1] });
  const badSecret = await call(server.url, '/@app/auth/1/token/access.json', {
    ...form({ redirect_uri: REDIRECT }),
    headers: { ...form({}).headers, Authorization: basic(app.key, 'f'.repeat(64)) },
  });
  assert.equal(badSecret.status, 401);
  assert.match(badSecret.headers.get('www-authenticate') ?? '', /^Basic /);
  assert.equal(badSecret.json.error, 'invalid_client');
});

test('refresh tokens rotate, and a reused one revokes the whole family', async () => {
  const { callback, verifier, state } = await authorize();
  const first = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
  const second = await client.refreshTokenGrant(config, first.refresh_token!);
  assert.notEqual(second.refresh_token, first.refresh_token);
  assert.notEqual(second.access_token, first.access_token);
  assert.equal(second.scope, 'profile');
  assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(second.access_token) })).json.username, 'alice');
  const third = await client.refreshTokenGrant(config, second.refresh_token!);

  // The first refresh token again: someone else holds a copy. Everything in the family goes.
  await rejectsWith(client.refreshTokenGrant(config, first.refresh_token!), 'invalid_grant', 'OAUTH_REFRESH_REUSED');
  for (const token of [first.access_token, second.access_token, third.access_token]) {
    const res = await call(server.url, '/@api/deki/users/current', { headers: bearer(token) });
    assert.equal(res.status, 403);
    assert.equal(res.json.message, errors.OAUTH_ACCESS_TOKEN_INVALID[1]);
  }
  await rejectsWith(client.refreshTokenGrant(config, third.refresh_token!), 'invalid_grant', 'OAUTH_REFRESH_INVALID');
});

test('a refresh may narrow the scope but not widen it; the refresh token keeps its scope', async () => {
  const { callback, verifier, state } = await authorize('profile seated');
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
  const narrowed = await client.refreshTokenGrant(config, tokens.refresh_token!, { scope: 'profile' });
  assert.equal(narrowed.scope, 'profile');
  assert.equal(narrowed.expires_in, 24 * 3600);
  const wide = await client.refreshTokenGrant(config, narrowed.refresh_token!);
  assert.equal(wide.scope, 'profile seated');

  const { callback: c2, verifier: v2, state: s2 } = await authorize('profile');
  const profileOnly = await client.authorizationCodeGrant(config, c2, { pkceCodeVerifier: v2, expectedState: s2 });
  await rejectsWith(client.refreshTokenGrant(config, profileOnly.refresh_token!, { scope: 'profile seated' }), 'invalid_scope', 'OAUTH_SCOPE_WIDENED');
});

test('an access token expires after its TTL; the refresh token still works', async () => {
  const { callback, verifier, state } = await authorize();
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
  server.clock.now = Date.now() + 24 * 3600_000 + 1000;
  try {
    const res = await call(server.url, '/@api/deki/users/current', { headers: bearer(tokens.access_token) });
    assert.equal(res.status, 403);
    assert.equal(res.json.message, errors.OAUTH_ACCESS_TOKEN_EXPIRED[1]);
    const fresh = await client.refreshTokenGrant(config, tokens.refresh_token!);
    assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(fresh.access_token) })).status, 200);
  } finally {
    server.clock.now = undefined;
  }
});

test("Expert's own example: no PKCE, no state, Basic plus client_id in the form, token_type and access_token read as sent", async () => {
  const authorizeUrl = `${server.url}/@app/auth/1/token/authorize?client_id=${app.key}&scope=profile&response_type=code&redirect_uri=${REDIRECT}`;
  const result = await decide(server.url, alice, authorizeUrl);
  const code = new URL(result.location!).searchParams.get('code')!;
  const res = await fetch(`${server.url}/@app/auth/1/token/access.json`, {
    method: 'POST',
    body: new URLSearchParams({ code, grant_type: 'authorization_code', client_id: app.key, redirect_uri: REDIRECT }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic(app.key, app.secret) },
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const body = (await res.json()) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token', 'refresh_token_expires_in', 'scope', 'token_type']);
  assert.equal(body.token_type, 'Bearer');
  const me = await call(server.url, '/@api/deki/users/current', { headers: { Authorization: `${body.token_type} ${body.access_token}` } });
  assert.equal(me.json.username, 'alice');
});

test('client_secret_post works too, and PKCE cannot be stripped from a code issued without it', async () => {
  const post = await oauthClient(server.url, app, 'post');
  const url = client.buildAuthorizationUrl(post, { redirect_uri: REDIRECT, scope: 'profile', state: 'p' });
  const callback = new URL((await decide(server.url, alice, url)).location!);
  await rejectsWith(
    client.authorizationCodeGrant(post, callback, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: 'p' }),
    'invalid_grant',
    'OAUTH_PKCE_VERIFIER_UNEXPECTED',
  );
  const tokens = await client.authorizationCodeGrant(post, callback, { expectedState: 'p' });
  assert.ok(tokens.access_token);
});

test('introspection (RFC 7662) and revocation (RFC 7009) with client authentication', async () => {
  const { callback, verifier, state } = await authorize();
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
  const info = await client.tokenIntrospection(config, tokens.access_token);
  assert.equal(info.active, true);
  assert.equal(info.username, 'alice');
  assert.equal(info.client_id, app.key);
  assert.equal(info.scope, 'profile');
  assert.equal(info.token_type, 'Bearer');
  assert.equal(info.iss, `${server.url}/@app/auth/1`);

  // Another app learns nothing about this app's tokens, and may not revoke them.
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  const otherConfig = await oauthClient(server.url, await createOAuthApp(server.url, admin, 'Nosy app'));
  assert.deepEqual(await client.tokenIntrospection(otherConfig, tokens.access_token), { active: false });
  await rejectsWith(client.tokenRevocation(otherConfig, tokens.access_token), 'invalid_request', 'OAUTH_TOKEN_NOT_YOURS');

  await client.tokenRevocation(config, tokens.access_token);
  assert.deepEqual(await client.tokenIntrospection(config, tokens.access_token), { active: false });
  assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(tokens.access_token) })).status, 403);
  // The refresh token survives an access token's revocation; revoking it ends the family.
  const fresh = await client.refreshTokenGrant(config, tokens.refresh_token!);
  await client.tokenRevocation(config, fresh.refresh_token!, { token_type_hint: 'refresh_token' });
  assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(fresh.access_token) })).status, 403);
  // Unknown tokens are answered 200, as RFC 7009 §2.2 asks.
  await client.tokenRevocation(config, 'gth_at_' + '0'.repeat(64));
});
