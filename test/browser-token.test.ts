/**
 * Browser tokens: the key admits cross-origin requests from matching origins only, adds
 * CORS headers, answers preflight, and leaves identity to the browser's session or Anonymous.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { originMatches, parseHostPatterns } from '../src/tokens/host-pattern.js';
import type { TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { bearer, call, cookieHeaders, createUser, setUser } from './helpers/http.js';

let server: TestServer;
let admin: string;
let browserKey: string;

before(async () => {
  ({ server, admin } = await startSite());
  const res = await call(server.url, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { ...bearer(admin), 'Content-Type': 'application/xml' },
    body: '<developer-token type="browser"><name>widget</name><host>*.example.com, crm.example.org</host></developer-token>',
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.secret, undefined, 'browser tokens have no secret');
  assert.equal(res.json.host, '*.example.com,crm.example.org');
  browserKey = res.json.key as string;
});
after(() => server.close());

describe('host patterns', () => {
  const matches = (patterns: string[], origin: string) => originMatches(patterns, new URL(origin));

  test('* matches one or more labels, never the bare domain', () => {
    const patterns = ['*.example.com', 'crm.example.org'];
    for (const host of ['a.example.com', 'a.b.example.com', 'CRM.example.org']) assert.ok(matches(patterns, `https://${host}`), host);
    for (const host of ['example.com', 'badexample.com', 'example.com.evil.net', 'x.crm.example.org']) assert.ok(!matches(patterns, `https://${host}`), host);
  });

  test('a pattern without scheme or port matches the hostname on any scheme and port', () => {
    for (const origin of ['http://app.example.com', 'https://app.example.com', 'https://app.example.com:8443', 'http://app.example.com:3000']) {
      assert.ok(matches(['app.example.com'], origin), origin);
    }
  });

  test('a scheme or a port in a pattern must match too; a scheme alone means its default port', () => {
    const exact = ['https://app.example.com:8443'];
    assert.ok(matches(exact, 'https://app.example.com:8443'));
    for (const origin of ['http://app.example.com:8443', 'https://app.example.com', 'https://app.example.com:9999', 'https://other.example.com:8443']) {
      assert.ok(!matches(exact, origin), origin);
    }
    assert.ok(matches(['https://*.example.com'], 'https://a.b.example.com'));
    assert.ok(!matches(['https://*.example.com'], 'http://a.example.com'));
    assert.ok(!matches(['https://*.example.com'], 'https://a.example.com:8443'));
    assert.ok(matches(['app.example.com:8443'], 'http://app.example.com:8443'));
    assert.ok(!matches(['app.example.com:8443'], 'https://app.example.com'));
  });

  test('invalid patterns are named', () => {
    for (const bad of [
      'ftp://a.example.com',
      'https://a.example.com/',
      'https://a.example.com/app',
      'a.example.com:0',
      'a.example.com:65536',
      'a.example.com:',
      '*',
      '*.com',
      'https://*.com',
      'a..b',
      'foo/bar',
      '-a.example.com',
      'a.*.example.com',
      'https://user@a.example.com',
    ]) {
      assert.deepEqual(parseHostPatterns(bad), { invalid: bad }, bad);
    }
    assert.deepEqual(parseHostPatterns(' A.example.com ,, localhost,127.0.0.1'), { patterns: ['a.example.com', 'localhost', '127.0.0.1'] });
    assert.deepEqual(parseHostPatterns('HTTPS://App.Example.com:443, https://app.example.com, localhost:8080'), {
      patterns: ['https://app.example.com', 'localhost:8080'],
    });
  });
});

describe('requests with a browser key', () => {
  const withKey = (origin: string | undefined, headers: Record<string, string> = {}, opts: { method?: string; body?: string; path?: string } = {}) =>
    call(server.url, opts.path ?? '/@api/deki/users/current', {
      method: opts.method,
      body: opts.body,
      headers: { 'X-Deki-Token': browserKey, ...(origin ? { Origin: origin } : {}), ...headers },
    });

  test('a matching origin gets CORS headers and acts as Anonymous without a session', async () => {
    const res = await withKey('https://app.example.com');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    assert.match(res.headers.get('vary') ?? '', /Origin/);
    assert.equal(res.json.username, 'Anonymous');
  });

  test("identity is the browser's session cookie", async () => {
    const res = await withKey('http://crm.example.org:3000', { Cookie: `authtoken=${admin}` });
    assert.equal(res.status, 200);
    assert.equal(res.json.username, 'admin');
  });

  test("with an admin's cookie, a browser key reaches no admin route; what a widget needs keeps working", async () => {
    const BROWSER_NOT_ADMIN = 'a request made with a browser token cannot manage tokens, users, keys or the audit log';
    const json = { 'Content-Type': 'application/json' };
    const before = (await call(server.url, '/@api/deki/site/developer-tokens', { headers: bearer(admin) })).json['@count'];
    const attempts: [string, string, string | undefined][] = [
      ['POST', '/@api/deki/site/developer-tokens', JSON.stringify({ '@type': 'server', name: 'stolen', 'generate-jwt': 'true' })],
      ['GET', '/@api/deki/site/developer-tokens', undefined],
      ['GET', '/@api/deki/site/developer-tokens/1', undefined],
      ['DELETE', '/@api/deki/site/developer-tokens/1', undefined],
      ['GET', '/@api/deki/users', undefined],
      ['POST', '/@api/deki/users', JSON.stringify({ username: 'planted', 'license.seat': 'true', 'permissions.user': { role: 'Admin' } })],
      ['PUT', '/@api/deki/users/1', JSON.stringify({ email: 'attacker@evil.net' })],
      ['GET', '/@api/deki/site/audit', undefined],
    ];
    for (const [method, path, body] of attempts) {
      const res = await withKey('https://docs.example.com', { Cookie: `authtoken=${admin}`, ...json }, { method, body, path });
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
      assert.equal(res.json.message, BROWSER_NOT_ADMIN, `${method} ${path}`);
    }
    assert.equal((await call(server.url, '/@api/deki/site/developer-tokens', { headers: bearer(admin) })).json['@count'], before, 'no token was made');
    assert.equal((await call(server.url, '/@api/deki/users/=planted', { headers: bearer(admin) })).status, 404);
    // The widget still acts as the visitor, but not with their admin powers: no other user's email.
    const me = await withKey('https://docs.example.com', { Cookie: `authtoken=${admin}` });
    assert.equal(me.json.username, 'admin');
    const readerId = await createUser(server.url, admin, { username: 'widget-reader' });
    assert.equal((await setUser(server.url, admin, readerId, { email: 'reader@example.com' })).status, 200);
    assert.equal((await call(server.url, `/@api/deki/users/${readerId}`, { headers: bearer(admin) })).json.email, 'reader@example.com');
    const other = await withKey('https://docs.example.com', { Cookie: `authtoken=${admin}` }, { path: `/@api/deki/users/${readerId}` });
    assert.equal(other.status, 200, other.text);
    assert.equal(other.json.username, 'widget-reader');
    assert.equal(other.json.email, undefined);
    // Without the browser key, the same admin session manages the site as before.
    assert.equal((await call(server.url, '/@api/deki/site/audit', { headers: cookieHeaders(admin) })).status, 200);
  });

  test('a foreign or missing Origin is refused', async () => {
    for (const origin of ['https://example.com', 'https://evil.net', 'null', undefined]) {
      const res = await withKey(origin);
      assert.equal(res.status, 403, String(origin));
      assert.equal(res.json.message, 'browser token is not allowed from this origin');
      assert.equal(res.headers.get('access-control-allow-origin'), null);
    }
  });

  test('the site itself may use its browser token', async () => {
    assert.equal((await withKey(server.url)).status, 200);
  });

  test('the key stops working when the token is deleted', async () => {
    const res = await call(server.url, '/@api/deki/site/developer-tokens', {
      method: 'POST',
      headers: { ...bearer(admin), 'Content-Type': 'application/json' },
      body: JSON.stringify({ '@type': 'browser', name: 'short-lived', host: 'short.example.net' }),
    });
    const key = res.json.key as string;
    const ok = await call(server.url, '/@api/deki/pages/home/info', { headers: { 'X-Deki-Token': key, Origin: 'https://short.example.net' } });
    assert.equal(ok.status, 200);
    await call(server.url, `/@api/deki/site/developer-tokens/${res.json['@id']}`, { method: 'DELETE', headers: bearer(admin) });
    const gone = await call(server.url, '/@api/deki/pages/home/info', { headers: { 'X-Deki-Token': key, Origin: 'https://short.example.net' } });
    assert.equal(gone.status, 403);
    assert.equal(gone.json.message, 'invalid server token signature');
  });
});

describe('preflight', () => {
  const preflight = (origin: string, requested = 'x-deki-token,content-type') =>
    fetch(`${server.url}/@api/deki/users/current`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': requested },
    });

  test('a matching origin gets 204 with the allowed methods and headers', async () => {
    const res = await preflight('https://deep.app.example.com');
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://deep.app.example.com');
    assert.equal(res.headers.get('access-control-allow-methods'), 'GET, POST, PUT, DELETE');
    assert.equal(res.headers.get('access-control-allow-headers'), 'X-Deki-Token, Content-Type, X-Requested-With, X-Deki-Requested-With, Authorization');
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
  });

  test('a foreign origin, or a preflight not asking for X-Deki-Token, is refused', async () => {
    assert.equal((await preflight('https://evil.net')).status, 403);
    assert.equal((await preflight('https://app.example.com', 'content-type')).status, 403);
  });
});

describe('creating browser tokens', () => {
  const create = (body: Record<string, string>) =>
    call(server.url, '/@api/deki/site/developer-tokens', {
      method: 'POST',
      headers: { ...bearer(admin), 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  test('host is required and validated; restriction and JWT are server-only', async () => {
    const noHost = await create({ '@type': 'browser', name: 'x' });
    assert.equal(noHost.status, 400);
    assert.match(noHost.json.message as string, /^host is required/);
    const badHost = await create({ '@type': 'browser', name: 'x', host: 'https://x.example.com/app' });
    assert.equal(badHost.status, 400);
    assert.equal(
      badHost.json.message,
      "host pattern 'https://x.example.com/app' is not valid: use hostnames such as crm.example.com or *.example.com, optionally with a scheme and port (https://app.example.com:8443)",
    );
    const restricted = await create({ '@type': 'browser', name: 'x', host: 'a.example.com', 'restricted-by-user-id': '1' });
    assert.equal(restricted.status, 400);
    assert.equal(restricted.json.message, 'restricted-by-user-id is only allowed on server tokens');
    const serverHost = await create({ '@type': 'server', name: 'x', host: 'a.example.com' });
    assert.equal(serverHost.status, 400);
    assert.equal(serverHost.json.message, 'host is only allowed on browser and oauth tokens');
  });
});

test('the browser key is checked whatever the credential: with a JWT too, CORS headers come back', async () => {
  const res = await call(server.url, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { ...bearer(admin), 'Content-Type': 'application/json' },
    body: JSON.stringify({ '@type': 'server', name: 'spa jwt', 'generate-jwt': 'true' }),
  });
  const jwt = (res.json.authorization as string).slice(7);
  const ok = await call(server.url, '/@api/deki/users/current', { headers: { ...bearer(jwt), 'X-Deki-Token': browserKey, Origin: 'https://spa.example.com' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.username, 'admin');
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://spa.example.com');
  const foreign = await call(server.url, '/@api/deki/users/current', { headers: { ...bearer(jwt), 'X-Deki-Token': browserKey, Origin: 'https://evil.net' } });
  assert.equal(foreign.status, 403);
  assert.equal(foreign.json.message, 'browser token is not allowed from this origin');
});
