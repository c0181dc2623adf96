/**
 * The built-in proxy (GATEHOUSE_PROXY) in front of a small upstream: the checks every gateway must
 * pass, and a browser key from an allowed origin (preflight and CORS as on the API), an upstream
 * that is down (502) or too slow (504). Streaming a large upload: gateway-proxy-stream.test.ts.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { errors } from '../src/errors.js';
import { type GatewayUnderTest, gatewayScenarios } from './helpers/gateway-scenarios.js';
import { startGatewaySite } from './helpers/gateway-site.js';
import { createToken, rawRequest } from './helpers/http.js';
import { freePort, startServer, type TestServer } from './helpers/server.js';
import { startUpstream } from './helpers/upstream.js';

const ORIGIN = 'https://app.example.com';
let under: GatewayUnderTest;
let slow: TestServer;
let browserKey: string;
let browserTokenId: string;

before(async () => {
  const upstream = await startUpstream();
  const down = `http://127.0.0.1:${await freePort()}`; // nothing listens there
  const routes = [
    `/api=${upstream.url}/api`,
    `/admin=${upstream.url}/admin;require=admin`,
    `/public=${upstream.url}/public;require=anyone`,
    `/close=${upstream.url}/close;require=anyone`,
    `/down=${down};require=anyone`,
  ];
  const site = await startGatewaySite({ env: { GATEHOUSE_PROXY: routes.join(',') } });
  under = { base: site.server.url, site, upstream };
  slow = await startServer({
    env: { GATEHOUSE_PROXY: `/slow=${upstream.url}/slow;require=anyone,/stall=${upstream.url};require=anyone`, GATEHOUSE_PROXY_TIMEOUT_MS: '200' },
  });
  const browser = await createToken(site.server.url, site.admin, { '@type': 'browser', name: 'app', host: 'app.example.com' });
  browserKey = browser.key!;
  browserTokenId = browser['@id']!;
});
after(async () => {
  await slow.close();
  await under.site.server.close();
  await under.upstream.close();
});

gatewayScenarios('built-in proxy', () => under);

test('built-in proxy: any client-sent X-Gatehouse-* header is dropped, not only the identity ones', async () => {
  const { base, site, upstream } = under;
  const res = await fetch(`${base}/api/forged`, { headers: { Authorization: site.jwt, 'X-Gatehouse-Admin': 'true', 'X-Gatehouse-Token-Id': '99' } });
  assert.equal(res.status, 200);
  const r = upstream.requests.find((x) => x.url === '/api/forged')!;
  assert.equal(r.headers['x-gatehouse-admin'], undefined);
  assert.equal(r.headers['x-gatehouse-token-id'], site.tokenId);
});

test('built-in proxy: a browser key from an allowed origin works: preflight, CORS headers, identity upstream', async () => {
  const { base, site, upstream } = under;
  const preflight = await fetch(`${base}/public/list`, {
    method: 'OPTIONS',
    headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-deki-token' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), ORIGIN);
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /X-Deki-Token/);

  const anonymous = await fetch(`${base}/public/list?n=1`, { headers: { 'X-Deki-Token': browserKey, Origin: ORIGIN } });
  assert.equal(anonymous.status, 200);
  assert.equal(anonymous.headers.get('access-control-allow-origin'), ORIGIN);
  assert.equal(anonymous.headers.get('access-control-allow-credentials'), 'true');
  const a = upstream.requests.find((x) => x.url === '/public/list?n=1')!;
  assert.equal(a.headers['x-gatehouse-credential'], 'anonymous');
  assert.equal(a.headers['x-gatehouse-token-id'], browserTokenId);
  assert.equal(a.headers['x-deki-token'], undefined);

  // With the browser's session, the request acts as its user.
  const signedIn = await fetch(`${base}/api/list?n=2`, { headers: { 'X-Deki-Token': browserKey, Origin: ORIGIN, Cookie: `authtoken=${site.readerSession}` } });
  assert.equal(signedIn.status, 200);
  const s = upstream.requests.find((x) => x.url === '/api/list?n=2')!;
  assert.equal(s.headers['x-gatehouse-user-id'], String(site.readerId));
  assert.equal(s.headers['x-gatehouse-credential'], 'session');
  assert.equal(s.headers.cookie, undefined);
});

test('built-in proxy: a browser key from another origin is refused with the API message', async () => {
  const res = await fetch(`${under.base}/public/list?dream.out.format=json`, { headers: { 'X-Deki-Token': browserKey, Origin: 'https://evil.example.org' } });
  assert.equal(res.status, 403);
  assert.equal(((await res.json()) as { message: string }).message, errors.BROWSER_ORIGIN_REFUSED[1]);
});

test('built-in proxy: an upstream that is down gives a 502 document', async () => {
  const res = await fetch(`${under.base}/down/anything?dream.out.format=json`);
  assert.equal(res.status, 502);
  assert.deepEqual(await res.json(), { status: '502', title: 'Bad Gateway', message: errors.UPSTREAM_UNAVAILABLE[1], uri: `${under.base}/down/anything` });
});

test("built-in proxy: the upstream's answers arrive whole, small (sent in one piece) or large (streamed), HEAD and a 304 without one", async () => {
  for (const n of [1, 1000, 64 * 1024, 64 * 1024 + 1, 3 * 1024 * 1024]) {
    const res = await fetch(`${under.base}/public/bytes/${n}`);
    assert.equal(res.status, 203, `${n} bytes`);
    assert.equal(res.headers.get('x-upstream-bytes'), String(n));
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(body.length, n);
    assert.ok(body.every((b) => b === 0x78));
  }
  const head = await rawRequest(under.base, { method: 'HEAD', path: '/public/bytes/1000', headers: {} });
  assert.equal(head.status, 203);
  assert.equal(head.headers['content-length'], '1000');
  assert.equal(head.text, '');
  const unmodified = await rawRequest(under.base, { path: '/public/unmodified/1000', headers: {} });
  assert.equal(unmodified.status, 304);
  assert.equal(unmodified.headers.etag, '"1000"');
  assert.equal(unmodified.text, '');
  const after = await fetch(`${under.base}/public/bytes/10`);
  assert.equal((await after.arrayBuffer()).byteLength, 10, 'the connection is still usable');
});

test('built-in proxy: an upstream that drops the connection mid-answer gives a 502 document, not a truncated body', async () => {
  const res = await fetch(`${under.base}/public/cut/1000?dream.out.format=json`, { headers: { 'X-Deki-Token': browserKey, Origin: ORIGIN } });
  assert.equal(res.status, 502);
  assert.equal(res.headers.get('x-upstream-bytes'), null, "none of the upstream's headers");
  assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN, "Gatehouse's own stay, so the page can read the document");
  assert.ok(res.headers.get('date'));
  assert.deepEqual(await res.json(), { status: '502', title: 'Bad Gateway', message: errors.UPSTREAM_UNAVAILABLE[1], uri: `${under.base}/public/cut/1000` });
});

test('built-in proxy: a small answer without a Content-Type gets none from Gatehouse', async () => {
  const res = await fetch(`${under.base}/public/untyped/5`);
  assert.equal(res.status, 203);
  assert.equal(res.headers.get('content-type'), null);
  assert.equal((await res.arrayBuffer()).byteLength, 5);
});

test('built-in proxy: a 304 with a Content-Length passes as a 304 without a body, small or large', async () => {
  for (const n of [1000, 1024 * 1024]) {
    const res = await rawRequest(under.base, { path: `/public/lying-304/${n}`, headers: {} });
    assert.equal(res.status, 304, `${n}`);
    assert.equal(res.text, '');
  }
  const after = await fetch(`${under.base}/public/bytes/10`);
  assert.equal((await after.arrayBuffer()).byteLength, 10);
});

test('built-in proxy: an upstream that stalls mid-answer past GATEHOUSE_PROXY_TIMEOUT_MS gives a 504 document', async () => {
  const res = await fetch(`${slow.url}/stall/stall/100`);
  assert.equal(res.status, 504);
  assert.equal(res.headers.get('x-upstream-bytes'), null);
  assert.match(await res.text(), new RegExp(`<message>${errors.UPSTREAM_TIMEOUT[1]}</message>`));
});

test('built-in proxy: an upstream slower than GATEHOUSE_PROXY_TIMEOUT_MS gives a 504 document', async () => {
  const res = await fetch(`${slow.url}/slow/report`);
  assert.equal(res.status, 504);
  assert.match(await res.text(), new RegExp(`<message>${errors.UPSTREAM_TIMEOUT[1]}</message>`));
});

test('built-in proxy: dot segments are refused, not resolved past the prefix', async () => {
  const res = await rawRequest(under.base, { path: '/public/%2e%2e/admin/x', headers: {} });
  assert.equal(res.status, 400);
  assert.equal(
    under.upstream.requests.find((r) => r.url.includes('admin/x')),
    undefined,
  );
});

test("built-in proxy: an upstream's Connection: close closes the upstream connection only, not the client's", async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path: string) =>
    new Promise<{ reused: boolean; connection: string | undefined; keepAlive: string | undefined }>((resolve, reject) => {
      const req = http.get(`${under.base}${path}`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ reused: req.reusedSocket, connection: res.headers.connection, keepAlive: String(res.headers['keep-alive'] ?? '') }));
      });
      req.on('error', reject);
    });
  try {
    const first = await get('/close/a');
    assert.equal(first.connection, 'keep-alive');
    assert.doesNotMatch(first.keepAlive ?? '', /timeout=60\b/); // Gatehouse's own keep-alive, not the upstream's
    const second = await get('/close/b');
    assert.equal(second.reused, true);
  } finally {
    agent.destroy();
  }
});
