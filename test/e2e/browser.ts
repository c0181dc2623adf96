/**
 * Drives Debian's Chromium (never a downloaded browser) through playwright-core for the dashboard
 * tests. The page code below runs inside Chromium; it is passed as strings because this project's
 * test tsconfig has no DOM types.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { startServer, type StartOptions, type TestServer } from '../helpers/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export async function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

export interface Harness {
  server: TestServer;
  browser: Browser;
}

/**
 * One server and one Chromium for a test file, started in `before` and stopped in `after`.
 * `setup` runs once both are up (Node 20 does not wait for one root `before` hook before the next).
 */
export function harness(setup?: (h: Harness) => Promise<void>, opts: StartOptions = {}): Harness {
  const h = {} as Harness;
  before(async () => {
    [h.server, h.browser] = await Promise.all([startServer(opts), launch()]);
    await setup?.(h);
  });
  after(async () => {
    await h.browser?.close();
    await h.server?.close();
  });
  return h;
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors (a CSP violation lands here): a test asserts none. */
  problems: string[];
}

/** A fresh context (no cookies) on the test server, with clipboard access granted. */
export async function openTab(browser: Browser, baseURL: string, viewport = DESKTOP): Promise<Tab> {
  const context = await browser.newContext({ baseURL, viewport, reducedMotion: 'reduce', locale: 'en-GB', timezoneId: 'UTC' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // Chromium logs every 4xx answer; the API's refusals are expected and shown to the admin in words.
    if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  return { context, page, problems };
}

export async function signInThroughPage(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/dashboard/integrations/api-tokens');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'API Token Management' }).waitFor();
}

/** Everything the page holds that a secret could hide in: markup, field values, storage, history. */
export async function everythingInPage(page: Page): Promise<string> {
  return page.evaluate(`[
    document.documentElement.outerHTML,
    ...[...document.querySelectorAll('input, textarea')].map((el) => el.value),
    JSON.stringify({ ...localStorage }),
    JSON.stringify({ ...sessionStorage }),
    JSON.stringify(history.state),
    location.href,
  ].join('\\n')`);
}

export async function readClipboard(page: Page): Promise<string> {
  return page.evaluate('navigator.clipboard.readText()');
}

export async function writeClipboard(page: Page, text: string): Promise<void> {
  await page.evaluate(`navigator.clipboard.writeText(${JSON.stringify(text)})`);
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** Runs axe-core inside the page (evaluated, so the page's CSP stays on) and fails on serious or critical issues. */
export async function assertAccessible(page: Page, where: string): Promise<void> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axeSource);
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })))`)) as AxeViolation[];
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe found serious or critical issues on ${where}`);
}

/**
 * Screenshots go to docs/screenshots when GATEHOUSE_SCREENSHOTS names that folder
 * (`npm run screenshots`), else to .tmp/screenshots, so a plain `npm test` leaves the tree clean.
 */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  const dir = path.resolve(process.env.GATEHOUSE_SCREENSHOTS || '.tmp/screenshots');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage, animations: 'disabled', caret: 'hide' });
  assert.ok(fs.statSync(file).size > 5_000, `${file} looks empty`);
  return file;
}
