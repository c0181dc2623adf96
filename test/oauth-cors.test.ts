/**
 * CORS for OAuth access tokens: a preflight asking for Authorization is answered for an origin of
 * some OAuth app (its host patterns, or a registered redirect URI's origin); an answer to an access
 * token carries Access-Control-Allow-Origin only for an origin of that token's app; never
 * Access-Control-Allow-Credentials. (test/e2e/oauth-spa.test.ts does it in Chromium.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, startServer, type TestServer } from './helpers/server.js';
import { bearer, call, createUser, signIn } from './helpers/http.js';
import { createOAuthApp, oauthClient, obtainTokens } from './helpers/oauth.js';

const SPA = 'https://spa.example.com';
const OTHER = 'https://other.example.org';

let server: TestServer;
let accessToken: string;

before(async () => {
  server = await startServer();
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  await createUser(server.url, admin, { username: 'alice', seat: true, role: 'Viewer', password: 'alice-password-1' });
  const alice = await signIn(server.url, 'alice', 'alice-password-1');
  const spa = await createOAuthApp(server.url, admin, 'Reading list', `${SPA},localhost`);
  // Another app, known only by a registered redirect URI.
  const other = await call(server.url, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { ...bearer(admin), 'Content-Type': 'application/json' },
    body: JSON.stringify({ '@type': 'oauth', name: 'Other app', 'redirect-uris': `${OTHER}/callback` }),
  });
  assert.equal(other.status, 200, other.text);
  accessToken = (await obtainTokens(server.url, await oauthClient(server.url, spa), alice)).access_token;
});
after(() => server.close());

const preflight = (origin: string, headers = 'authorization') =>
  call(server.url, '/@api/deki/users/current', {
    method: 'OPTIONS',
    json: false,
    headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': headers },
  });

describe('preflight asking for Authorization', () => {
  test("is answered for an OAuth app's origin, without credentials", async () => {
    for (const origin of [SPA, OTHER]) {
      const res = await preflight(origin, 'authorization,content-type');
      assert.equal(res.status, 204, `${origin}: ${res.text}`);
      assert.equal(res.headers.get('access-control-allow-origin'), origin);
      assert.equal(res.headers.get('access-control-allow-credentials'), null, 'never credentials mode');
      assert.match(res.headers.get('access-control-allow-headers') ?? '', /\bAuthorization\b/);
      assert.match(res.headers.get('access-control-allow-methods') ?? '', /GET/);
      assert.match(res.headers.get('vary') ?? '', /Origin/);
    }
  });

  test("is refused for any other origin: another host, scheme or port, or a browser token's host", async () => {
    for (const origin of ['https://evil.example', 'http://spa.example.com', 'https://spa.example.com:8443', 'https://other.example.org:444', 'null']) {
      const res = await preflight(origin);
      assert.equal(res.status, 403, origin);
      assert.match(res.text, /no OAuth app allows cross-origin requests from this origin|browser token is not allowed from this origin/);
      assert.equal(res.headers.get('access-control-allow-origin'), null, origin);
    }
  });
});

describe('a request with an access token', () => {
  const me = (headers: Record<string, string>) => call(server.url, '/@api/deki/users/current', { headers: { ...bearer(accessToken), ...headers } });

  test("from its app's origin: readable cross-origin, never with credentials", async () => {
    const res = await me({ Origin: SPA });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.username, 'alice');
    assert.equal(res.headers.get('access-control-allow-origin'), SPA);
    assert.equal(res.headers.get('access-control-allow-credentials'), null);
    assert.match(res.headers.get('vary') ?? '', /Origin/);
  });

  test("from another app's origin or a foreign one: no CORS headers (the browser keeps the answer from the page)", async () => {
    for (const origin of [OTHER, 'https://evil.example', 'http://spa.example.com']) {
      const res = await me({ Origin: origin });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), null, origin);
    }
    assert.equal((await me({})).headers.get('access-control-allow-origin'), null, 'no Origin, no CORS');
  });
});
