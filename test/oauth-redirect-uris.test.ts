/**
 * Registered redirect URIs of OAuth apps: when an app has them, a code goes only to one of them,
 * compared exactly (a loopback IP URI may name any port); an app with host patterns only keeps
 * working as before. Registered through the API (create, PUT, roll); the CLI and the dashboard
 * have their own tests (test/cli.test.ts, test/e2e/dashboard-oauth-expiry.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errors } from '../src/errors.js';
import type { TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { basic, bearer, call, createUser, signIn } from './helpers/http.js';
import { decide } from './helpers/oauth.js';

const TOKENS = '/@api/deki/site/developer-tokens';
const UNREGISTERED = "redirect_uri must be exactly one of the app's registered redirect URIs";

let server: TestServer;
let admin: string;
let alice: string;

before(async () => {
  ({ server, admin } = await startSite());
  await createUser(server.url, admin, { username: 'alice', seat: true, role: 'Viewer', password: 'alice-password-1' });
  alice = await signIn(server.url, 'alice', 'alice-password-1');
});
after(() => server.close());

function tokenRequest(method: string, path: string, doc: Record<string, string>) {
  return call(server.url, path, { method, headers: { ...bearer(admin), 'Content-Type': 'application/json' }, body: JSON.stringify(doc) });
}

async function createApp(doc: Record<string, string>): Promise<{ id: string; key: string; secret: string; json: Record<string, unknown> }> {
  const res = await tokenRequest('POST', TOKENS, { '@type': 'oauth', ...doc });
  assert.equal(res.status, 200, res.text);
  return { id: res.json['@id'] as string, key: res.json.key as string, secret: res.json.secret as string, json: res.json };
}

const authorizeUrl = (clientId: string, redirectUri: string) =>
  `${server.url}/@app/auth/1/token/authorize?${new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'profile' })}`;

/** Alice's answer at the authorize endpoint, approving on the consent page when it is shown. */
const authorizeAs = (clientId: string, redirectUri: string) => decide(server.url, alice, authorizeUrl(clientId, redirectUri));

/** Asserts the redirect_uri was refused on a page, with nothing sent anywhere. */
async function assertRefusedOnPage(clientId: string, redirectUri: string, message: string) {
  const res = await authorizeAs(clientId, redirectUri);
  assert.equal(res.status, 400, `${redirectUri}: ${res.status} ${res.location}`);
  assert.equal(res.location, null, redirectUri);
  assert.match(res.html, new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/'/g, '&#39;')), redirectUri);
}

describe('an app with registered redirect URIs', () => {
  const CALLBACK = 'https://app.example.com/cb';
  const NATIVE = 'http://127.0.0.1/native';
  let app: Awaited<ReturnType<typeof createApp>>;

  before(async () => {
    // Hosts too, to show the registered URIs win over them.
    app = await createApp({ name: 'Exact app', host: 'app.example.com', 'redirect-uris': `${CALLBACK}\n ${NATIVE}` });
  });

  test('the documents carry the URIs, space-separated, as given', async () => {
    assert.equal(app.json['redirect-uris'], `${CALLBACK} ${NATIVE}`);
    const shown = await call(server.url, `${TOKENS}/${app.id}`, { headers: bearer(admin) });
    assert.equal(shown.json['redirect-uris'], `${CALLBACK} ${NATIVE}`);
  });

  test('a registered URI gets the code, and the code exchanges with it', async () => {
    const res = await authorizeAs(app.key, CALLBACK);
    assert.equal(res.status, 303, res.html.slice(0, 300));
    const location = new URL(res.location!);
    assert.equal(`${location.origin}${location.pathname}`, CALLBACK);
    const token = await call(server.url, '/@app/auth/1/token/access.json', {
      method: 'POST',
      json: false,
      headers: { Authorization: basic(app.key, app.secret), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: location.searchParams.get('code')!, redirect_uri: CALLBACK }).toString(),
    });
    assert.equal(token.status, 200, token.text);
  });

  test('with a grant in place, a plain GET sends no code to anything but a registered URI', async () => {
    // Alice approved above: consent is not asked again, so a match would redirect at once.
    const again = await authorizeAs(app.key, CALLBACK);
    assert.equal(again.status, 302);
    for (const uri of [
      'http://app.example.com:9999/x',
      'https://app.example.com:9999/cb',
      'https://app.example.com:443/cb',
      'https://app.example.com/cb/',
      'https://app.example.com/cb?next=/admin',
      'https://app.example.com/CB',
      'https://APP.example.com/cb',
      'http://app.example.com/cb',
      'https://app.example.com/other',
      'https://evil.example/cb',
      'http://localhost:5000/native',
      'http://127.0.0.1:5000/other',
      'not a url',
    ]) {
      await assertRefusedOnPage(app.key, uri, UNREGISTERED);
    }
  });

  test("the sign-in page of an authorization request lets its answer go on to the app's checked origin (CSP form-action)", async () => {
    // A user who approved before goes from the sign-in form straight on to the app: the browser
    // applies form-action to that redirect too.
    const signInPage = await fetch(authorizeUrl(app.key, CALLBACK));
    assert.equal(signInPage.status, 200);
    assert.match(await signInPage.text(), /<h1>Sign in<\/h1>/);
    assert.match(signInPage.headers.get('content-security-policy') ?? '', /form-action 'self' https:\/\/app\.example\.com;/);
    const elsewhere = await fetch(`${server.url}/@app/oauth/authorized-apps`);
    assert.match(elsewhere.headers.get('content-security-policy') ?? '', /form-action 'self';/);
  });

  test('a loopback IP URI may name any port (RFC 8252 §7.3), and nothing else may differ', async () => {
    for (const uri of ['http://127.0.0.1:53211/native', 'http://127.0.0.1/native']) {
      const res = await authorizeAs(app.key, uri);
      assert.equal(res.status, 302, `${uri}: ${res.html.slice(0, 200)}`);
      assert.ok(res.location!.startsWith(`${uri}?code=`), res.location!);
    }
  });

  test('PUT replaces the URIs; an empty value goes back to the host patterns', async () => {
    const put = await tokenRequest('PUT', `${TOKENS}/${app.id}`, { 'redirect-uris': 'https://app.example.com/new' });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json['redirect-uris'], 'https://app.example.com/new');
    await assertRefusedOnPage(app.key, CALLBACK, UNREGISTERED);
    assert.equal((await authorizeAs(app.key, 'https://app.example.com/new')).status, 302);
    const cleared = await tokenRequest('PUT', `${TOKENS}/${app.id}`, { 'redirect-uris': '' });
    assert.equal(cleared.json['redirect-uris'], undefined);
    assert.equal((await authorizeAs(app.key, 'https://app.example.com:9999/anything')).status, 302, 'hosts again');
  });

  test('a roll keeps the URIs', async () => {
    const fresh = await createApp({ name: 'Rolled app', 'redirect-uris': CALLBACK });
    const rolled = await call(server.url, `${TOKENS}/${fresh.id}/roll`, { method: 'POST', headers: bearer(admin) });
    assert.equal(rolled.status, 200, rolled.text);
    assert.equal(rolled.json['redirect-uris'], CALLBACK);
  });
});

describe('apps with host patterns only', () => {
  test('keep working as before: any URL on a matching host', async () => {
    const app = await createApp({ name: 'Hosts app', host: 'app.example.com' });
    for (const uri of ['https://app.example.com/cb', 'http://app.example.com:9999/x']) {
      const res = await authorizeAs(app.key, uri);
      assert.ok(res.status === 303 || res.status === 302, `${uri}: ${res.status}`);
      assert.ok(res.location!.startsWith(`${uri}?code=`), res.location!);
    }
    await assertRefusedOnPage(app.key, 'https://evil.example/cb', errors.OAUTH_REDIRECT_URI_INVALID[1]);
  });

  test('a pattern naming scheme and port admits only that origin', async () => {
    const app = await createApp({ name: 'Origin app', host: 'https://app.example.com:8443' });
    assert.equal((await authorizeAs(app.key, 'https://app.example.com:8443/cb')).status, 303);
    for (const uri of ['http://app.example.com:9999/x', 'https://app.example.com/cb', 'http://app.example.com:8443/cb']) {
      await assertRefusedOnPage(app.key, uri, errors.OAUTH_REDIRECT_URI_INVALID[1]);
    }
  });
});

describe('registering redirect URIs', () => {
  test('each must be an absolute http(s) URL without fragment or user-info; only OAuth apps have them', async () => {
    for (const bad of [
      'ftp://app.example.com/cb',
      'https://app.example.com/cb#top',
      '/cb',
      'app.example.com/cb',
      'https://user@app.example.com/cb',
      'javascript:alert(1)',
    ]) {
      const res = await tokenRequest('POST', TOKENS, { '@type': 'oauth', name: 'bad', 'redirect-uris': `https://ok.example.com/cb ${bad}` });
      assert.equal(res.status, 400, bad);
      assert.equal(
        res.json.message,
        `redirect URI '${bad}' is not valid: give absolute http(s) URLs without a fragment or user-info, at most 20, separated by spaces`,
        bad,
      );
    }
    const many = Array.from({ length: 21 }, (_, i) => `https://app.example.com/cb${i}`).join(' ');
    assert.equal((await tokenRequest('POST', TOKENS, { '@type': 'oauth', name: 'many', 'redirect-uris': many })).status, 400);
    for (const type of ['server', 'browser']) {
      const res = await tokenRequest('POST', TOKENS, {
        '@type': type,
        name: 'x',
        host: type === 'browser' ? 'a.example.com' : '',
        'redirect-uris': 'https://a.example.com/cb',
      });
      assert.equal(res.status, 400, type);
      assert.equal(res.json.message, 'redirect-uris is only allowed on oauth tokens');
    }
  });
});
