/**
 * A browser app on one origin (`http://127.0.0.1:<port>`, a small server this test starts) signs a
 * user in with the authorization-code flow against Gatehouse on another (`http://localhost:<port>`),
 * then its page script calls `users/current` cross-origin with the access token and shows the
 * user's email. The app's server exchanges the code with its client secret and PKCE verifier, and
 * hands the page the access token; the page never sees the secret.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ADMIN_PASSWORD, type TestServer, startServer } from '../helpers/server.js';
import { basic, createUser, setUser, signIn } from '../helpers/http.js';
import { type OAuthApp, createOAuthApp } from '../helpers/oauth.js';
import { type PageServer, startPageServer } from '../helpers/page-server.js';
import { launch, openTab } from './browser.js';

let server: TestServer;
let browser: Browser;
let spa: PageServer;
let app: OAuthApp;
const verifier = randomBytes(32).toString('base64url');
const state = randomBytes(16).toString('base64url');

const page = (body: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Reading list</title></head><body>${body}</body></html>`;

/** The app: a start page with a sign-in link, a callback that exchanges the code, and a page that reads the user. */
async function respond(url: URL) {
  const redirectUri = `${spa.origin}/callback`;
  if (url.pathname === '/') {
    const authorize = new URL(`${server.url}/@app/auth/1/token/authorize`);
    authorize.search = new URLSearchParams({
      client_id: app.key,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'profile',
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    return { body: page(`<h1>Reading list</h1><a href="${authorize.href.replace(/&/g, '&amp;')}">Sign in with Gatehouse</a>`) };
  }
  if (url.pathname === '/callback') {
    if (url.searchParams.get('state') !== state) return { status: 400, body: page('<p>state mismatch</p>') };
    const res = await fetch(`${server.url}/@app/auth/1/token/access.json`, {
      method: 'POST',
      headers: { Authorization: basic(app.key, app.secret), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: url.searchParams.get('code') ?? '',
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }),
    });
    const tokens = (await res.json()) as { access_token?: string };
    if (!tokens.access_token) return { status: 502, body: page(`<p>no token: ${res.status}</p>`) };
    // The page script calls Gatehouse itself, cross-origin, with the access token.
    return {
      body: page(`<h1>Reading list</h1><p>Signed in as <output id="email">…</output></p><script>
const TOKEN = ${JSON.stringify(tokens.access_token)};
window.TOKEN = TOKEN;
fetch(${JSON.stringify(`${server.url}/@api/deki/users/current?dream.out.format=json`)}, { headers: { Authorization: 'Bearer ' + TOKEN } })
  .then((r) => r.json())
  .then((me) => { document.getElementById('email').textContent = me.email; })
  .catch((err) => { document.getElementById('email').textContent = 'failed: ' + err.message; });
</script>`),
    };
  }
  return { status: 404, body: page('<p>not found</p>') };
}

before(async () => {
  [server, browser, spa] = await Promise.all([startServer(), launch(), startPageServer('127.0.0.1', (url) => respond(url))]);
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  const judy = await createUser(server.url, admin, { username: 'judy', seat: true, role: 'Viewer', password: 'judy-password-1' });
  await setUser(server.url, admin, judy, { email: 'judy@example.com' });
  // The app's host pattern names its page's exact origin.
  app = await createOAuthApp(server.url, admin, 'Reading list', spa.origin);
});
after(async () => {
  await browser?.close();
  await server?.close();
  await spa?.close();
});

test('a page on the app origin runs the code flow against Gatehouse on another origin, then reads users/current with the access token', async () => {
  const { page: tab, problems, context } = await openTab(browser, spa.origin);
  await tab.goto('/');
  await tab.getByRole('link', { name: 'Sign in with Gatehouse' }).click();
  await tab.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  assert.ok(tab.url().startsWith(`${server.url}/`), `on Gatehouse: ${tab.url()}`);
  await tab.getByLabel('Username').fill('judy');
  await tab.getByLabel('Password').fill('judy-password-1');
  await tab.getByRole('button', { name: 'Sign in' }).click();
  await tab.getByRole('heading', { level: 1, name: 'Authorize Reading list?' }).waitFor();
  await tab.getByRole('button', { name: 'Approve' }).click();

  await tab.waitForURL((u) => u.href.startsWith(`${spa.origin}/callback`));
  const email = tab.locator('#email');
  await email.filter({ hasText: /@|failed/ }).waitFor();
  assert.equal(await email.textContent(), 'judy@example.com');

  // Never credentials mode: the same call with cookies included is refused by the browser.
  const withCookies = await tab.evaluate(
    `fetch(${JSON.stringify(`${server.url}/@api/deki/users/current?dream.out.format=json`)}, { credentials: 'include', headers: { Authorization: 'Bearer ' + window.TOKEN } }).then((r) => 'read ' + r.status, (err) => 'refused: ' + err.name)`,
  );
  assert.equal(withCookies, 'refused: TypeError');
  assert.deepEqual(
    problems.filter((p) => !/CORS|Failed to fetch|ERR_FAILED/.test(p)),
    [],
  );
  await context.close();
});

test('the same token from an origin that is not the app’s: the browser does not let the page read the answer', async () => {
  const token = await (async () => {
    const { page: tab, context } = await openTab(browser, spa.origin);
    await tab.goto('/');
    await tab.getByRole('link', { name: 'Sign in with Gatehouse' }).click();
    await tab.getByLabel('Username').fill('judy');
    await tab.getByLabel('Password').fill('judy-password-1');
    await tab.getByRole('button', { name: 'Sign in' }).click();
    // Consent was given in the first test: the code comes back at once.
    await tab.waitForURL((u) => u.href.startsWith(`${spa.origin}/callback`));
    const value = (await tab.evaluate('window.TOKEN')) as string;
    await context.close();
    return value;
  })();
  // `localhost` on the app server's port is another origin than `127.0.0.1` on it.
  const foreign = `http://localhost:${spa.port}`;
  const { page: tab, context } = await openTab(browser, foreign);
  await tab.goto('/');
  const read = await tab.evaluate(
    `fetch(${JSON.stringify(`${server.url}/@api/deki/users/current?dream.out.format=json`)}, { headers: { Authorization: 'Bearer ' + ${JSON.stringify(token)} } }).then((r) => 'read ' + r.status, (err) => 'refused: ' + err.name)`,
  );
  assert.equal(read, 'refused: TypeError');
  await context.close();
});
