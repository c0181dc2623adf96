/**
 * The token list on a site with 100,000 tokens: after sign-in the first rows show within 2 s;
 * typing a filter shows the matching token within 1 s, with the count of matches; the pages go
 * forward and back by keyboard with focus kept; the token found is deleted and its JWT refused;
 * axe finds nothing serious. The times are the waits' limits on what is expected, not timings.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { bearer, call, createToken, signIn } from '../helpers/http.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { assertAccessible, harness, openTab, signInThroughPage } from './browser.js';

const FILLER = 100_000;
const NEEDLE = 'Needle-Integration-4711';
let jwt: string;

const h = harness(async ({ server }) => {
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  jwt = (await createToken(server.url, admin, { '@type': 'server', name: NEEDLE, 'generate-jwt': 'true' })).authorization!.slice(7);
  // Straight into the store, as the benchmark fills it: through the API this would take many minutes.
  const now = Date.now();
  await server.built.ctx.db.transaction().execute(async (trx) => {
    for (let i = 0; i < FILLER; i += 500) {
      const rows = Array.from({ length: 500 }, (_, j) => ({
        type: 'server' as const,
        name: `filler-${String(i + j).padStart(6, '0')}`,
        key: randomBytes(32).toString('hex'),
        secret_enc: null,
        created_at: now,
        created_by: 1,
      }));
      await trx.insertInto('developer_tokens').values(rows).execute();
    }
  });
});

test('100,000 tokens: first rows, a filter, keyboard paging, a delete, and no serious axe issue', async () => {
  const { page, problems } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const list = page.getByRole('region', { name: /API tokens/ });
  const status = list.getByRole('status');
  await list.getByRole('rowheader').first().waitFor({ timeout: 2_000 });
  await status.getByText(`${FILLER + 1} tokens. Showing 1–25.`).waitFor();
  assert.equal(await list.getByRole('rowheader').count(), 25);
  await assertAccessible(page, 'the token list of 100,000 tokens');

  // Paging by keyboard: Enter on the focused button, and focus stays on it.
  const next = list.getByRole('button', { name: 'Next page' });
  await next.focus();
  await page.keyboard.press('Enter');
  await status.getByText('Showing 26–50.').waitFor();
  assert.equal(await page.evaluate('document.activeElement.textContent'), 'Next page');
  await page.keyboard.press('Enter');
  await status.getByText('Showing 51–75.').waitFor();
  await list.getByText('Page 3 of 4001').waitFor();
  await page.keyboard.press('Shift+Tab'); // back past the position text to "Previous page"
  assert.equal(await page.evaluate('document.activeElement.textContent'), 'Previous page');
  await page.keyboard.press('Enter');
  await status.getByText('Showing 26–50.').waitFor();

  // The filter goes to the server; its count of matches is read out.
  await list.getByLabel('Filter tokens').fill('needle-integ');
  await list.getByRole('rowheader', { name: NEEDLE }).waitFor({ timeout: 1_000 });
  await status.getByText('1 token matches “needle-integ”. Showing 1–1.').waitFor();
  assert.equal(await list.getByRole('rowheader').count(), 1);
  await assertAccessible(page, 'the filtered token list');

  const row = list.getByRole('row').filter({ has: page.getByRole('rowheader', { name: NEEDLE }) });
  await row.getByRole('button', { name: `Delete token ${NEEDLE}` }).click();
  await page
    .getByRole('alertdialog', { name: `Delete “${NEEDLE}”?` })
    .getByRole('button', { name: 'Delete token' })
    .click();
  await status.getByText('0 tokens match “needle-integ”.').waitFor();
  const refused = await call(h.server.url, '/@api/deki/users/current', { headers: bearer(jwt) });
  assert.equal(refused.status, 403);
  assert.equal(refused.json.message, 'invalid json web token');
  assert.deepEqual(problems, []);
});
