/**
 * Every row of the seed's troubleshooting table, through HTTP, with the exact
 * messages: revoked → `invalid json web token`; tampered → same; bound user deactivated or unseated
 * → `invalid user requesting`; reactivated → works; malformed or truncated → `Unable to parse JWT
 * token`; no `Bearer ` prefix → a clear 403 naming the missing prefix.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { bearer, call, createUser, type Response, setUser } from './helpers/http.js';

let server: TestServer;
let admin: string;

before(async () => {
  ({ server, admin } = await startSite());
});
after(() => server.close());

async function tokenWithJwt(userId: number): Promise<{ id: string; jwt: string }> {
  const res = await call(server.url, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { ...bearer(admin), 'Content-Type': 'application/xml' },
    body: `<developer-token type="server"><name>troubleshooting ${userId}</name><restricted-by-user-id>${userId}</restricted-by-user-id></developer-token>`,
  });
  assert.equal(res.status, 200, res.text);
  return { id: res.json['@id'] as string, jwt: (res.json.authorization as string).slice('Bearer '.length) };
}

function assertForbidden(res: Response, message: string): void {
  assert.equal(res.status, 403, res.text);
  assert.deepEqual({ status: res.json.status, title: res.json.title, message: res.json.message }, { status: '403', title: 'Forbidden', message });
}

const current = (headers: Record<string, string>) => call(server.url, '/@api/deki/users/current', { headers });
const homePage = (headers: Record<string, string>) => call(server.url, '/@api/deki/pages/home/contents', { headers });

describe('403 invalid json web token', () => {
  test('the server token was revoked after the JWT was issued', async () => {
    const userId = await createUser(server.url, admin, { username: 'revoked-bot' });
    const { id, jwt } = await tokenWithJwt(userId);
    assert.equal((await homePage(bearer(jwt))).status, 200);
    const del = await call(server.url, `/@api/deki/site/developer-tokens/${id}`, { method: 'DELETE', headers: bearer(admin) });
    assert.equal(del.status, 200);
    assertForbidden(await homePage(bearer(jwt)), 'invalid json web token');
    assertForbidden(await current(bearer(jwt)), 'invalid json web token');
  });

  test('the JWT was tampered with: claims, signature or header changed', async () => {
    const userId = await createUser(server.url, admin, { username: 'tamper-bot' });
    const { jwt } = await tokenWithJwt(userId);
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = (c: Record<string, unknown>) => `${header}.${Buffer.from(JSON.stringify(c)).toString('base64url')}.${signature}`;
    const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
    const hs256Header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: JSON.parse(Buffer.from(header, 'base64url').toString()).kid, typ: 'JWT' })).toString(
      'base64url',
    );
    for (const bad of [
      forged({ ...claims, exp: Number(claims.exp) + 1 }),
      forged({ ...claims, sub: '0'.repeat(64) }),
      forged({ ...claims, aud: 'auth-service-Browser' }),
      `${header}.${payload}.${flipped}`,
      `${hs256Header}.${payload}.${signature}`,
      `${header}.${payload}.`,
    ]) {
      assertForbidden(await homePage(bearer(bad)), 'invalid json web token');
    }
  });

  test('a JWT whose kid names no token', async () => {
    const userId = await createUser(server.url, admin, { username: 'kid-bot' });
    const { jwt } = await tokenWithJwt(userId);
    const [, payload, signature] = jwt.split('.') as [string, string, string];
    const header = Buffer.from(JSON.stringify({ alg: 'HS512', kid: '999999', typ: 'JWT' })).toString('base64url');
    assertForbidden(await current(bearer(`${header}.${payload}.${signature}`)), 'invalid json web token');
  });
});

describe('403 invalid user requesting', () => {
  test('the bound user was deactivated, then reactivated', async () => {
    const userId = await createUser(server.url, admin, { username: 'inactive-bot' });
    const { jwt } = await tokenWithJwt(userId);
    assert.equal((await setUser(server.url, admin, userId, { status: 'inactive' })).status, 200);
    assertForbidden(await homePage(bearer(jwt)), 'invalid user requesting');
    assert.equal((await setUser(server.url, admin, userId, { status: 'active' })).status, 200);
    const me = await current(bearer(jwt));
    assert.equal(me.status, 200);
    assert.equal(me.json['@id'], String(userId));
  });

  test('the bound user lost the licence seat, then got it back', async () => {
    const userId = await createUser(server.url, admin, { username: 'seatless-bot' });
    const { jwt } = await tokenWithJwt(userId);
    assert.equal((await setUser(server.url, admin, userId, { 'license.seat': 'false' })).status, 200);
    assertForbidden(await homePage(bearer(jwt)), 'invalid user requesting');
    assert.equal((await setUser(server.url, admin, userId, { 'license.seat': 'true' })).status, 200);
    assert.equal((await homePage(bearer(jwt))).status, 200);
  });

  test('changing the token restriction later does not move the JWT to another user', async () => {
    const first = await createUser(server.url, admin, { username: 'first-bound' });
    const second = await createUser(server.url, admin, { username: 'second-bound' });
    const { id, jwt } = await tokenWithJwt(first);
    const put = await call(server.url, `/@api/deki/site/developer-tokens/${id}`, {
      method: 'PUT',
      headers: { ...bearer(admin), 'Content-Type': 'application/json' },
      body: JSON.stringify({ 'restricted-by-user-id': String(second) }),
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json['restricted-by-user-id'], String(second));
    assert.equal((await current(bearer(jwt))).json['@id'], String(first));
  });
});

describe('403 Unable to parse JWT token', () => {
  test('malformed or truncated bearer values', async () => {
    const userId = await createUser(server.url, admin, { username: 'parse-bot' });
    const { jwt } = await tokenWithJwt(userId);
    const [header, payload] = jwt.split('.') as [string, string, string];
    const noKid = `${Buffer.from('{"alg":"HS512","typ":"JWT"}').toString('base64url')}.${payload}.sig`;
    for (const bad of [
      jwt.slice(0, jwt.lastIndexOf('.')), // last part cut off
      jwt.slice(0, 40), // truncated inside the header
      `${header}.${payload}`, // two parts
      `${header}.${payload.slice(0, 10)}!!.${jwt.split('.')[2]}`, // not base64url
      `${jwt}.extra`,
      `${header}.bm90IGpzb24.${jwt.split('.')[2]}`, // claims not JSON
      noKid,
      'eyJhbGciOiJIUzUxMiJ9',
    ]) {
      assertForbidden(await homePage(bearer(bad)), 'Unable to parse JWT token');
    }
  });

  test('a JWT with a line break pasted into it', async () => {
    const userId = await createUser(server.url, admin, { username: 'linebreak-bot' });
    const { jwt } = await tokenWithJwt(userId);
    // fetch refuses a raw newline in a header; a space is what a folded header becomes.
    assertForbidden(await homePage({ Authorization: `Bearer ${jwt.slice(0, 50)} ${jwt.slice(50)}` }), 'Unable to parse JWT token');
  });
});

describe('JWT works in Postman, not in code', () => {
  test('the Authorization header without the Bearer prefix gets a clear 403', async () => {
    const userId = await createUser(server.url, admin, { username: 'prefix-bot' });
    const { jwt } = await tokenWithJwt(userId);
    assertForbidden(await homePage({ Authorization: jwt }), "Authorization header must be 'Bearer <token>'");
    // The XML form carries the same message.
    const xml = await call(server.url, '/@api/deki/pages/home/contents', { headers: { Authorization: jwt }, json: false });
    assert.match(
      xml.text,
      /^<error><status>403<\/status><title>Forbidden<\/title><message>Authorization header must be 'Bearer &lt;token&gt;'<\/message><uri>http:\/\/localhost:\d+\/@api\/deki\/pages\/home\/contents<\/uri><\/error>$/,
    );
    // With the prefix, lower-case scheme included, it works.
    assert.equal((await homePage({ Authorization: `bearer ${jwt}` })).status, 200);
  });
});
