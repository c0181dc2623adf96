/**
 * The create form and the quality bar: a Browser token with host `*.example.com` is created from the
 * page and listed with its host; an invalid host pattern is refused in words before any request;
 * the list filters and sorts; everything works from the keyboard with a visible focus; the page is
 * usable at 390 px.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { bearer, call, createUser, signIn } from '../helpers/http.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { assertAccessible, harness, openTab, PHONE, screenshot, signInThroughPage } from './browser.js';

let admin: string;

const h = harness(async ({ server }) => {
  admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
});

/** Counts the page's create requests, to prove a refusal happened before any was sent. */
function countCreates(page: Page): { readonly count: number } {
  const seen = { count: 0 };
  page.on('request', (req) => {
    if (req.method() === 'POST' && req.url().includes('/site/developer-tokens')) seen.count++;
  });
  return seen;
}

async function rowNames(page: Page): Promise<string[]> {
  return page
    .getByRole('region', { name: /API tokens/ })
    .getByRole('rowheader')
    .allInnerTexts();
}

test('a Browser token: an invalid host pattern is refused before any request, then *.example.com is created and listed', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  const creates = countCreates(page);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const form = page.getByRole('region', { name: 'Add an API token' });

  // Server-only controls go away for a Browser token; Host appears.
  assert.equal(await form.getByLabel('Host').count(), 0);
  await form.getByRole('radio', { name: 'Browser' }).check();
  assert.equal(await form.getByRole('checkbox', { name: /Generate long-term JWT/ }).count(), 0);
  assert.equal(await form.getByRole('combobox', { name: 'Restricted to user' }).count(), 0);

  await form.getByLabel('Name', { exact: true }).fill('Help-Center-Widget');
  const host = form.getByLabel('Host');
  for (const bad of ['https://help.example.com/help', '*.com', 'help .example.com']) {
    await host.fill(`${bad}, crm.example.org`);
    await form.getByRole('button', { name: 'Generate API token' }).click();
    const error = form.getByText(`“${bad}” is not a valid host pattern.`);
    await error.waitFor();
    assert.match(await error.innerText(), /Use hostnames such as crm\.example\.com or \*\.example\.com/);
    assert.equal(await host.getAttribute('aria-invalid'), 'true');
    await form.locator('#token-host:focus').waitFor(); // focus moves to the field in error
    assert.match((await host.getAttribute('aria-describedby')) ?? '', /token-host-error/);
  }
  await host.fill('');
  await form.getByRole('button', { name: 'Generate API token' }).click();
  await form.getByText('A browser token needs at least one host').waitFor();
  assert.equal(creates.count, 0, 'no request left the page for an invalid host');

  await host.fill('*.example.com');
  await form.getByRole('button', { name: 'Generate API token' }).click();
  const dialog = page.getByRole('dialog', { name: 'API Token created' });
  await dialog.waitFor();
  assert.equal(creates.count, 1);
  assert.match(await dialog.getByLabel('Key (identifier)').inputValue(), /^[0-9a-f]{64}$/);
  assert.equal(await dialog.getByLabel('Secret').count(), 0, 'a browser token has no secret');
  // Nothing is lost by closing: no question.
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });

  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Help-Center-Widget' }) });
  await row.waitFor();
  const cells = await row.innerText();
  assert.match(cells, /Browser/);
  assert.match(cells, /\*\.example\.com/);
  const listed = await call(h.server.url, '/@api/deki/site/developer-tokens', { headers: bearer(admin) });
  assert.match(listed.text, /"host":"\*\.example\.com"/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('server refusals appear next to the form in words, and a double click creates one token', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  const creates = countCreates(page);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const form = page.getByRole('region', { name: 'Add an API token' });
  await form.getByRole('button', { name: 'Generate API token' }).click();
  await form.getByText('Give the token a name of 1 to 255 characters.').waitFor();
  assert.equal(creates.count, 0);

  // A picked user who is then removed from the site's users: the server says no, in words, by the field.
  const ghost = await createUser(h.server.url, admin, { username: 'short-lived' });
  await form.getByLabel('Name', { exact: true }).fill('double-click');
  await form.getByRole('combobox', { name: 'Restricted to user' }).pressSequentially('short-l');
  await page.getByRole('option', { name: /short-lived/ }).click();
  await page.route('**/site/developer-tokens?*', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    const body = JSON.parse(route.request().postData() ?? '{}') as Record<string, unknown>;
    assert.equal(body['restricted-by-user-id'], String(ghost));
    // As if the user had been deleted between the pick and the click.
    body['restricted-by-user-id'] = '999999';
    return route.continue({ postData: JSON.stringify(body) });
  });
  await form.getByRole('button', { name: 'Generate API token' }).dblclick();
  await form.getByText('That user cannot be picked').waitFor();
  assert.equal(creates.count, 1, 'the second click of a double click sent nothing');
  assert.equal(await page.getByText('restricted-by-user-id must name').count(), 0, 'the raw API message is not what the admin reads');
  await page.unroute('**/site/developer-tokens?*');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the list filters by name, user and host, and sorts by name and by creation', async () => {
  const make = async (body: Record<string, string>) => {
    const res = await call(h.server.url, '/@api/deki/site/developer-tokens', {
      method: 'POST',
      headers: { ...bearer(admin), 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, res.text);
  };
  const bot = await createUser(h.server.url, admin, { username: 'sort-bot' });
  await make({ '@type': 'server', name: 'beta-sync' });
  await make({ '@type': 'server', name: 'Alpha-Export', 'restricted-by-user-id': String(bot) });
  await make({ '@type': 'browser', name: 'gamma-widget', host: 'docs.sorting.test' });

  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const list = page.getByRole('region', { name: /API tokens/ });
  await list.getByRole('rowheader', { name: 'gamma-widget' }).waitFor();
  const names = await rowNames(page);
  assert.deepEqual(names.slice(0, 3), ['gamma-widget', 'Alpha-Export', 'beta-sync'], 'newest first');

  // The server sorts and filters: each check waits for the caption or the count that says the new rows arrived.
  const sortedBy = (words: string) => list.locator('caption', { hasText: `API tokens, ${words}` }).waitFor({ state: 'attached' });
  const nameHeader = list.getByRole('columnheader', { name: /Name/ });
  await nameHeader.getByRole('button').click();
  await sortedBy('by name, ascending');
  assert.equal(await nameHeader.getAttribute('aria-sort'), 'ascending');
  const ascending = await rowNames(page);
  assert.deepEqual(
    ascending,
    [...ascending].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' })),
  );
  await nameHeader.getByRole('button').click();
  await sortedBy('by name, descending');
  assert.equal(await nameHeader.getAttribute('aria-sort'), 'descending');
  assert.deepEqual(await rowNames(page), [...ascending].reverse());
  const created = list.getByRole('columnheader', { name: /Created/ });
  await created.getByRole('button').click();
  await sortedBy('by creation date, descending');
  assert.equal(await created.getAttribute('aria-sort'), 'descending');
  assert.equal(await nameHeader.getAttribute('aria-sort'), null);
  await created.getByRole('button').click();
  await sortedBy('by creation date, ascending');
  assert.deepEqual((await rowNames(page)).slice(-3), ['beta-sync', 'Alpha-Export', 'gamma-widget'], 'oldest first');

  const filter = list.getByRole('searchbox', { name: 'Filter tokens' });
  const matched = (text: string) => list.getByRole('status').getByText(`1 token matches “${text}”. Showing 1–1.`).waitFor();
  await filter.fill('sort-bot');
  await matched('sort-bot');
  assert.deepEqual(await rowNames(page), ['Alpha-Export']);
  await filter.fill('sorting.test');
  await matched('sorting.test');
  assert.deepEqual(await rowNames(page), ['gamma-widget']);
  await filter.fill('BETA');
  await matched('BETA');
  assert.deepEqual(await rowNames(page), ['beta-sync']);
  await filter.fill('no such token');
  await list.getByText('No token matches “no such token”.').waitFor();
  await filter.fill('');
  await list
    .getByRole('status')
    .getByText(/^\d+ tokens\. Showing 1–\d+\.$/)
    .waitFor();

  // The key prefix opens to the full key on demand.
  const row = list.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'beta-sync' }) });
  const prefix = await row.locator('code').first().innerText();
  assert.match(prefix, /^[0-9a-f]{8}…$/);
  const more = row.getByRole('button', { name: 'Full key of beta-sync' });
  await more.click();
  assert.equal(await more.getAttribute('aria-expanded'), 'true');
  assert.match(await row.locator('code').first().innerText(), new RegExp(`^${prefix.slice(0, 8)}[0-9a-f]{56}$`));
  // Never used yet: the list says so in words.
  assert.match(await row.innerText(), /Never/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('keyboard only: create, copy and close the dialog, delete through the confirmation; focus is always visible', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);

  const outline = async (): Promise<string> =>
    page.evaluate(`(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth; })()`);
  const focusIsVisible = async (what: string) => assert.doesNotMatch(await outline(), /^none|0px$/, `${what} shows its focus`);

  // From the top of the page: the skip link comes first.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement.textContent'), 'Skip to main content');
  await focusIsVisible('the skip link');

  await page.getByRole('radio', { name: 'Server' }).focus();
  await focusIsVisible('the Server radio');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement.id'), 'token-name');
  await focusIsVisible('the Name field');
  await page.keyboard.type('keyboard-only');
  await page.keyboard.press('Tab');
  await focusIsVisible('the JWT checkbox');
  await page.keyboard.press('Space');
  assert.ok(await page.getByRole('checkbox', { name: /Generate long-term JWT/ }).isChecked());
  await page.keyboard.press('Tab');
  await page.keyboard.type('adm');
  // Only admin matches "adm": wait for that answer (a single suggestion), not an earlier one for "a".
  await page.locator('[role=option]:only-child', { hasText: 'admin' }).waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  assert.equal(await page.getByRole('combobox', { name: 'Restricted to user' }).inputValue(), 'admin');
  assert.equal(await page.getByRole('dialog').count(), 0, 'Enter in the picker picks, it does not submit');
  await page.keyboard.press('Tab'); // the picker's Clear button
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement.id'), 'token-expiry-never', 'Expires comes next, on its checked choice');
  await focusIsVisible('the Expires choice');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement.textContent'), 'Generate API token');
  await focusIsVisible('the Generate button');
  await page.keyboard.press('Enter');

  const dialog = page.getByRole('dialog', { name: 'API Token created' });
  await dialog.waitFor();
  // Focus starts on "Copy secret"; Enter copies; Tab reaches the JWT's buttons.
  assert.equal(await page.evaluate('document.activeElement.textContent'), 'Copy secret');
  await focusIsVisible('the Copy secret button');
  await page.keyboard.press('Enter');
  await dialog.getByText('Secret copied to the clipboard.').waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement.textContent'), 'Copy JWT');
  await page.keyboard.press('Space');
  await dialog.getByText('JWT copied to the clipboard.').waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.locator('#token-list-title:focus').waitFor(); // focus lands on the list

  const del = page.getByRole('button', { name: 'Delete token keyboard-only' });
  await del.focus();
  await focusIsVisible('the Delete button');
  await page.keyboard.press('Enter');
  const confirm = page.getByRole('alertdialog', { name: 'Delete “keyboard-only”?' });
  await confirm.waitFor();
  assert.equal(await page.evaluate('document.activeElement.textContent'), 'Cancel', 'the safe answer has the focus');
  await page.keyboard.press('Escape');
  await confirm.waitFor({ state: 'detached' });
  await del.press('Enter');
  await confirm.waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await confirm.waitFor({ state: 'detached' });
  await page.getByText('Token “keyboard-only” deleted.').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('at 390 px wide: nothing scrolls sideways, the dialog fits, every row can be deleted', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url, PHONE);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const fitsWidth = async (where: string) =>
    assert.ok(((await page.evaluate('document.documentElement.scrollWidth')) as number) <= PHONE.width, `${where}: no sideways scrolling`);
  await fitsWidth('the token page');

  await page.getByLabel('Name', { exact: true }).fill('phone-made');
  await page.getByRole('checkbox', { name: /Generate long-term JWT/ }).check();
  await page.getByRole('button', { name: 'Generate API token' }).click();
  const dialog = page.getByRole('dialog', { name: 'API Token created' });
  await dialog.waitFor();
  const box = (await dialog.boundingBox())!;
  assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, 'the dialog fits the screen');
  for (const name of ['Copy key', 'Show secret', 'Copy secret', 'Show JWT', 'Copy JWT', 'Close']) {
    const b = (await dialog.getByRole('button', { name, exact: true }).boundingBox())!;
    assert.ok(b.x >= 0 && b.x + b.width <= PHONE.width && b.height >= 24 && b.width >= 24, `${name} is on screen and big enough to tap`);
  }
  await assertAccessible(page, 'the dialog at 390 px');
  await dialog.getByRole('button', { name: 'Copy secret' }).click();
  await dialog.getByRole('button', { name: 'Copy JWT' }).click();
  await dialog.getByText('JWT copied to the clipboard.').waitFor();
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });

  await fitsWidth('the token list');
  const del = page.getByRole('button', { name: 'Delete token phone-made' });
  await del.scrollIntoViewIfNeeded();
  const d = (await del.boundingBox())!;
  assert.ok(d.x >= 0 && d.x + d.width <= PHONE.width);
  await assertAccessible(page, 'the token list at 390 px');
  await screenshot(page, 'api-token-list-phone', true);
  await del.click();
  await page.getByRole('alertdialog', { name: 'Delete “phone-made”?' }).getByRole('button', { name: 'Delete token' }).click();
  await page.getByText('Token “phone-made” deleted.').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});
