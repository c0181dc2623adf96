/**
 * Every error answer names its registry code in `X-Gatehouse-Error`, whichever way it left (an API
 * route, a failed credential, an unknown path, an OAuth endpoint), and the two clients the project
 * ships, the dashboard (`web/messages.ts`) and the SDK (`client/`), recognise errors by that code
 * and not by message text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GatehouseClient, GatehouseError } from '../client/index.js';
import { DekiError } from '../src/errors.js';
import { ApiError } from '../web/messages.js';
import type { TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { basic, bearer, call } from './helpers/http.js';

let server: TestServer;
let admin: string;

before(async () => {
  ({ server, admin } = await startSite());
});
after(() => server.close());

describe('the code header', () => {
  const cases: { name: string; path: string; method?: string; headers: Record<string, string>; status: number; code: string }[] = [
    { name: 'a forged JWT', path: '/@api/deki/users/current', headers: bearer('eyJhbGciOiJIUzUxMiJ9.e30.x'), status: 403, code: 'JWT_UNPARSEABLE' },
    { name: 'an admin route as Anonymous', path: '/@api/deki/site/developer-tokens', headers: {}, status: 403, code: 'ADMIN_REQUIRED' },
    { name: 'an unknown path', path: '/@api/deki/no-such-thing', headers: {}, status: 404, code: 'NOT_FOUND' },
    { name: 'an unknown identity provider', path: '/@app/auth/7/token/access.json', method: 'POST', headers: {}, status: 404, code: 'OAUTH_AUTH_ID_UNKNOWN' },
    {
      name: 'an unknown OAuth client',
      path: '/@app/auth/1/token/access.json',
      method: 'POST',
      headers: { Authorization: basic('nobody', 'nothing'), 'Content-Type': 'application/x-www-form-urlencoded' },
      status: 401,
      code: 'OAUTH_CLIENT_INVALID',
    },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.status} ${c.code}`, async () => {
      const res = await call(server.url, c.path, {
        method: c.method ?? 'GET',
        headers: c.headers,
        body: c.method === 'POST' ? 'grant_type=client_credentials' : undefined,
      });
      assert.equal(res.status, c.status, res.text);
      assert.equal(res.headers.get('x-gatehouse-error'), c.code);
    });
  }

  test('a success carries no error code', async () => {
    const res = await call(server.url, '/@api/deki/users/current', { headers: bearer(admin) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-gatehouse-error'), null);
  });
});

describe('the SDK', () => {
  test('GatehouseError carries the code and the server message', async () => {
    const api = new GatehouseClient({ siteUrl: server.url, credential: { jwt: 'eyJhbGciOiJIUzUxMiJ9.e30.x' } });
    const err = await api.currentUser().then(
      () => assert.fail('a forged JWT was accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GatehouseError);
    assert.equal(err.status, 403);
    assert.equal(err.code, 'JWT_UNPARSEABLE');
    assert.equal(err.message, 'Unable to parse JWT token');
  });
});

describe('the dashboard', () => {
  test('words come from the code, and the message only fills in the detail', async () => {
    const refused = await ApiError.fromResponse(
      new Response(JSON.stringify({ status: '400', message: new DekiError('TOKEN_HOST_INVALID', 'a..b').message }), {
        status: 400,
        headers: { 'X-Gatehouse-Error': 'TOKEN_HOST_INVALID' },
      }),
    );
    assert.equal(refused.code, 'TOKEN_HOST_INVALID');
    assert.equal(refused.field, 'host');
    assert.match(refused.message, /^“a\.\.b” is not a valid host pattern/);
  });

  test('a message that merely reads like a known one is not taken for it', async () => {
    const proxied = await ApiError.fromResponse(new Response(JSON.stringify({ message: 'API token allowance reached' }), { status: 403 }));
    assert.equal(proxied.code, undefined);
    assert.equal(proxied.message, 'API token allowance reached.');
  });
});
