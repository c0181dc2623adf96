/**
 * `/@gatehouse/verify` on its own: levels, the original request's method for the cross-site-form
 * rule, documents in XML or JSON, bad `require`, failure limits (429) and usage counted as on the
 * API. (Behind nginx and Caddy: gateway-nginx.test.ts, gateway-caddy.test.ts; 503: gateway-stale.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signServerToken } from '../client/sign.js';
import { errors } from '../src/errors.js';
import { type GatewaySite, startGatewaySite } from './helpers/gateway-site.js';
import { bearer, call, createToken, createUser, signIn } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';

let site: GatewaySite;
let limited: TestServer;

before(async () => {
  site = await startGatewaySite();
  limited = await startServer({ env: { GATEHOUSE_AUTH_FAILURE_LIMIT: '2' } });
});
after(async () => {
  await site.server.close();
  await limited.close();
});

function assertRefusal(res: Response, code: keyof typeof errors) {
  assert.equal(res.status, errors[code][0]);
  assert.equal(res.headers.get('x-gatehouse-error'), code);
  assert.equal(res.headers.get('x-gatehouse-error-message'), errors[code][1]);
}

const verify = (query: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(`${site.server.url}/@gatehouse/verify${query}`, { method, headers, redirect: 'manual' });

test('require=anyone lets Anonymous through with its identity; the default (user) answers 401 with the message', async () => {
  const open = await verify('?require=anyone');
  assert.equal(open.status, 200);
  assert.equal(open.headers.get('x-gatehouse-user-id'), '2');
  assert.equal(open.headers.get('x-gatehouse-username'), 'Anonymous');
  assert.equal(open.headers.get('x-gatehouse-credential'), 'anonymous');
  assert.equal(open.headers.get('x-gatehouse-seated'), 'false');
  assert.equal(open.headers.get('cache-control'), 'no-store');

  const closed = await verify('', { Accept: 'application/json' });
  assert.equal(closed.status, 401);
  assertRefusal(closed, 'CREDENTIAL_REQUIRED');
  const doc = (await closed.json()) as Record<string, string>;
  assert.deepEqual(doc, { status: '401', title: 'Unauthorized', message: errors.CREDENTIAL_REQUIRED[1], uri: `${site.server.url}/@gatehouse/verify` });
});

test('an invalid credential is refused with the API message even where anyone may pass', async () => {
  const res = await verify('?require=anyone', { Authorization: `${site.jwt}x` });
  assert.equal(res.status, 403);
  assert.match(await res.text(), new RegExp(`<message>${errors.JWT_INVALID[1]}</message>`));
});

test('any method is answered, and the JWT identity comes back in headers', async () => {
  for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    const res = await verify('', { Authorization: site.jwt }, method);
    assert.equal(res.status, 200, method);
    assert.equal(res.headers.get('x-gatehouse-user-id'), String(site.readerId));
    assert.equal(res.headers.get('x-gatehouse-credential'), 'jwt');
    assert.equal(res.headers.get('x-gatehouse-token-id'), site.tokenId);
  }
});

test('require=seated refuses an unseated user; require=user refuses a credential acting as Anonymous', async () => {
  await createUser(site.server.url, site.admin, { username: 'unseated', seat: false, password: 'unseated-password-1' });
  const unseated = await signIn(site.server.url, 'unseated', 'unseated-password-1');
  const seated = await verify('?require=seated', bearer(unseated));
  assert.equal(seated.status, 403);
  assertRefusal(seated, 'SEAT_REQUIRED');
  assert.equal((await verify('?require=user', bearer(unseated))).status, 200);
  assert.equal((await verify('?require=seated', bearer(site.readerSession))).status, 200);

  const token = await createToken(site.server.url, site.admin, { '@type': 'server', name: 'userless' });
  const userless = signServerToken({ key: token.key!, secret: token.secret!, format: 'userless' });
  const res = await verify('', { 'X-Deki-Token': userless });
  assert.equal(res.status, 403);
  assertRefusal(res, 'SIGNED_IN_USER_REQUIRED');
});

test("a cookie-only unsafe original request must pass the API's cross-site-form rule", async () => {
  const cookie = { Cookie: `authtoken=${site.readerSession}` };
  const form = await verify('', { ...cookie, 'X-Original-Method': 'POST', 'Content-Type': 'application/x-www-form-urlencoded' });
  assert.equal(form.status, 403);
  assertRefusal(form, 'CSRF_REFUSED');
  const caddyStyle = await verify('', { ...cookie, 'X-Forwarded-Method': 'DELETE' });
  assert.equal(caddyStyle.status, 403);
  // From the protected site's own origin, as the gateway names it, or with the XHR marker: allowed.
  const sameSite = await verify('', {
    ...cookie,
    'X-Original-Method': 'POST',
    Origin: 'https://api.example.com',
    'X-Forwarded-Host': 'api.example.com',
    'X-Forwarded-Proto': 'https',
  });
  assert.equal(sameSite.status, 200);
  assert.equal((await verify('', { ...cookie, 'X-Original-Method': 'POST', 'X-Requested-With': 'XMLHttpRequest' })).status, 200);
  assert.equal((await verify('', { ...cookie, 'X-Original-Method': 'GET' })).status, 200);
});

test('require with an unknown level is a 400 naming the accepted ones', async () => {
  const res = await call(site.server.url, '/@gatehouse/verify?require=root');
  assert.equal(res.status, 400);
  assert.equal(res.json.message, "query parameter 'require' is not valid: use one of anyone, user, seated, admin");
});

test('failed credentials at verify count against the failure limits: 429 with Retry-After', async () => {
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${limited.url}/@gatehouse/verify`, { headers: { 'X-Deki-Token': `tkn_${'ab'.repeat(32)}_1_2_${'cd'.repeat(32)}` } });
    statuses.push(res.status);
    retryAfter = res.headers.get('retry-after');
  }
  assert.deepEqual(statuses, [403, 403, 429]);
  assert.ok(Number(retryAfter) > 0);
});

test('usage counts gateway traffic: successes, failures and the refusal reason show on the token', async () => {
  const token = await createToken(site.server.url, site.admin, { '@type': 'server', name: 'counted', 'restricted-by-user-id': String(site.readerId) });
  for (let i = 0; i < 3; i++) assert.equal((await verify('', { Authorization: token.authorization! })).status, 200);
  const wrongUser = signServerToken({ key: token.key!, secret: token.secret!, user: 1 });
  assert.equal((await verify('', { 'X-Deki-Token': wrongUser })).status, 403);
  await site.server.built.usage.flush();
  const doc = await call(site.server.url, `/@api/deki/site/developer-tokens/${token['@id']}`, { headers: bearer(site.admin) });
  const usage = doc.json.usage as Record<string, string>;
  assert.equal(usage['requests.30d'], '3', JSON.stringify(usage));
  assert.equal(usage['failures.30d'], '1', JSON.stringify(usage));
  // The refusal is recorded with its reason, as on the API.
  const byReason = await call(site.server.url, `/@api/deki/site/developer-tokens/${token['@id']}/usage`, { headers: bearer(site.admin) });
  const reasons = (byReason.json.reasons as { reason: { '@name': string; '@failures.24h': string }[] }).reason;
  assert.equal(reasons.find((r) => r['@name'] === 'wrong-user')?.['@failures.24h'], '1', JSON.stringify(reasons));
});

test("under /@gatehouse/verify/ (Envoy appends the original path), the level is X-Gatehouse-Require's, never the client's query", async () => {
  const closed = await verify('/admin/reports?require=anyone');
  assertRefusal(closed, 'CREDENTIAL_REQUIRED');
  assert.equal((await verify('/public/page?x=1', { 'X-Gatehouse-Require': 'anyone' })).status, 200);
  assertRefusal(await verify('/admin/reports', { 'X-Gatehouse-Require': 'admin', Authorization: site.jwt }), 'ADMIN_REQUIRED');
  assert.equal((await verify('/admin/reports', { 'X-Gatehouse-Require': 'admin', ...bearer(site.admin) })).status, 200);
});

test("a browser key with an admin's cookie passes as the user, never as an admin", async () => {
  const widget = await createToken(site.server.url, site.admin, { '@type': 'browser', name: 'gateway widget', host: 'docs.example.com' });
  const headers = { 'X-Deki-Token': widget.key!, Origin: 'https://docs.example.com', Cookie: `authtoken=${site.admin}` };
  assertRefusal(await verify('?require=admin', headers), 'BROWSER_TOKEN_NOT_ADMIN');
  const user = await verify('?require=user', headers);
  assert.equal(user.status, 200);
  assert.equal(user.headers.get('x-gatehouse-username'), 'admin');
});

test('metrics count gateway credential checks as API ones', async () => {
  const jwtOk = async () => {
    const text = await (await fetch(`${site.server.url}/@gatehouse/metrics`)).text();
    return Number(/^gatehouse_credential_checks_total\{kind="jwt",outcome="ok"\} (\d+)$/m.exec(text)?.[1] ?? 0);
  };
  const before = await jwtOk();
  for (let i = 0; i < 2; i++) assert.equal((await verify('', { Authorization: site.jwt })).status, 200);
  assert.equal(await jwtOk(), before + 2);
});
