/**
 * The authorization code flow in a real browser: Chromium opens the app's
 * authorize URL, signs in on Gatehouse's page, approves on the consent page and lands on the app's
 * redirect with a code, which the test (as the app) exchanges with openid-client and uses. The pages
 * must pass axe with their CSP on, and log no CSP violation.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { ADMIN_PASSWORD, type TestServer, startServer } from '../helpers/server.js';
import { bearer, call, createUser, signIn } from '../helpers/http.js';
import { type OAuthApp, createOAuthApp, oauthClient, startCallbackServer } from '../helpers/oauth.js';
import { assertAccessible, launch, openTab, screenshot } from './browser.js';

const h = {} as { server: TestServer; browser: Browser };
let callback: Awaited<ReturnType<typeof startCallbackServer>>;
let app: OAuthApp;
let config: client.Configuration;

before(async () => {
  [h.server, h.browser, callback] = await Promise.all([startServer(), launch(), startCallbackServer()]);
  const admin = await signIn(h.server.url, 'admin', ADMIN_PASSWORD);
  await createUser(h.server.url, admin, { username: 'judy', seat: true, role: 'Viewer', password: 'judy-password-1' });
  app = await createOAuthApp(h.server.url, admin, 'Reading list', '127.0.0.1');
  config = await oauthClient(h.server.url, app);
});
after(async () => {
  await h.browser?.close();
  await h.server?.close();
  await callback?.close();
});

test('sign in, approve on the consent page, land on the app with a code that works', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: callback.url,
    scope: 'profile seated',
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });

  await page.goto(url.href);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  assert.match((await page.textContent('main')) ?? '', /Sign in to continue to Reading list/);
  await assertAccessible(page, 'the OAuth sign-in page');
  await screenshot(page, 'oauth-sign-in');
  await page.getByLabel('Username').fill('judy');
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'invalid username or password' }).waitFor();
  await page.getByLabel('Password').fill('judy-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();

  await page.getByRole('heading', { level: 1, name: 'Authorize Reading list?' }).waitFor();
  const consent = (await page.textContent('main')) ?? '';
  assert.match(consent, /signed in as judy/);
  assert.match(consent, /profile: Act as you/);
  assert.match(consent, /seated: Use your licence seat/);
  assert.match(consent, /your browser goes to 127\.0\.0\.1:\d+/);
  await assertAccessible(page, 'the consent page');
  await screenshot(page, 'oauth-consent');
  await page.getByRole('button', { name: 'Approve' }).click();

  await page.waitForURL((u) => u.href.startsWith(callback.url));
  assert.match((await page.textContent('body')) ?? '', /callback received/);
  // (The browser may also ask the app for /favicon.ico.)
  const landed = callback.hits.find((u) => u.pathname === '/callback')!;
  assert.equal(landed.searchParams.get('state'), state);
  assert.match(landed.searchParams.get('code') ?? '', /^gth_ac_/);

  const tokens = await client.authorizationCodeGrant(config, landed, { pkceCodeVerifier: verifier, expectedState: state });
  const me = await call(h.server.url, '/@api/deki/users/current', { headers: bearer(tokens.access_token) });
  assert.equal(me.status, 200);
  assert.equal(me.json.username, 'judy');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the Authorized apps page lists the app and revokes it; the device page is accessible', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await page.goto('/@app/oauth/authorized-apps');
  await page.getByLabel('Username').fill('judy');
  await page.getByLabel('Password').fill('judy-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Authorized apps' }).waitFor();
  await page.getByRole('cell', { name: 'Reading list', exact: true }).waitFor();
  await assertAccessible(page, 'the Authorized apps page');
  await screenshot(page, 'oauth-authorized-apps');
  await page.getByRole('button', { name: 'Revoke Reading list' }).click();
  await page.getByRole('status').filter({ hasText: 'Revoked Reading list' }).waitFor();
  assert.match((await page.textContent('main')) ?? '', /You have not authorized any apps/);

  await page.goto('/@app/auth/1/token/device');
  await page.getByRole('heading', { level: 1, name: 'Connect a device' }).waitFor();
  await assertAccessible(page, 'the device page');
  await page.getByLabel('Code').fill('BCDF-GHJK');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('alert').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});
