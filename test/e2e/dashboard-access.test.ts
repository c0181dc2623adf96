/**
 * Who may see the dashboard: a signed-out visitor is sent to sign in (and `/` leads
 * there too); a signed-in non-admin sees that the page needs the Admin role and no token data; when
 * token management is off the page says so; the sign-in page passes axe and is photographed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { bearer, call, createUser, signIn } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer } from '../helpers/server.js';
import { assertAccessible, everythingInPage, harness, openTab, screenshot, signInThroughPage } from './browser.js';

const VIEWER_PASSWORD = 'viewer password 1';

let tokenKey: string;

const h = harness(async ({ server }) => {
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  await createUser(server.url, admin, { username: 'vera', role: 'Viewer', password: VIEWER_PASSWORD });
  const res = await call(server.url, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { ...bearer(admin), 'Content-Type': 'application/json' },
    body: JSON.stringify({ '@type': 'server', name: 'Secret-Integration-Name' }),
  });
  assert.equal(res.status, 200, res.text);
  tokenKey = res.json.key as string;
});

test('a signed-out visitor is sent to sign in, from the dashboard and from /; wrong passwords are refused in words', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  const tokenCalls: string[] = [];
  page.on('request', (req) => {
    if (req.url().includes('developer-tokens')) tokenCalls.push(req.url());
  });
  await page.goto('/');
  await page.waitForURL('**/dashboard/sign-in?return=%2Fdashboard%2Fintegrations%2Fapi-tokens');
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.goto('/dashboard/integrations/api-tokens');
  await page.waitForURL('**/dashboard/sign-in?return=*');
  const html = await everythingInPage(page);
  assert.ok(!html.includes('Secret-Integration-Name') && !html.includes(tokenKey.slice(0, 8)));
  assert.deepEqual(tokenCalls, [], 'no token request without a session');

  await assertAccessible(page, 'the sign-in page');
  await screenshot(page, 'sign-in');

  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('That username and password do not match. Check both and try again.').waitFor();
  assert.equal(await page.getByText('invalid username or password').count(), 0, 'the API message is put in words');
  await assertAccessible(page, 'the sign-in page with an error');

  // Signing in returns to where the visitor was going.
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/dashboard/integrations/api-tokens');
  await page.getByRole('rowheader', { name: 'Secret-Integration-Name' }).waitFor();

  // Signing out ends the session and goes back to sign-in.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.reload();
  await page.waitForURL('**/dashboard/sign-in?return=*');
  assert.ok(!(await everythingInPage(page)).includes('Secret-Integration-Name'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a signed-in non-admin sees that the page needs the Admin role, and no token data', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  const tokenCalls: string[] = [];
  page.on('request', (req) => {
    if (req.url().includes('developer-tokens')) tokenCalls.push(req.url());
  });
  await signInThroughPage(page, 'vera', VIEWER_PASSWORD);
  await page.getByRole('heading', { name: 'This page needs the Admin role' }).waitFor();
  assert.match(await page.getByRole('main').innerText(), /your role is Viewer/);
  await page.getByRole('banner').getByText('vera').waitFor();
  const html = await everythingInPage(page);
  assert.ok(!html.includes('Secret-Integration-Name'), 'no token name');
  assert.ok(!html.includes(tokenKey.slice(0, 8)), 'no key');
  assert.equal(await page.getByRole('button', { name: 'Generate API token' }).count(), 0);
  assert.deepEqual(tokenCalls, [], 'the page did not even ask for tokens');
  await assertAccessible(page, 'the Admin-role notice');
  assert.deepEqual(problems, []);
  await context.close();
});

/** Signs in as admin on a second site configured by `env`, runs `check`, and stops the site. */
async function asAdminOnSite(env: NodeJS.ProcessEnv, check: (page: Page) => Promise<void>): Promise<void> {
  const site = await startServer({ env });
  try {
    const { page, problems, context } = await openTab(h.browser, site.url);
    await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
    await check(page);
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await site.close();
  }
}

test('at the token allowance, creating is refused in words next to the form', async () => {
  await asAdminOnSite({ GATEHOUSE_TOKEN_ALLOWANCE: '0' }, async (page) => {
    const form = page.getByRole('region', { name: 'Add an API token' });
    await form.getByLabel('Name', { exact: true }).fill('one too many');
    await form.getByRole('button', { name: 'Generate API token' }).click();
    await form.getByRole('alert').getByText('This site has reached its API token allowance.').waitFor();
    assert.equal(await page.getByRole('dialog').count(), 0);
  });
});

test('when token management is off, the page says so and who can enable it', async () => {
  await asAdminOnSite({ GATEHOUSE_TOKEN_MANAGEMENT: 'off' }, async (page) => {
    const notice = page.getByRole('alert');
    await notice.getByText('API token management is not enabled for this site.').waitFor();
    assert.match(await notice.innerText(), /Customer Success Manager/);
    assert.match(await notice.innerText(), /GATEHOUSE_TOKEN_MANAGEMENT=on/);
    assert.equal(await page.getByRole('button', { name: 'Generate API token' }).count(), 0);
    await assertAccessible(page, 'the disabled notice');
  });
});
