/**
 * Usage figures in the dashboard list: after the test uses a token, the list shows when
 * it was last used (relative, with the local time and, on demand, IP, client and acting user),
 * requests in 24 h and 30 days, failed attempts, and "Shared by N clients"; a token unused for
 * the site's period carries an "Unused" badge; the list sorts by last use; axe finds nothing at
 * 1280 or 390 px.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signServerToken } from '../../client/sign.js';
import { bearer, call, signIn } from '../helpers/http.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { assertAccessible, harness, openTab, PHONE, readClipboard, signInThroughPage } from './browser.js';

const DAY = 86_400_000;
const NAME = 'Usage-Watcher';
const OLD = 'Old-Unused-Export';

let admin: string;

// Behind a proxy, so the test can be several clients (X-Forwarded-For).
const h = harness(
  async ({ server }) => {
    admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
    // Made 100 days ago by the server's clock, never used since: past the 90 days that flag a token.
    server.clock.now = Date.now() - 100 * DAY;
    try {
      const res = await call(server.url, '/@api/deki/site/developer-tokens', {
        method: 'POST',
        headers: { ...bearer(admin), 'Content-Type': 'application/json' },
        body: JSON.stringify({ '@type': 'server', name: OLD }),
      });
      assert.equal(res.status, 200, res.text);
    } finally {
      server.clock.now = undefined;
    }
  },
  { env: { GATEHOUSE_TRUST_PROXY: 'on' } },
);

test('after the token is used, the list shows last use, requests, failures and sharing; an unused token says so', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const form = page.getByRole('region', { name: 'Add an API token' });
  await form.getByLabel('Name', { exact: true }).fill(NAME);
  await form.getByRole('checkbox', { name: 'Generate long-term JWT (OAuth bearer token)' }).check();
  await form.getByRole('button', { name: 'Generate API token' }).click();
  const dialog = page.getByRole('dialog', { name: 'API Token created' });
  const key = await dialog.getByLabel('Key (identifier)').inputValue();
  await dialog.getByRole('button', { name: 'Copy secret' }).click();
  await dialog.getByRole('button', { name: 'Copy JWT' }).click();
  await dialog.getByRole('status').getByText('JWT copied to the clipboard.').waitFor();
  const jwt = await readClipboard(page);
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });

  const list = page.getByRole('region', { name: /API tokens/ });
  const row = list.getByRole('row').filter({ has: page.getByRole('rowheader', { name: NAME }) });
  const lastUsed = row.getByRole('cell').nth(4);
  assert.equal((await lastUsed.innerText()).trim(), 'Never');
  assert.match(await row.innerText(), /0 in 24 h\s+0 in 30 days/);

  // Three requests from two clients, and a bad signature from a third.
  const use = (ip: string) =>
    call(h.server.url, '/@api/deki/users/current', { headers: { ...bearer(jwt), 'X-Forwarded-For': ip, 'User-Agent': 'usage-e2e/1.0' } });
  for (const ip of ['10.1.0.1', '10.1.0.1', '10.1.0.2']) assert.equal((await use(ip)).status, 200);
  const forged = signServerToken({ key, secret: 'not the secret', user: 1 });
  const failed = await call(h.server.url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': forged, 'X-Forwarded-For': '10.1.0.3' } });
  assert.equal(failed.status, 403);

  await list.getByRole('button', { name: 'Refresh the token list' }).click();
  await row.getByText('3 in 24 h').waitFor();
  const cells = await row.innerText();
  assert.match(cells, /3 in 30 days/);
  assert.match(cells, /1 failed attempt in 30 days/);
  assert.match(cells, /Shared by 3 clients/);
  assert.match(cells, /No expiry/);
  assert.doesNotMatch(cells, /Unused/);
  assert.match(await lastUsed.locator('time').innerText(), /^(just now|1 minute ago)$/);
  assert.match((await lastUsed.locator('time').getAttribute('datetime')) ?? '', /^\d{4}-\d\d-\d\dT/);
  // Where from, with what and as whom: one press away, by keyboard too.
  const details = lastUsed.locator('summary');
  await details.focus();
  await page.keyboard.press('Enter');
  const facts = (await lastUsed.locator('dl').innerText()).replace(/\s+/g, ' ');
  assert.match(facts, /From 10\.1\.0\.2/);
  assert.match(facts, /Client usage-e2e\/1\.0/);
  assert.match(facts, /Acted as admin/);

  // The old token: never used in its 100 days, flagged, with what to do.
  const old = list.getByRole('row').filter({ has: page.getByRole('rowheader', { name: OLD }) });
  const oldCells = await old.innerText();
  assert.match(oldCells, /Unused/);
  assert.match(oldCells, /Never used in the 100 days since it was created\. Delete it if nothing needs it\./);
  // The server picks the unused ones.
  await list.getByLabel('Show').selectOption('unused');
  await list.getByRole('status').getByText('1 token is unused. Showing 1–1.').waitFor();
  assert.deepEqual(await list.getByRole('rowheader').allInnerTexts(), [OLD]);
  await list.getByLabel('Show').selectOption('');
  await list.getByRole('status').getByText('2 tokens. Showing 1–2.').waitFor();

  // Sorted by last use: the used token first, then by the other way round last.
  // The server sorts by the last use it has written (every GATEHOUSE_USAGE_FLUSH_MS): write it now.
  await h.server.built.usage.flush();
  const sortedBy = (words: string) => list.locator('caption', { hasText: `API tokens, ${words}` }).waitFor({ state: 'attached' });
  const header = list.getByRole('columnheader', { name: /Last used/ });
  await header.getByRole('button').click();
  await sortedBy('by last use, descending');
  assert.equal(await header.getAttribute('aria-sort'), 'descending');
  assert.equal(await list.getByRole('rowheader').first().innerText(), NAME);
  await header.getByRole('button').click();
  await sortedBy('by last use, ascending');
  assert.equal(await header.getAttribute('aria-sort'), 'ascending');
  assert.equal(await list.getByRole('rowheader').last().innerText(), NAME);

  // The page shows what the API says.
  const listed = await call(h.server.url, '/@api/deki/site/developer-tokens', { headers: bearer(admin) });
  const doc = (listed.json['developer-token'] as Record<string, unknown>[]).find((t) => t.key === key)!;
  assert.deepEqual(doc.usage, {
    '@unused': 'false',
    'clients.30d': '3',
    'failures.30d': '1',
    'last.ip': '10.1.0.2',
    'last.user-agent': 'usage-e2e/1.0',
    'last.user-id': '1',
    'refusals.24h': { '@bad-signature': '1' },
    'requests.24h': '3',
    'requests.30d': '3',
  });

  await assertAccessible(page, 'the token list with usage figures');
  assert.deepEqual(problems, []);
  await context.close();
});

test('at 390 px the usage figures fit, and pass axe', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url, PHONE);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: NAME }) });
  await row.getByText('Shared by 3 clients').waitFor();
  assert.ok(((await page.evaluate('document.documentElement.scrollWidth')) as number) <= PHONE.width, 'no sideways scrolling');
  const box = (await row.boundingBox())!;
  assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, 'the card fits the screen');
  await assertAccessible(page, 'the token list with usage figures at 390 px');
  assert.deepEqual(problems, []);
  await context.close();
});
