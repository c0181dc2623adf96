/**
 * The audit log in the dashboard: the admin's own actions in the page (sign-in, create,
 * rotate, delete) appear in the "Audit log" view in words, with who, how and from where; the
 * action and actor filters and the page number live in the address; entries about one token are a
 * click away; paging works; a non-admin and a signed-out visitor get no audit data; axe finds
 * nothing at 1280 or 390 px.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { basic, call, createUser, signIn } from '../helpers/http.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { assertAccessible, harness, openTab, PHONE, screenshot, signInThroughPage } from './browser.js';

const AUDIT = '/dashboard/integrations/api-tokens/audit';
const NAME = 'Audit-Trail';
const VIEWER_PASSWORD = 'viewer password 2';

const h = harness(async ({ server }) => {
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  await createUser(server.url, admin, { username: 'vic', role: 'Viewer', password: VIEWER_PASSWORD });
});

/** The audit rows, each as "Action | Who | About" in words. */
async function rows(page: Page): Promise<string[]> {
  const table = page.getByRole('region', { name: /Audit log/ }).getByRole('table');
  await table.waitFor();
  return table
    .locator('tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [1, 2, 3].map((i) => (tr.children[i] as unknown as { innerText: string }).innerText.replace(/\s+/g, ' ').trim()).join(' | ')),
    );
}

async function createFromPage(page: Page, name: string): Promise<string> {
  const form = page.getByRole('region', { name: 'Add an API token' });
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByRole('button', { name: 'Generate API token' }).click();
  return closeCreated(page);
}

/** Copies the secret (so the guard lets go), closes the "API Token created" dialog, returns the key. */
async function closeCreated(page: Page): Promise<string> {
  const dialog = page.getByRole('dialog', { name: 'API Token created' });
  const key = await dialog.getByLabel('Key (identifier)').inputValue();
  await dialog.getByRole('button', { name: 'Copy secret' }).click();
  await dialog.getByRole('status').getByText('Secret copied to the clipboard.').waitFor();
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  return key;
}

test("the audit log lists the admin's own actions in words, filters by action, actor and token, and pages", async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const key = await createFromPage(page, NAME);
  const list = page.getByRole('region', { name: /API tokens/ });
  await list.getByRole('button', { name: `Rotate token ${NAME}` }).click();
  await page
    .getByRole('alertdialog', { name: `Rotate “${NAME}”?` })
    .getByRole('button', { name: 'Rotate token' })
    .click();
  const newKey = await closeCreated(page);
  // A token's own history is a link away from its row.
  await list.getByRole('link', { name: `History of token ${NAME} (key ${key.slice(0, 8)}…)` }).click();
  await page.waitForURL(`**${AUDIT}?target.type=token&target.id=*`);
  const history = page.getByRole('region', { name: /Audit log/ });
  await history.getByText(`Only entries about token “${NAME}”`).waitFor();
  await history.getByRole('status').getByText('Entries 1–2 of 2, newest first.').waitFor();
  assert.deepEqual(
    (await rows(page)).map((r) => r.split(' | ')[0]),
    ['Token rotated', 'Token created'],
  );
  await page.getByRole('navigation', { name: 'API Token Management' }).getByRole('link', { name: 'API tokens' }).click();
  await list.getByRole('button', { name: `Delete token ${NAME} (key ${key.slice(0, 8)}…)` }).click();
  await page
    .getByRole('alertdialog', { name: `Delete “${NAME}”?` })
    .getByRole('button', { name: 'Delete token' })
    .click();
  await page.getByRole('status').getByText(`Token “${NAME}” deleted.`).waitFor();

  // The second view: its own address, the breadcrumb below API Token Management, focus on the link.
  const auditLink = page.getByRole('navigation', { name: 'API Token Management' }).getByRole('link', { name: 'Audit log' });
  await auditLink.click();
  await page.waitForURL(`**${AUDIT}`);
  assert.equal(await auditLink.getAttribute('aria-current'), 'page');
  assert.equal(await page.evaluate('document.activeElement.textContent'), 'Audit log', 'focus stays on the link just followed');
  assert.equal(
    (await page.getByRole('navigation', { name: 'Breadcrumb' }).innerText()).replace(/\s+/g, ' ').trim(),
    'Site tools › Dashboard › Integrations › API Token Management › Audit log',
  );
  assert.equal(await page.title(), 'Audit log · API Token Management · Gatehouse');

  const newest = (await rows(page)).slice(0, 5);
  const id = /#(\d+)/.exec(newest[0]!)![1]!;
  const newId = /#(\d+)/.exec(newest[1]!)![1]!;
  assert.deepEqual(newest, [
    `Token deleted | admin with a signed-in browser session, from 127.0.0.1 | Token “${NAME}” (#${id})`,
    // A roll writes two entries: the new token is created, the old one rotated.
    `Token created | admin with a signed-in browser session, from 127.0.0.1 | Token “${NAME}” (#${newId})`,
    `Token rotated | admin with a signed-in browser session, from 127.0.0.1 | Token “${NAME}” (#${id})`,
    `Token created | admin with a signed-in browser session, from 127.0.0.1 | Token “${NAME}” (#${id})`,
    'Signed in | admin with a username and password, from 127.0.0.1 | User admin (#1)',
  ]);
  const region = page.getByRole('region', { name: /Audit log/ });
  const rolled = region.locator('tbody tr').nth(2);
  assert.match((await rolled.innerText()).replace(/\s+/g, ' '), new RegExp(`New token token “${NAME}” \\(#\\d+\\) Old credentials stop .+ Overlap 24 hours`));
  assert.match((await region.locator('tbody tr').nth(1).innerText()).replace(/\s+/g, ' '), new RegExp(`Replaces token token “${NAME}” \\(#${id}\\)`));
  assert.match((await region.locator('tbody tr').nth(3).innerText()).replace(/\s+/g, ' '), new RegExp(`Name ${NAME} Restricted to any user Type Server`));
  await assertAccessible(page, 'the audit log');
  await screenshot(page, 'audit-log', true);

  // Filter by action: the address holds it, and a reload keeps it.
  await region.getByLabel('Action').selectOption({ label: 'Token rotated' });
  await region.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(`**${AUDIT}?action=token.roll`);
  await region.getByRole('status').getByText('Entries 1–1 of 1, newest first.').waitFor();
  await page.reload();
  await region.getByRole('status').getByText('Entries 1–1 of 1, newest first.').waitFor();
  assert.equal(await region.getByLabel('Action').inputValue(), 'token.roll');
  assert.match((await rows(page))[0]!, /^Token rotated \| admin/);

  // One token's entries, from its link.
  await region.getByRole('button', { name: 'Clear filters' }).click();
  await region
    .getByRole('status')
    .getByText(/Entries 1–\d+ of \d+/)
    .waitFor();
  await region
    .getByRole('link', { name: `Show only entries about token “${NAME}” (#${id})` })
    .first()
    .click();
  await region.getByText(`Only entries about token “${NAME}” (#${id}).`).waitFor();
  await region.getByRole('status').getByText('Entries 1–3 of 3, newest first.').waitFor();
  assert.deepEqual(
    (await rows(page)).map((r) => r.split(' | ')[0]),
    ['Token deleted', 'Token rotated', 'Token created'],
  );
  await region.getByRole('link', { name: 'Show entries about everything' }).click();
  await page.waitForURL(`**${AUDIT}`);

  // Enough sign-in failures for a second page; the actor filter names who tried.
  for (let i = 0; i < 22; i++) {
    const res = await call(h.server.url, '/@api/deki/users/authenticate', { headers: { Authorization: basic('vic', `wrong password ${i}`) }, json: false });
    assert.equal(res.status, 401);
  }
  await region.getByLabel('Actor').fill('vic');
  await region.getByRole('button', { name: 'Apply filters' }).click();
  await region.getByRole('status').getByText('Entries 1–20 of 22, newest first.').waitFor();
  const failures = await rows(page);
  assert.equal(failures.length, 20);
  assert.ok(
    failures.every((r) => r.startsWith('Sign-in failed | vic with a username and password')),
    failures[0],
  );
  const pager = region.getByRole('navigation', { name: 'Audit log pages' });
  assert.equal(await pager.getByRole('button', { name: 'Previous page' }).getAttribute('aria-disabled'), 'true');
  await pager.getByText('Page 1 of 2').waitFor();
  await pager.getByRole('button', { name: 'Next page' }).click();
  await page.waitForURL(`**${AUDIT}?actor=vic&page=2`);
  await region.getByRole('status').getByText('Entries 21–22 of 22, newest first.').waitFor();
  assert.equal(await pager.getByRole('button', { name: 'Next page' }).getAttribute('aria-disabled'), 'true');
  assert.equal(await page.evaluate('document.activeElement.textContent'), 'Next page', 'focus stays on the pager at the last page');

  // Back to the tokens, by the breadcrumb.
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'API Token Management' }).click();
  await page.waitForURL('**/dashboard/integrations/api-tokens');
  await page.getByRole('region', { name: 'Add an API token' }).waitFor();

  // The new token's history holds its creation, and points to the old one, which holds the rotation.
  await list.getByRole('link', { name: `History of token ${NAME}` }).click();
  await region.getByText(`It was made by rotating token #${id}, whose entries hold the rotation:`).waitFor();
  await region.getByRole('status').getByText('Entries 1–1 of 1, newest first.').waitFor(); // its own creation, from the roll
  assert.match((await rows(page))[0]!, /^Token created \| admin/);
  await region.getByRole('link', { name: `show entries about token #${id}` }).click();
  await page.waitForURL(`**${AUDIT}?target.type=token&target.id=${id}`);
  await region.getByRole('status').getByText('Entries 1–3 of 3, newest first.').waitFor();
  assert.ok(newKey);
  assert.deepEqual(problems, []);
  await context.close();
});

test('at 390 px the audit log fits and passes axe', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url, PHONE);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  await page.goto(AUDIT);
  await rows(page);
  assert.ok(((await page.evaluate('document.documentElement.scrollWidth')) as number) <= PHONE.width, 'no sideways scrolling');
  await assertAccessible(page, 'the audit log at 390 px');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a signed-out visitor is sent to sign in and back; a non-admin gets no audit data', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  const auditCalls: string[] = [];
  page.on('request', (req) => {
    if (req.url().includes('/site/audit')) auditCalls.push(req.url());
  });
  await page.goto(`${AUDIT}?action=token.`);
  await page.waitForURL('**/dashboard/sign-in?return=*');
  assert.deepEqual(auditCalls, []);
  await page.getByLabel('Username').fill('vic');
  await page.getByLabel('Password').fill(VIEWER_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`**${AUDIT}?action=token.`);
  await page.getByRole('heading', { name: 'This page needs the Admin role' }).waitFor();
  assert.deepEqual(auditCalls, [], 'the page never asks for the audit log without the Admin role');
  assert.equal(await page.getByRole('table').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});
