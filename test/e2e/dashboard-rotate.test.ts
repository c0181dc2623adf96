/**
 * Rolling a token in the dashboard: "Rotate" asks how long the old credentials keep working (none,
 * 1 h, 24 h, 7 days) and says until when; the new key, secret and JWT then appear once in the
 * "API Token created" dialog with its usual guard; during the overlap the old and the new JWT both
 * work; the list keeps the old token with the moment it stops. With no overlap the old credentials
 * die at once and the old row says "Expired".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { bearer, call, createUser, signIn } from '../helpers/http.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { assertAccessible, everythingInPage, harness, openTab, PHONE, readClipboard, screenshot, signInThroughPage } from './browser.js';

const HOUR = 3_600_000;

let admin: string;

const h = harness(async ({ server }) => {
  admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  await createUser(server.url, admin, { username: 'billing-bot' });
});

interface Made {
  id: string;
  key: string;
  jwt: string;
}

/** A server token with a JWT, made through the API (the create form has tests of its own). */
async function makeToken(name: string, restrictTo?: number): Promise<Made> {
  const body: Record<string, string> = { '@type': 'server', name, 'generate-jwt': 'true' };
  if (restrictTo !== undefined) body['restricted-by-user-id'] = String(restrictTo);
  const res = await call(h.server.url, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { ...bearer(admin), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, res.text);
  return { id: res.json['@id'] as string, key: res.json.key as string, jwt: (res.json.authorization as string).slice('Bearer '.length) };
}

async function userId(name: string): Promise<number> {
  const res = await call(h.server.url, `/@api/deki/users/=${name}`, { headers: bearer(admin) });
  return Number(res.json['@id']);
}

function rowOf(page: Page, key: string): Locator {
  return page
    .getByRole('region', { name: /API tokens/ })
    .getByRole('row')
    .filter({ has: page.locator('code', { hasText: key.slice(0, 8) }) });
}

const currentUser = (jwt: string) => call(h.server.url, '/@api/deki/users/current', { headers: bearer(jwt) });

test('rotate with a 1 hour overlap: new credentials once, old and new JWT both work, the old row shows when it stops', async () => {
  const bot = await userId('billing-bot');
  const old = await makeToken('Billing-Sync', bot);
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);

  await rowOf(page, old.key).getByRole('button', { name: 'Rotate token Billing-Sync' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Rotate “Billing-Sync”?' });
  await confirm.waitFor();
  await confirm.locator('button:focus', { hasText: 'Cancel' }).waitFor(); // the safe answer has the focus
  const words = await confirm.innerText();
  assert.match(words, new RegExp(`${old.key.slice(0, 8)}…`));
  assert.match(words, /a new key, a new secret and a new JWT acting as billing-bot, with the same name, type and restriction/);
  assert.ok(await confirm.getByRole('radio', { name: '24 hours (recommended)' }).isChecked(), '24 h is the default');
  await confirm.getByRole('radio', { name: '1 hour', exact: true }).check();
  await confirm.getByText(/the old and the new credentials both work\. Then the old key’s signatures and the old JWT stop working\./).waitFor();
  assert.match(await confirm.innerText(), /\((in 59 minutes|in 1 hour)\)/);
  await assertAccessible(page, 'the rotate dialog');
  await screenshot(page, 'api-token-rotate');

  const before = Date.now();
  await confirm.getByRole('button', { name: 'Rotate token' }).click();
  const dialog = page.getByRole('dialog', { name: 'API Token created' });
  await dialog.waitFor();
  const after = Date.now();
  await confirm.waitFor({ state: 'detached' });
  assert.match(
    await dialog.innerText(),
    new RegExp(`Replaces key ${old.key.slice(0, 8)}…\\. The old credentials keep working until .+ \\((in 59 minutes|in 1 hour)\\)`),
  );
  const key = await dialog.getByLabel('Key (identifier)').inputValue();
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.notEqual(key, old.key);

  // The same guard as after a create: nothing copied yet, so closing asks.
  await page.keyboard.press('Escape');
  const guard = page.getByRole('alertdialog', { name: 'Close without copying the secret and the JWT?' });
  await guard.getByRole('button', { name: 'Go back' }).click();
  await guard.waitFor({ state: 'detached' });
  await dialog.getByRole('button', { name: 'Copy secret' }).click();
  await dialog.getByRole('status').getByText('Secret copied to the clipboard.').waitFor();
  const secret = await readClipboard(page);
  await dialog.getByRole('button', { name: 'Copy JWT' }).click();
  await dialog.getByRole('status').getByText('JWT copied to the clipboard.').waitFor();
  const jwt = await readClipboard(page);
  assert.notEqual(jwt, old.jwt);

  // During the overlap both JWTs work, as the same user.
  for (const [which, token] of [
    ['old', old.jwt],
    ['new', jwt],
  ] as const) {
    const me = await currentUser(token);
    assert.equal(me.status, 200, `${which} JWT: ${me.text}`);
    assert.equal(me.json.username, 'billing-bot');
  }

  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  await page
    .getByRole('status')
    .getByText(/^Token “Billing-Sync” rotated\. The old key works until .+; the new one is listed below\./)
    .waitFor();
  const dom = await everythingInPage(page);
  assert.ok(!dom.includes(secret) && !dom.includes(jwt), 'neither the new secret nor the new JWT remains in the page');

  // Two rows of that name now: the old one says when it stops, the new one what it replaces.
  const oldRow = rowOf(page, old.key);
  const newRow = rowOf(page, key);
  await oldRow.getByText('Replaced', { exact: true }).waitFor();
  assert.match(await oldRow.innerText(), /Stops working (in 59 minutes|in 1 hour)/);
  assert.match(await oldRow.innerText(), new RegExp(`Replaced by key ${key.slice(0, 8)}… \\(rolled\\)`));
  assert.match(await newRow.innerText(), new RegExp(`Replaces key ${old.key.slice(0, 8)}…`));
  assert.match(await newRow.innerText(), /No expiry/);
  // Button names tell the two apart.
  await oldRow.getByRole('button', { name: `Delete token Billing-Sync (key ${old.key.slice(0, 8)}…)` }).waitFor();
  await newRow.getByRole('button', { name: `Rotate token Billing-Sync (key ${key.slice(0, 8)}…)` }).waitFor();

  // The server's own expiry for the old token: an hour after the rotation.
  const doc = await call(h.server.url, `/@api/deki/site/developer-tokens/${old.id}`, { headers: bearer(admin) });
  const expires = Date.parse(doc.json['date.expires'] as string);
  assert.ok(expires >= before + HOUR - 1_000 && expires <= after + HOUR + 1_000, `old token expires an hour after the rotation: ${doc.json['date.expires']}`);
  const newer = (await call(h.server.url, '/@api/deki/site/developer-tokens', { headers: bearer(admin) })).json['developer-token'] as Record<string, unknown>[];
  assert.equal(newer.find((t) => t.key === key)?.['rolled-from'], old.id);

  await assertAccessible(page, 'the token list during a rotation');
  assert.deepEqual(problems, []);
  await context.close();
});

test('at 390 px, rotate with no overlap: the old credentials stop at once and the old row says Expired', async () => {
  const old = await makeToken('Revoke-Now');
  const { page, problems, context } = await openTab(h.browser, h.server.url, PHONE);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  assert.equal((await currentUser(old.jwt)).status, 200);

  const rotate = rowOf(page, old.key).getByRole('button', { name: 'Rotate token Revoke-Now' });
  await rotate.scrollIntoViewIfNeeded();
  await rotate.click();
  const confirm = page.getByRole('alertdialog', { name: 'Rotate “Revoke-Now”?' });
  await confirm.getByRole('radio', { name: 'None: revoke old immediately' }).check();
  await confirm.getByText('The old key’s signatures and the old JWT stop working as soon as you rotate.').waitFor();
  const box = (await confirm.boundingBox())!;
  assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, 'the dialog fits the screen');
  await assertAccessible(page, 'the rotate dialog at 390 px');
  await confirm.getByRole('button', { name: 'Rotate token' }).click();

  const dialog = page.getByRole('dialog', { name: 'API Token created' });
  await dialog.getByText('The old key no longer works.').waitFor();
  const refused = await currentUser(old.jwt);
  assert.equal(refused.status, 403);
  assert.equal(refused.json.message, 'developer token has expired');
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await page
    .getByRole('alertdialog', { name: /Close without copying/ })
    .getByRole('button', { name: 'Close without copying' })
    .click();
  await dialog.waitFor({ state: 'detached' });

  const oldRow = rowOf(page, old.key);
  await oldRow.getByText('Expired').waitFor();
  assert.match(await oldRow.innerText(), /Stopped working/);
  // An expired token cannot be rolled: no Rotate button, only Delete.
  assert.equal(await oldRow.getByRole('button', { name: /^Rotate/ }).count(), 0);
  await oldRow.getByRole('button', { name: /^Delete token Revoke-Now/ }).waitFor();
  assert.ok(((await page.evaluate('document.documentElement.scrollWidth')) as number) <= PHONE.width, 'no sideways scrolling');
  assert.deepEqual(problems, []);
  await context.close();
});
