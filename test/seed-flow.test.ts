/**
 * The seed document's flow, word for word, against a real listening server:
 * sign in as admin with Basic → POST the seed's XML body with the authtoken cookie → the seed's
 * JSON fields → the JWT decodes to the documented claims → the JWT reads pages/home/contents and users/current.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { bearer, call, createUser } from './helpers/http.js';

let server: TestServer;
let admin: string;

before(async () => {
  ({ server, admin } = await startSite());
});
after(() => server.close());

test('the seed: create a server token restricted to a user with XML and the cookie, then use its JWT', async () => {
  const userId = await createUser(server.url, admin, { username: 'zendesk-bot', role: 'Viewer' });
  const created = await call(server.url, '/@api/deki/site/developer-tokens?dream.out.format=json', {
    method: 'POST',
    // As the official Python example sends it: XML, the cookie, no XHR header.
    headers: { 'Content-Type': 'application/xml', Cookie: `authtoken=${admin}` },
    body: `<developer-token type='server'><name>foo</name><restricted-by-user-id>${userId}</restricted-by-user-id></developer-token>`,
  });
  assert.equal(created.status, 200, created.text);
  assert.match(created.headers.get('content-type') ?? '', /^application\/json/);
  const doc = created.json;
  assert.deepEqual(Object.keys(doc), ['@id', '@type', '@date', '@href', 'authorization', 'key', 'name', 'restricted-by-user-id', 'secret']);
  for (const value of Object.values(doc)) assert.equal(typeof value, 'string');
  assert.match(doc['@id'] as string, /^\d+$/);
  assert.equal(doc['@type'], 'server');
  assert.match(doc['@date'] as string, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  assert.equal(doc['@href'], `${server.url}/@api/deki/site/developer-tokens/${doc['@id']}`);
  assert.equal(doc.name, 'foo');
  assert.equal(doc['restricted-by-user-id'], String(userId));
  assert.match(doc.key as string, /^[0-9a-f]{64}$/);
  assert.match(doc.secret as string, /^[0-9a-f]{64}$/);
  assert.notEqual(doc.key, doc.secret);
  assert.match(doc.authorization as string, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);

  const jwt = (doc.authorization as string).slice('Bearer '.length);
  assert.deepEqual(decodeProtectedHeader(jwt), { alg: 'HS512', kid: doc['@id'], typ: 'JWT' });
  const claims = decodeJwt(jwt);
  const iat = Math.floor(Date.parse(doc['@date'] as string) / 1000);
  const tenYears = new Date(iat * 1000);
  tenYears.setUTCFullYear(tenYears.getUTCFullYear() + 10);
  assert.deepEqual(claims, {
    sub: doc.key,
    aud: 'auth-service-Server',
    exp: tenYears.getTime() / 1000,
    iss: `${server.url}/`,
    iat,
    nbf: iat - 1,
  });

  const page = await call(server.url, '/@api/deki/pages/home/contents', { headers: bearer(jwt) });
  assert.equal(page.status, 200, page.text);
  assert.equal(page.json['@type'], 'text/html');
  assert.match(page.json.body as string, /Welcome/);

  const me = await call(server.url, '/@api/deki/users/current', { headers: bearer(jwt) });
  assert.equal(me.status, 200);
  assert.equal(me.json['@id'], String(userId));
  assert.equal(me.json.username, 'zendesk-bot');
});

test('the XML form of the create response carries the same fields', async () => {
  const res = await call(server.url, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    json: false,
    headers: { 'Content-Type': 'application/xml', ...bearer(admin) },
    body: '<developer-token type="server"><name>xml please</name></developer-token>',
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/xml; charset=utf-8/);
  assert.match(
    res.text,
    /^<developer-token id="\d+" type="server" date="[^"]+" href="[^"]+"><key>[0-9a-f]{64}<\/key><name>xml please<\/name><secret>[0-9a-f]{64}<\/secret><\/developer-token>$/,
  );
});

test('a server token created with generate-jwt and no restriction binds the JWT to the creating admin', async () => {
  const res = await call(server.url, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...bearer(admin) },
    body: JSON.stringify({ '@type': 'server', name: 'admin jwt', 'generate-jwt': 'true' }),
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json['restricted-by-user-id'], undefined);
  const jwt = (res.json.authorization as string).slice(7);
  const me = await call(server.url, '/@api/deki/users/current', { headers: bearer(jwt) });
  assert.equal(me.json['@id'], '1');
});

test('the secret and JWT never appear again: not in the list, not in GET one', async () => {
  const res = await call(server.url, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...bearer(admin) },
    body: JSON.stringify({ '@type': 'server', name: 'hidden', 'generate-jwt': 'true' }),
  });
  const { secret, authorization } = res.json as { secret: string; authorization: string };
  const list = await call(server.url, '/@api/deki/site/developer-tokens', { headers: bearer(admin) });
  const one = await call(server.url, `/@api/deki/site/developer-tokens/${res.json['@id']}`, { headers: bearer(admin) });
  for (const r of [list, one]) {
    assert.equal(r.status, 200);
    assert.ok(!r.text.includes(secret));
    assert.ok(!r.text.includes(authorization.slice(7)));
    assert.ok(!/"secret"|"authorization"|<secret|<authorization/.test(r.text));
  }
  assert.equal(one.json.name, 'hidden');
  assert.deepEqual(one.json.jwt, { '@issued': 'true', '@user-id': '1', '@user-seat': 'true', '@user-status': 'active' });
});
