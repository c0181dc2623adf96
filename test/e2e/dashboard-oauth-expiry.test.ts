/**
 * Two create-form choices beyond the seed's: an OAuth app, whose key and secret then work
 * as client_id and client_secret, with the header's link to the apps a user authorized; and an
 * expiry, in 30 days or on a chosen day, checked in the page, sent as `<expires>`, and
 * shown in the list with "Expires soon" when it is near.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { basic, bearer, call, signIn } from '../helpers/http.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { assertAccessible, harness, openTab, readClipboard, signInThroughPage } from './browser.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let admin: string;

const h = harness(async ({ server }) => {
  admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
});

async function listed(key: string): Promise<Record<string, unknown>> {
  const res = await call(h.server.url, '/@api/deki/site/developer-tokens', { headers: bearer(admin) });
  const all = res.json['developer-token'];
  return ([all].flat() as Record<string, unknown>[]).find((t) => t.key === key)!;
}

function rowOf(page: Page, name: string) {
  return page
    .getByRole('region', { name: /API tokens/ })
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name }) });
}

test('an OAuth app made from the page: optional redirect hosts, a client secret shown once, credentials that work; the header links to authorized apps', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const form = page.getByRole('region', { name: 'Add an API token' });
  await form.getByRole('radio', { name: 'OAuth' }).check();
  assert.equal(await form.getByRole('checkbox', { name: /Generate long-term JWT/ }).count(), 0);
  assert.equal(await form.getByRole('combobox', { name: 'Restricted to user' }).count(), 0);
  const host = form.getByLabel('Host');
  const hint = await form.locator(`#${await host.getAttribute('aria-describedby')}`).innerText();
  assert.match(hint, /^Optional\. Where authorization codes may be sent: the hostnames your redirect_uri may use/);
  await form.getByLabel('Name', { exact: true }).fill('Reading list');
  await host.fill('https://app.example.com/callback');
  await form.getByRole('button', { name: 'Generate API token' }).click();
  await form.getByText('“https://app.example.com/callback” is not a valid host pattern.').waitFor();
  await host.fill('app.example.com, *.reading.test');
  await form.getByRole('button', { name: 'Generate API token' }).click();

  const dialog = page.getByRole('dialog', { name: 'API Token created' });
  await dialog.getByText('OAuth token “Reading list”').waitFor();
  const clientId = await dialog.getByLabel('Key (identifier)').inputValue();
  assert.match(await dialog.innerText(), /The app’s OAuth client_id/);
  assert.match(await dialog.innerText(), /The app’s OAuth client_secret/);
  assert.equal(await dialog.getByLabel(/JWT/).count(), 0, 'an OAuth app has no JWT');
  await assertAccessible(page, 'the "API Token created" dialog of an OAuth app');
  await dialog.getByRole('button', { name: 'Copy secret' }).click();
  await dialog.getByRole('status').getByText('Secret copied to the clipboard.').waitFor();
  const clientSecret = await readClipboard(page);
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });

  const row = rowOf(page, 'Reading list');
  assert.match(await row.innerText(), /OAuth/);
  assert.match(await row.innerText(), /app\.example\.com\s+\*\.reading\.test/);
  assert.equal((await listed(clientId)).host, 'app.example.com,*.reading.test');

  // The key and secret are the app's client credentials: the token endpoints accept them, and only them.
  const introspect = (secret: string) =>
    call(h.server.url, '/@app/auth/1/token/introspect.json', {
      method: 'POST',
      headers: { Authorization: basic(clientId, secret), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'token=gth_at_0000000000000000000000000000000000000000000000000000000000000000',
      json: false,
    });
  const ok = await introspect(clientSecret);
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.json, { active: false });
  // A random wrong secret: the log scan records every password a test sends, and 64 zeros also appear in other tests' URLs.
  assert.equal((await introspect(randomBytes(32).toString('hex'))).status, 401);

  // An app without redirect hosts (device flow only) is listed as such.
  await form.getByRole('radio', { name: 'OAuth' }).check();
  await form.getByLabel('Name', { exact: true }).fill('TV app');
  await form.getByRole('button', { name: 'Generate API token' }).click();
  await dialog.getByRole('button', { name: 'Copy secret' }).click();
  await dialog.getByRole('status').getByText('Secret copied to the clipboard.').waitFor();
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await rowOf(page, 'TV app').getByText('No redirect hosts (device flow only)').waitFor();

  // The apps this admin authorized are one link away.
  await page.getByRole('banner').getByRole('link', { name: 'Your authorized apps' }).click();
  await page.waitForURL('**/@app/oauth/authorized-apps');
  await page.getByRole('heading', { level: 1, name: 'Authorized apps' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('an OAuth app with exact redirect URIs: checked in the page, listed, and the only ones the server accepts', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const form = page.getByRole('region', { name: 'Add an API token' });
  await form.getByRole('radio', { name: 'OAuth' }).check();
  await form.getByLabel('Name', { exact: true }).fill('Exact app');
  const redirects = form.getByLabel('Redirect URIs');
  assert.match(await form.locator('#token-redirects-hint').innerText(), /the exact URLs authorization codes may be sent to, one a line/);
  await redirects.fill('https://app.example.com/callback#done');
  await form.getByRole('button', { name: 'Generate API token' }).click();
  await form.getByText('“https://app.example.com/callback#done” is not a redirect URI Gatehouse accepts.', { exact: false }).waitFor();
  assert.equal(await redirects.getAttribute('aria-invalid'), 'true');
  await form.locator('#token-redirects:focus').waitFor();
  await redirects.fill('https://app.example.com/callback\nhttp://127.0.0.1/native');
  await form.getByRole('button', { name: 'Generate API token' }).click();

  const dialog = page.getByRole('dialog', { name: 'API Token created' });
  await dialog.getByText('OAuth token “Exact app”').waitFor();
  const clientId = await dialog.getByLabel('Key (identifier)').inputValue();
  await dialog.getByRole('button', { name: 'Copy secret' }).click();
  await dialog.getByRole('status').getByText('Secret copied to the clipboard.').waitFor();
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });

  const uris = rowOf(page, 'Exact app').getByRole('list', { name: 'Redirect URIs, matched exactly' });
  assert.deepEqual(await uris.getByRole('listitem').allInnerTexts(), ['https://app.example.com/callback', 'http://127.0.0.1/native']);
  assert.equal((await listed(clientId))['redirect-uris'], 'https://app.example.com/callback http://127.0.0.1/native');
  await assertAccessible(page, 'the token list with an app with redirect URIs');
  const refused = await fetch(
    `${h.server.url}/@app/auth/1/token/authorize?client_id=${clientId}&response_type=code&redirect_uri=${encodeURIComponent('https://app.example.com/other')}`,
    { redirect: 'manual' },
  );
  assert.equal(refused.status, 400);
  assert.deepEqual(problems, []);
  await context.close();
});

test('expiry: in 30 days or on a chosen day, refused in words when missing or past, listed with "Expires soon" when near', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const form = page.getByRole('region', { name: 'Add an API token' });
  const expires = form.getByRole('group', { name: 'Expires' });
  assert.ok(await expires.getByRole('radio', { name: 'Never' }).isChecked(), 'no expiry unless asked, as in Expert');
  await expires.getByText('The token works until it is deleted.').waitFor();

  // In 30 days: the exact moment is shown before anything is sent.
  await form.getByLabel('Name', { exact: true }).fill('Thirty-Day-Token');
  await expires.getByRole('radio', { name: 'In 30 days' }).check();
  await expires.getByText(/^Stops working on .+, your time\. Rotating it keeps this expiry\.$/).waitFor();
  const before = Date.now();
  await form.getByRole('button', { name: 'Generate API token' }).click();
  const dialog = page.getByRole('dialog', { name: 'API Token created' });
  await dialog.getByText(/Server token “Thirty-Day-Token”, expires /).waitFor();
  const key = await dialog.getByLabel('Key (identifier)').inputValue();
  const after = Date.now();
  await dialog.getByRole('button', { name: 'Copy secret' }).click();
  await dialog.getByRole('status').getByText('Secret copied to the clipboard.').waitFor();
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  const at = Date.parse((await listed(key))['date.expires'] as string);
  assert.ok(at >= before + 30 * DAY - 1_000 && at <= after + 30 * DAY + 1_000, 'the API got an expiry 30 days out');
  assert.match(await rowOf(page, 'Thirty-Day-Token').innerText(), /Expires in 30 days/);
  assert.ok(await expires.getByRole('radio', { name: 'Never' }).isChecked(), 'the form starts again from Never');

  // On a date: none chosen, then a past day, are refused next to the field, before any request.
  let creates = 0;
  page.on('request', (req) => {
    if (req.method() === 'POST' && req.url().includes('/site/developer-tokens')) creates++;
  });
  await form.getByLabel('Name', { exact: true }).fill('Dated-Token');
  await expires.getByRole('radio', { name: 'On a date' }).check();
  const date = expires.getByLabel('Expiry date');
  await form.getByRole('button', { name: 'Generate API token' }).click();
  await expires.getByText('Choose the day the token stops working, or choose Never.').waitFor();
  await form.locator('#token-expiry-day:focus').waitFor();
  assert.equal(await date.getAttribute('aria-invalid'), 'true');
  await date.fill('2020-01-31');
  await form.getByRole('button', { name: 'Generate API token' }).click();
  await expires.getByText('Choose a day after today: a token cannot expire in the past.').waitFor();
  assert.equal(creates, 0);
  await assertAccessible(page, 'the create form with an expiry error');

  // A day 60 days out: the token stops as that day begins, in the admin's time zone (UTC here).
  const day = new Date(Date.now() + 60 * DAY).toISOString().slice(0, 10);
  await date.fill(day);
  await expires.getByText(/^Stops working on .+, your time \(as that day begins\)\./).waitFor();
  await form.getByRole('button', { name: 'Generate API token' }).click();
  await dialog.waitFor();
  const datedKey = await dialog.getByLabel('Key (identifier)').inputValue();
  await dialog.getByRole('button', { name: 'Copy secret' }).click();
  await dialog.getByRole('status').getByText('Secret copied to the clipboard.').waitFor();
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal((await listed(datedKey))['date.expires'], new Date(`${day}T00:00:00Z`).toUTCString());
  assert.match(await rowOf(page, 'Dated-Token').innerText(), /Expires in (59|60) days/);

  // The server's refusal lands by the same field, in words (as if the clock had moved on).
  await page.route('**/site/developer-tokens?*', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    const body = JSON.parse(route.request().postData() ?? '{}') as Record<string, unknown>;
    body.expires = '2020-01-31T00:00:00Z';
    return route.continue({ postData: JSON.stringify(body) });
  });
  await form.getByLabel('Name', { exact: true }).fill('Late-Token');
  await expires.getByRole('radio', { name: 'In 90 days' }).check();
  await form.getByRole('button', { name: 'Generate API token' }).click();
  await expires.getByText('Choose an expiry in the future, or choose Never.').waitFor();
  await page.unroute('**/site/developer-tokens?*');

  // Near the end: "Expires soon", in hours.
  const res = await call(h.server.url, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { ...bearer(admin), 'Content-Type': 'application/json' },
    body: JSON.stringify({ '@type': 'browser', name: 'Nearly-Gone', host: 'shop.example.com', expires: new Date(Date.now() + 2 * HOUR).toISOString() }),
  });
  assert.equal(res.status, 200, res.text);
  await page.getByRole('button', { name: 'Refresh the token list' }).click();
  const soon = rowOf(page, 'Nearly-Gone');
  await soon.getByText('Expires soon').waitFor();
  assert.match(await soon.innerText(), /Stops working in 2 hours/);
  // The state is a filter of its own, applied by the server: the other rows leave the page.
  await page.getByLabel('Show').selectOption({ label: 'Expires soon' });
  await rowOf(page, 'Dated-Token').waitFor({ state: 'detached' });
  assert.deepEqual(
    await page
      .getByRole('region', { name: /API tokens/ })
      .getByRole('rowheader')
      .allInnerTexts(),
    ['Nearly-Gone'],
  );
  await assertAccessible(page, 'the list with expiring tokens');
  assert.deepEqual(problems, []);
  await context.close();
});
