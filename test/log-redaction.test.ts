/**
 * No credential reaches a log. One server logs at trace level while it is driven
 * through every way a credential travels — Basic, Bearer JWT and authtoken, X-Deki-Token, the cookie,
 * `x-deki-token` and `accountpassword` in the query (also with percent-encoded names), OAuth forms —
 * succeeding and failing; then its log is scanned for everything the requests and responses carried.
 * `npm test` runs the same scan over the logs of every test server of the run (scripts/scan-test-logs.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { signServerToken } from '../client/sign.js';
import { ADMIN_PASSWORD, startServer, tempDir, type TestServer } from './helpers/server.js';
import { basic, bearer, call, cookieHeaders, createToken, createUser, setUser, signIn } from './helpers/http.js';
import { type Credential, watchCredentials } from './helpers/log-capture.js';
import { scanLogs } from './helpers/log-scan.js';

let server: TestServer;
let log: string;
const seen: Credential[] = [];
let stopWatching: () => void;

const USER_PASSWORD = 'violet-staple-orbit-42';
const NEW_PASSWORD = 'amber-lantern-quiet-77';

before(async () => {
  stopWatching = watchCredentials((c) => seen.push(...c));
  server = await startServer({
    logFile: path.join(tempDir('gatehouse-log-'), 'server.log'),
    env: { GATEHOUSE_LOG_LEVEL: 'trace', GATEHOUSE_REDIRECT_HOSTS: 'app.example' },
  });
  const url = server.url;
  const admin = await signIn(url, 'admin', ADMIN_PASSWORD);

  // Users and passwords, in the query of POST and PUT.
  const userId = await createUser(url, admin, { username: 'log-user', password: USER_PASSWORD, role: 'Author' });
  await signIn(url, 'log-user', USER_PASSWORD);
  await call(url, `/@api/deki/users/${userId}?accountpassword=${encodeURIComponent(NEW_PASSWORD)}`, {
    method: 'PUT',
    headers: { ...bearer(admin), 'Content-Type': 'application/json' },
    body: '{}',
  });
  const user = await signIn(url, 'log-user', NEW_PASSWORD);

  // Tokens of every type; each credential used once successfully.
  const withJwt = await createToken(url, admin, { '@type': 'server', name: 'log jwt', 'generate-jwt': 'true' });
  const server2 = await createToken(url, admin, { '@type': 'server', name: 'log signature', 'restricted-by-user-id': String(userId) });
  const browser = await createToken(url, admin, { '@type': 'browser', name: 'log browser', host: 'app.example' });
  const oauth = await createToken(url, admin, { '@type': 'oauth', name: 'log oauth', host: 'app.example' });
  const xmlCreated = await call(url, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { ...bearer(admin), 'Content-Type': 'application/xml' },
    body: '<developer-token type="server"><name>log xml</name><generate-jwt>true</generate-jwt></developer-token>',
    json: false,
  });
  assert.equal(xmlCreated.status, 200);
  const jwt = withJwt.authorization!.slice('Bearer '.length);
  const sign = (user: string, opts: { secret?: string; epoch?: number } = {}) =>
    signServerToken({ key: withJwt.key!, secret: opts.secret ?? withJwt.secret!, user, epoch: opts.epoch });

  const ok = async (p: Promise<{ status: number; text: string }>, status = 200) => {
    const res = await p;
    assert.equal(res.status, status, res.text);
  };
  await ok(call(url, '/@api/deki/users/current', { headers: bearer(jwt) }));
  await ok(call(url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': sign('=admin') } }));
  await ok(
    call(url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': signServerToken({ key: server2.key!, secret: server2.secret!, user: userId }) } }),
  );
  await ok(call(url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': browser.key!, Origin: 'https://app.example' } }));
  await ok(call(url, '/@api/deki/users/current', { headers: { Cookie: `authtoken=${user}` } }));
  await ok(call(url, '/@api/deki/users/current', { headers: bearer(user) }));
  await ok(call(url, `/@api/deki/users/authenticate?x-deki-token=${encodeURIComponent(sign('=admin'))}`, { json: false }));
  await ok(
    call(url, `/@api/deki/users/authenticate?x-deki-token=${encodeURIComponent(sign('=sso-person'))}&redirect=${encodeURIComponent('https://app.example/x')}`, {
      json: false,
    }),
    302,
  );
  await ok(call(url, '/@api/deki/pages/=log-page/contents', { method: 'POST', headers: { ...bearer(user), 'Content-Type': 'text/html' }, body: '<p>hi</p>' }));

  // The same credentials failing, and credentials where they should not be.
  const failures: [string, Record<string, string>][] = [
    ['/@api/deki/users/authenticate', { Authorization: basic('admin', 'not-the-password-at-all') }],
    ['/@api/deki/users/authenticate', { Authorization: basic('log-user', USER_PASSWORD) }], // the old password
    ['/@api/deki/users/current', { 'X-Deki-Token': sign('=admin', { secret: 'f'.repeat(64) }) }],
    ['/@api/deki/users/current', { 'X-Deki-Token': sign('=admin', { epoch: Math.floor(Date.now() / 1000) - 3600 }) }],
    ['/@api/deki/users/current', { 'X-Deki-Token': signServerToken({ key: server2.key!, secret: server2.secret!, user: '=admin' }) }],
    ['/@api/deki/users/current', { Authorization: jwt }], // the seed's missing "Bearer "
    ['/@api/deki/users/current', { 'X-Deki-Token': browser.key!, Origin: 'https://evil.example' }],
    ['/@api/deki/site/developer-tokens', { Cookie: `authtoken=${user}` }],
    ['/@api/deki/site/developer-tokens', { ...bearer(user) }],
  ];
  for (const [p, headers] of failures) {
    const res = await call(url, p, { headers });
    assert.ok(res.status >= 400, `${p} fails: ${res.status}`);
  }
  // Signatures and passwords in the query, under names the query parser decodes (`%2D` is `-`).
  const sig = encodeURIComponent(sign('=admin'));
  for (const q of [
    `x-deki-token=${sig}`,
    `x%2Ddeki%2Dtoken=${sig}`,
    `X-DEKI-TOKEN=${sig}`,
    `x-deki-token=${encodeURIComponent(sign('=admin', { secret: 'e'.repeat(64) }))}`,
  ]) {
    await call(url, `/@api/deki/users/authenticate?${q}`, { json: false });
  }
  await call(url, `/@api/deki/users/current?authtoken=${user}&accountpassword=${encodeURIComponent(NEW_PASSWORD)}`, { json: false });
  await call(url, `/@api/deki/users/${userId}?account%70assword=${encodeURIComponent('teal-harbor-vivid-19')}`, {
    method: 'PUT',
    headers: { ...bearer(admin), 'Content-Type': 'application/json' },
    body: '{}',
    json: false,
  });

  // OAuth: the client secret in a form, in Basic, and (wrongly) in the query; a made-up code and user code.
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    json: false,
  });
  const code = 'c0de'.repeat(8);
  await call(
    url,
    '/@app/auth/1/token/access.json',
    form({ grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/cb', client_id: oauth.key!, client_secret: oauth.secret! }),
  );
  await call(url, '/@app/auth/1/token/access.json', {
    ...form({ grant_type: 'refresh_token', refresh_token: 'r3fr'.repeat(8) }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic(oauth.key!, oauth.secret!) },
  });
  await call(url, `/@app/auth/1/token/access.json?client_id=${oauth.key!}&client_secret=${oauth.secret!}&code=${code}`, { method: 'POST', json: false });
  await call(url, `/@app/auth/1/token/device?user_code=${encodeURIComponent('QWRT-ZXCV')}`, { headers: { Cookie: `authtoken=${user}` }, json: false });

  // Sign-out and revocation, then the dead credentials again.
  await call(url, '/@api/deki/users/logout', { method: 'POST', headers: cookieHeaders(user) });
  await call(url, `/@api/deki/site/developer-tokens/${withJwt['@id']!}`, { method: 'DELETE', headers: bearer(admin) });
  for (const headers of [bearer(jwt), bearer(user), { Cookie: `authtoken=${user}` }, { 'X-Deki-Token': sign('=admin') }]) {
    await call(url, '/@api/deki/users/current', { headers });
  }
  await setUser(url, admin, userId, { status: 'inactive' });
  await server.close();
  log = fs.readFileSync(server.logFile!, 'utf8');
});
after(() => stopWatching?.());

test('the log is real: a trace-level line for every request, each with its request id', () => {
  assert.equal(server.config.logLevel, 'trace');
  const lines = log
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { reqId?: string; msg: string; req?: { url: string } });
  const incoming = lines.filter((l) => l.msg === 'incoming request');
  assert.ok(incoming.length >= 40, `${incoming.length} requests logged`);
  assert.ok(incoming.every((l) => typeof l.reqId === 'string' && l.reqId.length > 0));
});

test('the credentials to look for were all seen: passwords, JWTs, authtokens, secrets, signatures, OAuth', () => {
  const kinds = new Set(seen.map((c) => c.kind));
  for (const kind of [
    'password',
    'JWT signature',
    'authtoken',
    'secret',
    'signature hash',
    'OAuth client secret',
    'OAuth code',
    'OAuth refresh token',
    'OAuth user code',
  ]) {
    assert.ok(kinds.has(kind), `saw a ${kind}: ${[...kinds].join(', ')}`);
  }
  assert.ok(
    seen.some((c) => c.kind === 'password' && c.value === 'teal-harbor-vivid-19'),
    'the password sent under an encoded name',
  );
});

test('secret query values are logged as [redacted], whatever the case or encoding of their name', () => {
  const urls = log
    .split('\n')
    .filter((l) => l.includes('"incoming request"'))
    .map((l) => (JSON.parse(l) as { req: { url: string } }).req.url);
  const withSecrets = urls.filter((u) => /x-deki-token|x%2Ddeki%2Dtoken|accountpassword|account%70assword|authtoken=|client_secret|user_code|code=/i.test(u));
  assert.ok(withSecrets.length >= 10, `${withSecrets.length} URLs with secret parameters`);
  for (const u of withSecrets) {
    for (const [, name, value] of u.matchAll(/[?&]([^=&]+)=([^&]*)/g)) {
      if (/^(x-deki-token|x%2Ddeki%2Dtoken|accountpassword|account%70assword|authtoken|client_secret|user_code|code)$/i.test(name!)) {
        assert.equal(value, '[redacted]', `${name} in ${u}`);
      }
    }
  }
});

test('no password, JWT, authtoken, secret, signature or OAuth credential is in the log', () => {
  assert.deepEqual(scanLogs(new Map([['server.log', log]]), seen), []);
});

test('the scan finds a credential that is there: whole, cut short, percent-encoded', () => {
  const secret = seen.find((c) => c.kind === 'secret')!;
  const jwt = seen.find((c) => c.kind === 'JWT signature')!;
  const planted = [
    log,
    JSON.stringify({ msg: 'oops', jwt: `eyJhbGciOiJIUzUxMiJ9.e30.${jwt.value}` }),
    JSON.stringify({ msg: 'oops', secret: `${secret.value.slice(10, 30)}…` }),
    JSON.stringify({ msg: 'oops', url: `/x?p=${encodeURIComponent(NEW_PASSWORD)}` }),
  ].join('\n');
  const found = scanLogs(new Map([['planted.log', planted]]), seen);
  assert.deepEqual(
    found.map((f) => f.kind),
    ['JWT signature', 'secret', 'password'],
  );
  const lines = planted.split('\n').length;
  assert.deepEqual(
    found.map((f) => f.line),
    [lines - 2, lines - 1, lines],
  );
});
