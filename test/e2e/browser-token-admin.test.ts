/**
 * A page on a browser token's allowed host that is same-site with Gatehouse (here `localhost` on
 * another port, as `docs.example.com` is beside `kb.example.com`): Chromium sends the admin's
 * cookie with its `credentials: 'include'` fetches. It may read the visitor's own user (what a
 * widget needs), and must not create a token and read its secret.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ADMIN_PASSWORD, type TestServer, startServer } from '../helpers/server.js';
import { bearer, call, createToken, signIn } from '../helpers/http.js';
import { type PageServer, startPageServer } from '../helpers/page-server.js';
import { launch, openTab, signInThroughPage } from './browser.js';

let server: TestServer;
let browser: Browser;
let docs: PageServer;
let browserKey = '';

/** The widget's page: reads the visitor, then tries to mint a server token with the visitor's cookie. */
function docsPage(): string {
  return `<!doctype html><html><head><title>Docs</title></head><body>
<p>Signed in as <span id="me">…</span></p><p id="steal">…</p>
<script>
const GH = ${JSON.stringify(server.url)};
const KEY = ${JSON.stringify(browserKey)};
async function run() {
  const me = await fetch(GH + '/@api/deki/users/current?dream.out.format=json', { credentials: 'include', headers: { 'X-Deki-Token': KEY } });
  document.getElementById('me').textContent = (await me.json()).username;
  let steal;
  try {
    const r = await fetch(GH + '/@api/deki/site/developer-tokens?dream.out.format=json', {
      method: 'POST',
      credentials: 'include',
      headers: { 'X-Deki-Token': KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ '@type': 'server', name: 'stolen', 'generate-jwt': 'true' }),
    });
    steal = r.status + ' ' + (await r.text());
  } catch (err) {
    steal = 'blocked: ' + err.message;
  }
  document.getElementById('steal').textContent = steal;
  document.body.dataset.done = 'yes';
}
run();
</script></body></html>`;
}

before(async () => {
  [server, browser, docs] = await Promise.all([startServer(), launch(), startPageServer('localhost', async () => ({ body: docsPage() }))]);
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  // A pattern with scheme and port: only this page's origin, not every port on localhost.
  browserKey = (await createToken(server.url, admin, { '@type': 'browser', name: 'docs widget', host: docs.origin })).key!;
});
after(async () => {
  await browser?.close();
  await server?.close();
  await docs?.close();
});

test("a same-site page with a browser key and the admin's cookie reads the visitor, and cannot create a token", async () => {
  const { page, context } = await openTab(browser, server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  const before = (await call(server.url, '/@api/deki/site/developer-tokens', { headers: bearer(admin) })).json['@count'];

  await page.goto(`${docs.origin}/`);
  await page.locator('body[data-done="yes"]').waitFor();
  assert.equal(await page.textContent('#me'), 'admin', "the widget acts as the visitor's session");
  const steal = (await page.textContent('#steal')) ?? '';
  assert.match(steal, /^403 /, steal);
  assert.match(steal, /a request made with a browser token cannot manage tokens, users, keys or the audit log/);
  assert.doesNotMatch(steal, /secret|authorization/);
  assert.equal((await call(server.url, '/@api/deki/site/developer-tokens', { headers: bearer(admin) })).json['@count'], before, 'no token was made');
  await context.close();
});
