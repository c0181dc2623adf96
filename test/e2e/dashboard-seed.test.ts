/**
 * The seed's dashboard flow in Chromium. Sign in as admin → create the server
 * token "Zendesk-Integration-ServiceAccount" with a JWT, restricted to a user picked by typing part
 * of their name → the dialog shows key, secret and JWT → the JWT reads users/current as that user →
 * close → the list shows the user and "JWT: yes" → delete through the confirmation → the JWT is dead.
 * Also item 5's screenshots of the list and of the dialog, and item 4's axe scans of both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearer, call, createUser, setUser, signIn } from '../helpers/http.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { assertAccessible, everythingInPage, harness, openTab, readClipboard, screenshot, signInThroughPage, type Tab } from './browser.js';

const NAME = 'Zendesk-Integration-ServiceAccount';

let tab: Tab;
let botId: number;

const h = harness(async ({ server }) => {
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  botId = await createUser(server.url, admin, { username: 'zendesk-bot', role: 'Viewer' });
  await setUser(server.url, admin, botId, { fullname: 'Zendesk Service Account' });
  await createUser(server.url, admin, { username: 'zeno', role: 'Author' });
  // Neighbours in the list, so the screenshot shows what a real list looks like: a browser token
  // in use, expiring within the week, and a script token nobody has used for 120 days.
  const make = async (body: Record<string, string>) => {
    const res = await call(server.url, '/@api/deki/site/developer-tokens', {
      method: 'POST',
      headers: { ...bearer(admin), 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, res.text);
    return res.json as Record<string, string>;
  };
  server.clock.now = Date.now() - 120 * 86_400_000;
  try {
    await make({ '@type': 'server', name: 'Nightly-Backup-Script' });
  } finally {
    server.clock.now = undefined;
  }
  const widget = await make({
    '@type': 'browser',
    name: 'Help-Center-Widget',
    host: '*.example.com,support.example.org',
    expires: new Date(Date.now() + 5 * 86_400_000).toISOString(),
  });
  for (const origin of ['https://help.example.com', 'https://support.example.org', 'https://help.example.com']) {
    const res = await call(server.url, '/@api/deki/pages/home/info', { headers: { 'X-Deki-Token': widget.key!, Origin: origin } });
    assert.equal(res.status, 200, res.text);
  }
  tab = await openTab(h.browser, server.url);
});

test('admin creates the seed token with a JWT for a picked user, uses the JWT, then revokes it from the list', async () => {
  const { page } = tab;
  const { server } = h;
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  await page.getByRole('banner').getByText('Administrator').waitFor();
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByText('Site tools').waitFor();
  assert.equal(
    (await page.getByRole('navigation', { name: 'Breadcrumb' }).innerText()).replace(/\s+/g, ' ').trim(),
    'Site tools › Dashboard › Integrations › API Token Management',
  );

  const form = page.getByRole('region', { name: 'Add an API token' });
  await form.getByRole('radio', { name: 'Server' }).check();
  await form.getByLabel('Name', { exact: true }).fill(NAME);
  await form.getByRole('checkbox', { name: 'Generate long-term JWT (OAuth bearer token)' }).check();
  // Pick the user by typing part of their full name.
  const picker = form.getByRole('combobox', { name: 'Restricted to user' });
  await picker.pressSequentially('service acc', { delay: 20 });
  await page.getByRole('option', { name: /zendesk-bot/ }).click();
  assert.equal(await picker.inputValue(), 'zendesk-bot');
  await form.getByRole('button', { name: 'Generate API token' }).click();

  const dialog = page.getByRole('dialog', { name: 'API Token created' });
  await dialog.waitFor();
  await dialog.getByText('will not be shown again').waitFor();
  await screenshot(page, 'api-token-created');
  const key = await dialog.getByLabel('Key (identifier)').inputValue();
  assert.match(key, /^[0-9a-f]{64}$/);
  // Secret and JWT are masked, and still copy.
  assert.equal(await dialog.getByLabel('Secret').getAttribute('type'), 'password');
  assert.equal(await dialog.getByRole('button', { name: 'Show secret' }).getAttribute('aria-pressed'), 'false');
  assert.equal(await dialog.getByLabel('JWT (OAuth bearer token)').getAttribute('type'), 'password');
  await dialog.getByRole('button', { name: 'Copy secret' }).click();
  await dialog.getByRole('status').getByText('Secret copied to the clipboard.').waitFor();
  const secret = await readClipboard(page);
  assert.match(secret, /^[0-9a-f]{64}$/);
  assert.notEqual(secret, key);
  await dialog.getByRole('button', { name: 'Copy JWT' }).click();
  await dialog.getByRole('status').getByText('JWT copied to the clipboard.').waitFor();
  const jwt = await readClipboard(page);
  assert.match(jwt, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  await dialog.getByRole('button', { name: 'Copy key' }).click();
  assert.equal(await readClipboard(page), key);

  await assertAccessible(page, 'the "API Token created" dialog');

  // The JWT acts as the picked user.
  const me = await call(server.url, '/@api/deki/users/current', { headers: bearer(jwt) });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json['@id'], String(botId));
  assert.equal(me.json.username, 'zendesk-bot');

  // Everything was copied: Close closes without asking.
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.getByRole('alertdialog').count(), 0);
  const dom = await everythingInPage(page);
  assert.ok(!dom.includes(secret), 'the secret is gone from the page');
  assert.ok(!dom.includes(jwt), 'the JWT is gone from the page');

  const list = page.getByRole('region', { name: /API tokens/ });
  const row = list.getByRole('row').filter({ has: page.getByRole('rowheader', { name: NAME }) });
  await row.waitFor();
  assert.match(await row.innerText(), /zendesk-bot/);
  assert.match(await row.innerText(), /JWT: yes/);
  // The list is read again when the dialog closes: the JWT's use above is in it.
  await row.getByText('1 in 24 h').waitFor();
  assert.match(await row.innerText(), new RegExp(`${key.slice(0, 8)}…`));
  assert.match(await row.innerText(), /by admin/);
  // Newest first.
  assert.equal(await list.getByRole('rowheader').first().innerText(), NAME);

  await assertAccessible(page, 'the token list');
  await screenshot(page, 'api-token-list', true);

  await row.getByRole('button', { name: `Delete token ${NAME}` }).click();
  const confirm = page.getByRole('alertdialog', { name: `Delete “${NAME}”?` });
  await confirm.waitFor();
  const words = await confirm.innerText();
  assert.match(words, /Server/);
  assert.match(words, new RegExp(`${key.slice(0, 8)}…`));
  assert.match(words, /Its signatures and its JWT stop working at once/);
  await confirm.getByRole('button', { name: 'Delete token' }).click();
  await confirm.waitFor({ state: 'detached' });
  await page.getByRole('status').getByText(`Token “${NAME}” deleted.`).waitFor();
  await list.getByRole('rowheader', { name: NAME }).waitFor({ state: 'detached' });

  const dead = await call(server.url, '/@api/deki/users/current', { headers: bearer(jwt) });
  assert.equal(dead.status, 403);
  assert.equal(dead.json.message, 'invalid json web token');
  assert.deepEqual(tab.problems, []);
});
