/**
 * A token's own page after known traffic: the chart and its table give the same figures as the
 * requests sent, per hour and per day, and the failures by reason add up to them; a browser token
 * refused from a foreign origin says so in the list and its hosts are fixed from its page; axe
 * finds nothing serious on the token's page at 1280 and 390 px.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { bearer, call, createToken, signIn } from '../helpers/http.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { countIn, type KnownTraffic, makeKnownTraffic, TRAFFIC_FAILURE_LIMIT } from '../helpers/usage-traffic.js';
import { assertAccessible, harness, openTab, PHONE, screenshot, signInThroughPage } from './browser.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LABELS: Record<string, string> = {
  'bad-signature': 'Bad signature',
  'expired-signature': 'Expired signature',
  'wrong-user': 'Wrong user',
  'origin-refused': 'Origin not allowed',
  'expired-token': 'Expired token',
  'inactive-user': 'Inactive or unseated user',
  'rate-limited': 'Rate limited',
};
const WIDGET = 'Help-Widget';

let traffic: KnownTraffic;
let widget: Record<string, string>;

const h = harness(
  async ({ server }) => {
    const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
    traffic = await makeKnownTraffic(server, admin, 'Chart-Sync');
    widget = await createToken(server.url, admin, { '@type': 'browser', name: WIDGET, host: 'help.example.com' });
    for (const origin of ['https://help.example.com', 'https://kb.example.org', 'https://kb.example.org']) {
      await call(server.url, '/@api/deki/pages/home/info', { headers: { 'X-Deki-Token': widget.key!, Origin: origin } });
    }
  },
  { env: { GATEHOUSE_AUTH_FAILURE_LIMIT: TRAFFIC_FAILURE_LIMIT } },
);

/** The visible or screen-reader table's rows as [start ISO, requests, failures, reasons]. */
function tableRows(page: Page, caption: string): Promise<string[][]> {
  return page.evaluate(`[...document.querySelectorAll('table')].filter((t) => t.caption && t.caption.textContent === ${JSON.stringify(caption)})
    .flatMap((t) => [...t.tBodies[0].rows].map((r) => [r.querySelector('time').getAttribute('datetime'), ...[...r.cells].slice(1).map((c) => c.textContent)]))`);
}

function expectedRows(from: number, size: number, n: number): string[][] {
  return Array.from({ length: n }, (_, i) => {
    const start = from + i * size;
    const c = countIn(traffic, start, size);
    const reasons = Object.keys(LABELS)
      .filter((r) => c.reasons[r])
      .map((r) => `${c.reasons[r]} ${LABELS[r]!.toLowerCase()}`)
      .join(', ');
    return [new Date(start).toISOString(), String(c.requests), String(c.failures), reasons];
  });
}

test('the token page charts the traffic sent, per hour and per day, with a table of the same figures', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  await page
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: 'Chart-Sync' }) })
    .getByRole('link', { name: 'Chart-Sync', exact: true })
    .click();
  await page.getByRole('heading', { name: `Token Chart-Sync (#${traffic.tokenId})` }).waitFor();
  const all = countIn(traffic, 0, Infinity);
  const chart = page.getByRole('img', { name: /per hour, last 24 hours/ });
  assert.equal(await chart.getAttribute('aria-labelledby'), 'usage-hour-caption');
  await page.getByText(`Requests and failures per hour, last 24 hours: ${all.requests} requests, ${all.failures} failures.`).waitFor();
  const thisHour = Math.floor(traffic.now / HOUR) * HOUR;
  assert.deepEqual(await tableRows(page, 'Requests and failures per hour, last 24 hours'), expectedRows(thisHour - 23 * HOUR, HOUR, 24));
  const barHours = expectedRows(thisHour - 23 * HOUR, HOUR, 24).filter((r) => r[1] !== '0').length;
  assert.equal(await chart.locator('rect.bar-requests').count(), barHours);

  // Failures by reason: each reason once, equal to what was sent.
  const reasons = (await page.getByRole('table', { name: 'Failures by reason' }).getByRole('row').allInnerTexts()).slice(1).map((r) => r.split('\t'));
  assert.deepEqual(
    reasons,
    Object.entries(LABELS).map(([r, label]) => [label, String(all.reasons[r] ?? 0), String(all.reasons[r] ?? 0)]),
  );
  await chart.scrollIntoViewIfNeeded();
  await screenshot(page, 'token-usage-chart', true);
  await page.getByRole('button', { name: 'Show the figures as a table' }).click();

  await page.getByRole('button', { name: 'Last 30 days' }).click();
  await page.getByText(`Requests and failures per day (UTC), last 30 days: ${all.requests} requests, ${all.failures} failures.`).waitFor();
  const today = Math.floor(traffic.now / DAY) * DAY;
  assert.deepEqual(await tableRows(page, 'Requests and failures per day (UTC), last 30 days'), expectedRows(today - 29 * DAY, DAY, 30));
  await assertAccessible(page, 'the token page with its chart');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a browser token refused from another origin says so in the list; its hosts are fixed on its page', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: WIDGET }) });
  await row.getByText('Refused 2 requests from origins not allowed in the last 24 h').waitFor();
  await row.getByRole('link', { name: `Change the hosts of ${WIDGET}` }).click();
  const hosts = page.getByRole('textbox', { name: 'Hosts' });
  assert.equal(await hosts.inputValue(), 'help.example.com');
  await hosts.fill('help.example.com,kb.example.org');
  await page.getByRole('button', { name: 'Save hosts' }).click();
  await page.getByText('Hosts saved.').waitFor();
  const res = await call(h.server.url, '/@api/deki/pages/home/info', { headers: { 'X-Deki-Token': widget.key!, Origin: 'https://kb.example.org' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('access-control-allow-origin'), 'https://kb.example.org');
  assert.deepEqual(problems, []);
  await context.close();
});

test('at 390 px the token page fits and passes axe; a token is deleted from its page', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url, PHONE);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  await page.goto(`/dashboard/integrations/api-tokens/${traffic.tokenId}`);
  await page.getByRole('img', { name: /per hour, last 24 hours/ }).waitFor();
  await page.getByRole('button', { name: 'Show the figures as a table' }).click();
  assert.ok(((await page.evaluate('document.documentElement.scrollWidth')) as number) <= PHONE.width, 'no sideways scrolling');
  await assertAccessible(page, 'the token page at 390 px');
  await page.goto(`/dashboard/integrations/api-tokens/${widget['@id']}`);
  await page.getByRole('textbox', { name: 'Hosts' }).waitFor();
  await assertAccessible(page, 'a browser token’s page at 390 px');
  // Deleted from its own page, through the list's confirmation: back to the list, without it.
  await page.getByRole('button', { name: `Delete token ${WIDGET}` }).click();
  await page
    .getByRole('alertdialog', { name: `Delete “${WIDGET}”?` })
    .getByRole('button', { name: 'Delete token' })
    .click();
  await page.getByRole('rowheader', { name: 'Chart-Sync' }).waitFor();
  assert.equal(await page.getByRole('rowheader', { name: WIDGET }).count(), 0);
  const gone = await call(h.server.url, '/@api/deki/pages/home/info', { headers: { 'X-Deki-Token': widget.key!, Origin: 'https://kb.example.org' } });
  assert.equal(gone.headers.get('access-control-allow-origin'), null, 'the key no longer admits the origin');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a rolled token’s page links to the token that replaced it, and back', async () => {
  const admin = await signIn(h.server.url, 'admin', ADMIN_PASSWORD);
  const old = await createToken(h.server.url, admin, { '@type': 'server', name: 'Roll-Me' });
  const rolled = await call(h.server.url, `/@api/deki/site/developer-tokens/${old['@id']}/roll?overlap=3600`, { method: 'POST', headers: bearer(admin) });
  assert.equal(rolled.status, 200, rolled.text);
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  await page.goto(`/dashboard/integrations/api-tokens/${old['@id']}`);
  const next = page.getByRole('link', { name: `key ${String(rolled.json.key).slice(0, 8)}…` });
  await next.waitFor();
  assert.match(await page.locator('.status').innerText(), /Replaced by key [0-9a-f]{8}… \(rolled\)/);
  await next.click();
  await page.getByRole('heading', { name: `Token Roll-Me (#${rolled.json['@id']})` }).waitFor();
  await page.getByRole('link', { name: `key ${old.key!.slice(0, 8)}…` }).waitFor();
  assert.match(await page.locator('.status').innerText(), /Replaces key/);
  assert.deepEqual(problems, []);
  await context.close();
});
