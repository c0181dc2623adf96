/**
 * The "API Token created" dialog's guard. While the secret (or the JWT) is
 * uncopied, Esc, the backdrop, the Close button and leaving the page all ask first; once everything
 * was copied it closes without asking; afterwards, and after a reload, the page holds neither.
 * Copy failures select the value and say which keys to press.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { everythingInPage, harness, openTab, readClipboard, signInThroughPage } from './browser.js';

const h = harness();

async function createServerToken(page: Page, name: string, jwt: boolean): Promise<Locator> {
  const form = page.getByRole('region', { name: 'Add an API token' });
  await form.getByLabel('Name', { exact: true }).fill(name);
  if (jwt) await form.getByRole('checkbox', { name: 'Generate long-term JWT (OAuth bearer token)' }).check();
  await form.getByRole('button', { name: 'Generate API token' }).click();
  const dialog = page.getByRole('dialog', { name: 'API Token created' });
  await dialog.waitFor();
  return dialog;
}

/** The accessible name of the focused element, as a user of a screen reader would hear it. */
async function focusedName(page: Page): Promise<string> {
  return page.evaluate(`(document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent || '').trim()`);
}

test('closing with the secret uncopied asks first, whichever way; after copying it closes at once and nothing remains', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const dialog = await createServerToken(page, 'guard-check', false);
  const guard = page.getByRole('alertdialog', { name: 'Close without copying the secret?' });
  const secretField = dialog.getByLabel('Secret');
  const secret = await secretField.inputValue();
  assert.match(secret, /^[0-9a-f]{64}$/);

  // Esc asks; focus starts on the safe answer; "Go back" returns to the dialog.
  await page.keyboard.press('Escape');
  await guard.waitFor();
  assert.match(await guard.innerText(), /will not be shown again/);
  assert.equal(await focusedName(page), 'Go back');
  await guard.getByRole('button', { name: 'Go back' }).click();
  await guard.waitFor({ state: 'detached' });
  assert.ok(await dialog.isVisible());

  // Esc twice in a row (Chromium lets a second Esc without user activation close a dialog).
  await page.keyboard.press('Escape');
  await guard.waitFor();
  await page.keyboard.press('Escape');
  await guard.waitFor({ state: 'detached' });
  await page.keyboard.press('Escape');
  await guard.waitFor();
  await page.keyboard.press('Escape');
  await guard.waitFor({ state: 'detached' });
  assert.ok(await dialog.isVisible(), 'Esc on the question answers it, and never closes the dialog underneath');

  // The backdrop asks.
  await page.mouse.click(8, 8);
  await guard.waitFor();
  await guard.getByRole('button', { name: 'Go back' }).click();
  // Dragging from the value to the backdrop (selecting text) is not a click on the backdrop.
  const box = (await secretField.boundingBox())!;
  await page.mouse.move(box.x + 10, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(6, 6);
  await page.mouse.up();
  // A click would open the guard in the render after the event; two frames later it would be there.
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  assert.equal(await guard.count(), 0);

  // The Close button asks.
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await guard.waitFor();
  await guard.getByRole('button', { name: 'Go back' }).click();

  // Leaving the page asks the browser's own question; staying keeps the dialog and the secret.
  const asked = new Promise<string>((resolve) => page.once('dialog', (d) => void d.dismiss().then(() => resolve(d.type()))));
  void page.evaluate('location.reload()').catch(() => undefined);
  assert.equal(await asked, 'beforeunload');
  assert.equal(await dialog.getByLabel('Secret').inputValue(), secret);

  // Show is a toggle; the name stays, the pressed state changes, focus stays on it.
  const show = dialog.getByRole('button', { name: 'Show secret' });
  assert.equal(await secretField.getAttribute('type'), 'password');
  await show.click();
  assert.equal(await show.getAttribute('aria-pressed'), 'true');
  assert.equal(await dialog.getByLabel('Secret').getAttribute('type'), 'text');
  assert.equal(await focusedName(page), 'Show secret');
  await show.press('Enter');
  assert.equal(await show.getAttribute('aria-pressed'), 'false');
  assert.equal(await dialog.getByLabel('Secret').getAttribute('type'), 'password');

  // Copy while masked; the status region says so each time, and never contains the value.
  const status = dialog.getByRole('status');
  await dialog.getByRole('button', { name: 'Copy secret' }).click();
  await status.getByText('Secret copied to the clipboard.').waitFor();
  assert.equal(await readClipboard(page), secret);
  // A second copy replaces the message node, so screen readers announce the same words again.
  // The words are already on the page, so wait for the old node to leave before looking for the new one.
  const firstMessage = await status.locator('span').elementHandle();
  await dialog.getByRole('button', { name: 'Copy secret' }).click();
  await page.waitForFunction((el) => !el.isConnected, firstMessage);
  await status.getByText('Secret copied to the clipboard.').waitFor();
  assert.ok(!(await status.innerText()).includes(secret));

  // Everything that cannot be shown again was copied: Esc closes without asking, and so does leaving.
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await guard.count(), 0);
  assert.ok(!(await everythingInPage(page)).includes(secret), 'no secret in the page after closing');
  await page.getByRole('status').getByText('Token “guard-check” created.').waitFor();

  page.once('dialog', (d) => {
    problems.push(`unexpected ${d.type()} dialog after everything was copied`);
    void d.dismiss();
  });
  await page.reload();
  await page.getByRole('rowheader', { name: 'guard-check' }).waitFor();
  assert.ok(!(await everythingInPage(page)).includes(secret), 'no secret in the page after a reload');
  const listed = await page.evaluate(`fetch('/@api/deki/site/developer-tokens?dream.out.format=json').then((r) => r.text())`);
  assert.ok(!String(listed).includes(secret), 'no secret in the list the page reads');
  assert.deepEqual(problems, []);
  await context.close();
});

test('with a JWT: the guard names what is uncopied, and "Close without copying" closes', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const dialog = await createServerToken(page, 'jwt-guard', true);
  await dialog.getByLabel('JWT (OAuth bearer token)').waitFor();
  const jwt = await dialog.getByLabel('JWT (OAuth bearer token)').inputValue();
  const secret = await dialog.getByLabel('Secret').inputValue();

  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await page.getByRole('alertdialog', { name: 'Close without copying the secret and the JWT?' }).getByRole('button', { name: 'Go back' }).click();
  await dialog.getByRole('button', { name: 'Copy JWT' }).click();
  await dialog.getByRole('status').getByText('JWT copied to the clipboard.').waitFor();
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  const guard = page.getByRole('alertdialog', { name: 'Close without copying the secret?' });
  await guard.getByRole('button', { name: 'Close without copying' }).click();
  await dialog.waitFor({ state: 'detached' });
  const after = await everythingInPage(page);
  assert.ok(!after.includes(secret) && !after.includes(jwt), 'neither the secret nor the JWT remains');
  await page.reload();
  await page.getByRole('rowheader', { name: 'jwt-guard' }).waitFor();
  const reloaded = await everythingInPage(page);
  assert.ok(!reloaded.includes(secret) && !reloaded.includes(jwt), 'neither comes back with a reload');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a failed copy shows and selects the value and says to press Ctrl+C; copying it by hand counts', async () => {
  const { page, problems, context } = await openTab(h.browser, h.server.url);
  // A clipboard that refuses, as an unfocused document or a denied permission does.
  await context.addInitScript(`
    navigator.clipboard.writeText = () => Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError'));
    document.execCommand = () => false;
  `);
  await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
  const dialog = await createServerToken(page, 'copy-fails', false);
  const secret = await dialog.getByLabel('Secret').inputValue();

  await dialog.getByRole('button', { name: 'Copy secret' }).click();
  await dialog.getByRole('status').getByText('Could not copy the secret. It is now shown and selected: press Ctrl+C to copy it.').waitFor();
  assert.equal(await dialog.getByRole('button', { name: 'Show secret' }).getAttribute('aria-pressed'), 'true');
  const field = dialog.getByLabel('Secret');
  await dialog.locator('#created-secret:focus').waitFor();
  assert.equal(await field.getAttribute('type'), 'text');
  const selection = await field.evaluate((el) => {
    const input = el as unknown as { selectionStart: number; selectionEnd: number; ownerDocument: { activeElement: unknown } };
    return [input.ownerDocument.activeElement === el, input.selectionStart, input.selectionEnd];
  });
  assert.deepEqual(selection, [true, 0, 64]);
  assert.equal(await dialog.getByText('Copied', { exact: true }).count(), 0, 'nothing claims to be copied');

  // The admin copies the selection with the keyboard: that is a copy, and the guard is satisfied.
  await field.press('Control+C');
  await dialog.getByRole('status').getByText('Secret copied to the clipboard.').waitFor();
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.ok(!(await everythingInPage(page)).includes(secret));
  assert.deepEqual(problems, []);
  await context.close();
});
