/**
 * The seed's troubleshooting done in the browser: a JWT refused with 403 `invalid user requesting`
 * because its user was deactivated (or lost the licence seat) is traced from the token list to the
 * user and fixed from the Users page alone; the last admin's demoting controls say why they are
 * refused; the Users page searches the server a page at a time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { bearer, call, createUser, setUser, signIn } from '../helpers/http.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { assertAccessible, harness, openTab, PHONE, readClipboard, screenshot, signInThroughPage } from './browser.js';

const NAME = 'Helpdesk-Sync';
const BOT = 'helpdesk-bot';
let botId: number;

const h = harness(async ({ server }) => {
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  botId = await createUser(server.url, admin, { username: BOT, seat: true, role: 'Author', password: 'helpdesk password 1' });
  // Enough users for several pages, and a second one whose name also matches the search.
  for (let i = 0; i < 30; i++) await createUser(server.url, admin, { username: `agent-${String(i).padStart(2, '0')}`, seat: i % 2 === 0 });
  await createUser(server.url, admin, { username: 'helpdesk-lead', seat: true });
  await signIn(server.url, BOT, 'helpdesk password 1'); // an open session, which deactivation ends
});

async function createRestrictedToken(page: Page): Promise<string> {
  const form = page.getByRole('region', { name: 'Add an API token' });
  await form.getByLabel('Name', { exact: true }).fill(NAME);
  const picker = form.getByRole('combobox', { name: 'Restricted to user' });
  await picker.pressSequentially('helpdesk-b', { delay: 20 });
  await page.getByRole('option', { name: new RegExp(BOT) }).click();
  await form.getByRole('button', { name: 'Generate API token' }).click();
  const dialog = page.getByRole('dialog', { name: 'API Token created' });
  await dialog.getByRole('button', { name: 'Copy secret' }).click();
  await dialog.getByRole('button', { name: 'Copy JWT' }).click();
  await dialog.getByRole('status').getByText('JWT copied to the clipboard.').waitFor();
  const jwt = await readClipboard(page);
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  return jwt;
}

const asJwt = (jwt: string) => call(h.server.url, '/@api/deki/users/current', { headers: bearer(jwt) });

async function assertRefused(jwt: string): Promise<void> {
  const res = await asJwt(jwt);
  assert.equal(res.status, 403, res.text);
  assert.equal(res.json.message, 'invalid user requesting');
}

/** On the user's page: press the control, read the confirmation, confirm; wait for the change to show. */
async function changeThroughPage(page: Page, control: string, confirm: string, says: RegExp, after: string): Promise<void> {
  await page.getByRole('button', { name: control, exact: true }).click();
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  assert.match(await dialog.innerText(), says);
  await dialog.getByRole('button', { name: confirm, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('status').getByText(after).waitFor();
}

test('a JWT refused for its deactivated, then unseated, user is fixed from the Users page', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const jwt = await createRestrictedToken(page);
  assert.equal((await asJwt(jwt)).status, 200);

  // Users page: find the user on the server, open them.
  await page.getByRole('navigation', { name: 'API Token Management' }).getByRole('link', { name: 'Users' }).click();
  await page.getByRole('searchbox', { name: 'Username or full name' }).fill('helpdesk');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('status').getByText('Users 1–2 of 2, by username, matching “helpdesk”.').waitFor();
  const userRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: BOT }) });
  assert.match(await userRow.innerText(), /Active\s+Seated/);
  assert.match(await userRow.innerText(), new RegExp(`Author\\s+${NAME}\\s+1 open session`));
  await userRow.getByRole('link', { name: BOT }).click();
  await page.getByRole('heading', { name: `User ${BOT} (#${botId})` }).waitFor();
  assert.equal(page.url(), `${h.server.url}/dashboard/integrations/api-tokens/users/${botId}`);

  // Deactivate, confirming: the dialog says what happens to the session and the token.
  await changeThroughPage(
    page,
    `Deactivate ${BOT}`,
    `Deactivate ${BOT}`,
    new RegExp(`their open session ends now[\\s\\S]*403 “invalid user requesting” until they are reactivated: token “${NAME}”`),
    `${BOT} is now inactive`,
  );
  await assertRefused(jwt);
  // The facts are read again after the change: wait for the new ones rather than read the old.
  await page
    .locator('dl.facts')
    .filter({ hasText: /Inactive[\s\S]*0 open sessions/ })
    .waitFor();

  // The token's row says why and links to the user.
  await page.getByRole('link', { name: 'API tokens', exact: true }).click();
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: NAME }) });
  await row.getByText('Refused: restricted user is inactive').waitFor();
  assert.match(await row.innerText(), /Its signatures and JWT get 403 “invalid user requesting”/);
  await row.scrollIntoViewIfNeeded();
  await screenshot(page, 'token-refused-user-inactive');
  await assertAccessible(page, 'the token list with a refused token');
  await row.getByRole('link', { name: `Reactivate ${BOT}` }).click();
  await page.getByRole('heading', { name: `User ${BOT} (#${botId})` }).waitFor();
  await changeThroughPage(page, `Reactivate ${BOT}`, `Reactivate ${BOT}`, /can sign in again/, `${BOT} is now active`);
  assert.equal((await asJwt(jwt)).status, 200, 'the same JWT works again');

  // The same for the seat.
  await changeThroughPage(
    page,
    'Remove licence seat',
    'Remove the seat',
    new RegExp(`The JWTs of “${NAME}” get 403 “invalid user requesting”`),
    'without a seat',
  );
  await assertRefused(jwt);
  await page.getByRole('link', { name: 'API tokens', exact: true }).click();
  await row.getByText('Refused: restricted user has no licence seat').waitFor();
  await row.getByRole('link', { name: `Assign ${BOT} a licence seat` }).click();
  await changeThroughPage(page, 'Assign licence seat', 'Assign a seat', /work again/, `${BOT} is now active, seated`);
  assert.equal((await asJwt(jwt)).status, 200, 'the same JWT works again');
  await page.getByRole('link', { name: 'API tokens', exact: true }).click();
  await row.waitFor();
  assert.doesNotMatch(await row.innerText(), /Refused/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the last admin cannot be demoted, in words beside the controls; the API refuses it too', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  await page.goto('/dashboard/integrations/api-tokens/users/1');
  const note = page.getByText('admin is the last active seated admin.');
  await note.waitFor();
  const deactivate = page.getByRole('button', { name: 'Deactivate admin' });
  assert.equal(await deactivate.getAttribute('aria-disabled'), 'true');
  assert.match((await deactivate.getAttribute('aria-describedby')) ?? '', /last-admin-note/);
  await deactivate.click({ force: true });
  assert.equal(await page.getByRole('alertdialog').count(), 0, 'no confirmation for a refused change');
  assert.equal(await page.getByRole('button', { name: 'Remove licence seat' }).getAttribute('aria-disabled'), 'true');
  assert.equal(await page.getByRole('button', { name: 'Change role' }).getAttribute('aria-disabled'), 'true');
  const admin = await signIn(h.server.url, 'admin', ADMIN_PASSWORD);
  const refused = await setUser(h.server.url, admin, 1, { status: 'inactive' });
  assert.equal(refused.status, 400);
  assert.equal(refused.json.message, 'the last active seated admin cannot lose the Admin role, the seat or the active status');
  await screenshot(page, 'user-last-admin');
  await assertAccessible(page, 'the last admin’s page');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the Users page pages through the server’s users, and passes axe at 1280 and 390 px', async () => {
  for (const viewport of [undefined, PHONE]) {
    const { page, problems, context } = await openTab(h.browser, h.server.url, viewport);
    await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
    await page.goto('/dashboard/integrations/api-tokens/users');
    await page.getByRole('status').getByText('Users 1–25 of 33, by username.').waitFor();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByRole('status').getByText('Users 26–33 of 33, by username.').waitFor();
    assert.match(page.url(), /\/users\?page=2$/);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByRole('status').getByText('Users 1–25 of 33, by username.').waitFor();
    if (!viewport) await screenshot(page, 'users-page');
    else assert.ok(((await page.evaluate('document.documentElement.scrollWidth')) as number) <= PHONE.width, 'no sideways scrolling');
    await assertAccessible(page, `the Users page${viewport ? ' at 390 px' : ''}`);
    await page.goto(`/dashboard/integrations/api-tokens/users/${botId}`);
    await page.getByRole('heading', { name: `User ${BOT} (#${botId})` }).waitFor();
    await assertAccessible(page, `a user's page${viewport ? ' at 390 px' : ''}`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});
