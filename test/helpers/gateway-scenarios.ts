/**
 * What every gateway in front of an API must show, whichever it is (nginx auth_request, Caddy
 * forward_auth, the built-in proxy): each credential reaches the upstream as the right identity,
 * the upstream never sees a secret or a forged identity, a deleted token is refused on the next
 * request, `require=admin` and a missing credential are refused with the API's message.
 * `/api/…` requires a user, `/admin/…` an admin; both reach the upstream at the same path.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors } from '../../src/errors.js';
import type { GatewaySite } from './gateway-site.js';
import { READER } from './gateway-site.js';
import type { Upstream, UpstreamRequest } from './upstream.js';

export interface GatewayUnderTest {
  /** Where clients send requests: the gateway's own URL. */
  readonly base: string;
  readonly site: GatewaySite;
  readonly upstream: Upstream;
}

async function get(base: string, path: string, headers: Record<string, string>) {
  const res = await fetch(`${base}${path}`, { headers, redirect: 'manual' });
  return { status: res.status, code: res.headers.get('x-gatehouse-error'), text: await res.text() };
}

/** The request that reached the upstream for this call, found by its unique path. */
function arrived(upstream: Upstream, path: string): UpstreamRequest {
  const hit = upstream.requests.find((r) => r.url === path);
  assert.ok(hit, `${path} did not reach the upstream`);
  return hit;
}

function assertIdentity(r: UpstreamRequest, site: GatewaySite, credential: string, tokenId: string | undefined, seated = 'true') {
  assert.equal(r.headers['x-gatehouse-user-id'], String(site.readerId));
  assert.equal(r.headers['x-gatehouse-username'], READER.username);
  assert.equal(r.headers['x-gatehouse-role'], READER.role);
  assert.equal(r.headers['x-gatehouse-seated'], seated);
  assert.equal(r.headers['x-gatehouse-credential'], credential);
  assert.equal(r.headers['x-gatehouse-token-id'] || undefined, tokenId);
  assert.equal(r.headers.authorization ?? '', '', 'the upstream must not receive Authorization');
  assert.equal(r.headers['x-deki-token'] ?? '', '', 'the upstream must not receive X-Deki-Token');
  assert.doesNotMatch(String(r.headers.cookie ?? ''), /authtoken/, `the upstream must not receive the authtoken cookie: ${r.headers.cookie}`);
}

export function gatewayScenarios(name: string, current: () => GatewayUnderTest, skip?: string): void {
  let n = 0;
  const unique = (what: string) => `/api/${what}-${++n}?q=1`;

  test(`${name}: a JWT reaches the upstream as its user; a forged X-Gatehouse-User-Id does not`, { skip }, async () => {
    const { base, site, upstream } = current();
    const path = unique('jwt');
    const res = await get(base, path, { Authorization: site.jwt, 'X-Gatehouse-User-Id': '1', 'X-Gatehouse-Role': 'Admin' });
    assert.equal(res.status, 200, res.text);
    assertIdentity(arrived(upstream, path), site, 'jwt', site.tokenId);
  });

  test(`${name}: a server signature reaches the upstream as the signed user`, { skip }, async () => {
    const { base, site, upstream } = current();
    const path = unique('signature');
    const res = await get(base, path, { 'X-Deki-Token': site.signature(), 'X-Gatehouse-User-Id': '1' });
    assert.equal(res.status, 200, res.text);
    assertIdentity(arrived(upstream, path), site, 'server-signature', site.tokenId);
  });

  test(`${name}: a session cookie reaches the upstream as its user, other cookies intact`, { skip }, async () => {
    const { base, site, upstream } = current();
    const path = unique('session');
    const res = await get(base, path, { Cookie: `theme=dark; authtoken=${site.readerSession}; lang=en`, 'X-Gatehouse-User-Id': '1' });
    assert.equal(res.status, 200, res.text);
    const r = arrived(upstream, path);
    assertIdentity(r, site, 'session', undefined);
    assert.equal(r.headers.cookie, 'theme=dark; lang=en');
  });

  test(`${name}: an OAuth access token reaches the upstream as the user who approved the app (unseated: the scope is profile)`, { skip }, async () => {
    const { base, site, upstream } = current();
    const path = unique('oauth');
    const res = await get(base, path, { Authorization: `Bearer ${site.oauthAccessToken}`, 'X-Gatehouse-User-Id': '1' });
    assert.equal(res.status, 200, res.text);
    assertIdentity(arrived(upstream, path), site, 'oauth', site.oauthAppId, 'false');
  });

  test(`${name}: a deleted token is refused on the very next request`, { skip }, async () => {
    const { base, site, upstream } = current();
    const token = await site.disposableJwt();
    assert.equal((await get(base, unique('before-delete'), { Authorization: token.authorization })).status, 200);
    await site.deleteToken(token.id);
    const path = unique('after-delete');
    const res = await get(base, path, { Authorization: token.authorization });
    assert.equal(res.status, 403);
    assert.match(res.text, new RegExp(errors.JWT_INVALID[1]));
    assert.equal(res.code, 'JWT_INVALID');
    assert.equal(
      upstream.requests.find((r) => r.url === path),
      undefined,
    );
  });

  test(`${name}: require=admin refuses a seated non-admin with 403 and the API's message, and lets an admin in`, { skip }, async () => {
    const { base, site, upstream } = current();
    const refused = await get(base, '/admin/reports?x=1', { Authorization: site.jwt });
    assert.equal(refused.status, 403);
    assert.ok(refused.text.includes(errors.ADMIN_REQUIRED[1]), refused.text);
    assert.equal(refused.code, 'ADMIN_REQUIRED');
    assert.equal(
      upstream.requests.find((r) => r.url === '/admin/reports?x=1'),
      undefined,
    );
    const admitted = await get(base, '/admin/reports?x=2', { Cookie: `authtoken=${site.admin}` });
    assert.equal(admitted.status, 200, admitted.text);
    assert.equal(arrived(upstream, '/admin/reports?x=2').headers['x-gatehouse-role'], 'Admin');
  });

  test(`${name}: no credential gives 401 with the message, and nothing reaches the upstream`, { skip }, async () => {
    const { base, upstream } = current();
    const path = unique('anonymous');
    const res = await get(base, path, { 'X-Gatehouse-User-Id': '1' });
    assert.equal(res.status, 401);
    assert.ok(res.text.includes(errors.CREDENTIAL_REQUIRED[1]), res.text);
    assert.equal(res.code, 'CREDENTIAL_REQUIRED');
    assert.equal(
      upstream.requests.find((r) => r.url === path),
      undefined,
    );
  });
}
