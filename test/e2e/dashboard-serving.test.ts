/**
 * How Gatehouse serves the built dashboard (src/web/dashboard.ts): a strict Content-Security-Policy,
 * immutable hashed assets, a revalidated page, the page for any dashboard path, 404 for missing
 * files, a clear 503 before `npm run build:web`, and a size budget for what the admin downloads.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Fastify from 'fastify';
import { CONTENT_SECURITY_POLICY, dashboardRoutes } from '../../src/web/dashboard.js';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';

const PAGE = '/dashboard/integrations/api-tokens';
/** What the admin's browser downloads, gzipped: page script and styles. */
const BUDGET_BYTES = 40 * 1024;

let server: TestServer;

before(async () => {
  server = await startServer();
});
after(() => server.close());

async function get(url: string, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${url}`, { headers, redirect: 'manual' });
}

test('the page: strict CSP and security headers, revalidated with an ETag, no inline script or style', async () => {
  const res = await get(PAGE);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(res.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"]) {
    assert.ok(CONTENT_SECURITY_POLICY.includes(directive), directive);
  }
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  const html = await res.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'every script has a src');
  assert.doesNotMatch(html, /<style|\sstyle=/, 'no inline style');

  const etag = res.headers.get('etag')!;
  assert.ok(etag);
  const again = await get(PAGE, { 'If-None-Match': etag });
  assert.equal(again.status, 304);

  // Any other dashboard path is the same page (it routes in the browser); /dashboard and / lead to it.
  const deep = await get('/dashboard/sign-in?return=%2Fdashboard%2Fintegrations%2Fapi-tokens');
  assert.equal(deep.status, 200);
  assert.equal(await deep.text(), html);
  assert.equal((await get('/dashboard')).headers.get('location'), PAGE);
  assert.equal((await get('/')).headers.get('location'), PAGE);
});

test('assets: cached for a year as immutable, gzipped on request, within the size budget; missing files are 404', async () => {
  const html = await (await get(PAGE)).text();
  const urls = [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  assert.ok(urls.some((u) => u.endsWith('.js')) && urls.some((u) => u.endsWith('.css')), `assets in ${html}`);
  let gzipped = 0;
  for (const url of urls) {
    const plain = await get(url, { 'Accept-Encoding': 'identity' });
    assert.equal(plain.status, 200, url);
    assert.equal(plain.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(plain.headers.get('content-type')!, url.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
    assert.equal(plain.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    const size = (await plain.arrayBuffer()).byteLength;
    const zipped = await get(url, { 'Accept-Encoding': 'gzip, br' });
    assert.equal(zipped.headers.get('content-encoding'), 'gzip');
    assert.equal(zipped.headers.get('vary'), 'Accept-Encoding');
    gzipped += Number(zipped.headers.get('content-length'));
    assert.ok(Number(zipped.headers.get('content-length')) < size);
  }
  assert.ok(gzipped <= BUDGET_BYTES, `dashboard is ${gzipped} bytes gzipped; budget ${BUDGET_BYTES}`);

  const missing = await get('/dashboard/assets/index-00000000.js');
  assert.equal(missing.status, 404);
  assert.doesNotMatch(missing.headers.get('content-type') ?? '', /html/, 'a stale script URL never gets the page');
  assert.equal((await get('/dashboard/robots.txt')).status, 404);
  assert.equal((await get('/dashboard/favicon.svg')).headers.get('content-type'), 'image/svg+xml');
});

test('before the dashboard is built, it answers 503 with what to run; it serves a build, and a rebuild, without a restart', async () => {
  const root = path.join(tempDir('gatehouse-web-'), 'dist');
  const app = Fastify();
  await app.register(dashboardRoutes({ root }));
  try {
    const res = await app.inject({ url: PAGE });
    assert.equal(res.statusCode, 503);
    assert.match(res.headers['content-type'] as string, /^text\/html/);
    assert.match(res.body, /npm run build:web/);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY);

    fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>built</title>');
    fs.writeFileSync(path.join(root, 'assets', 'app-1234.js'), 'export {};');
    const built = await app.inject({ url: PAGE });
    assert.equal(built.statusCode, 200);
    assert.equal(built.body, '<!doctype html><title>built</title>');
    assert.equal((await app.inject({ url: '/dashboard/assets/app-1234.js' })).body, 'export {};');
    // A rebuild is picked up too.
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>rebuilt</title>');
    fs.utimesSync(path.join(root, 'index.html'), new Date(), new Date(Date.now() + 5_000));
    assert.equal((await app.inject({ url: PAGE })).body, '<!doctype html><title>rebuilt</title>');
    // Files are looked up in memory by exact name: no URL reaches the file system.
    for (const url of ['/dashboard/assets/../index.html', '/dashboard/%2e%2e/%2e%2e/package.json', '/dashboard/..%2f..%2fpackage.json']) {
      assert.equal((await app.inject({ url })).statusCode, 404, url);
    }
  } finally {
    await app.close();
  }
});
