/**
 * Sessions and sign-in: Basic and x-deki-token on users/authenticate, the authtoken as
 * cookie and as Bearer, sign-out, deactivation and password change, stale cookies, CSRF.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signServerToken } from '../client/sign.js';
import { ADMIN_PASSWORD, type TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { basic, bearer, call, cookieHeaders, createUser, setUser, signIn } from './helpers/http.js';

let server: TestServer;
let admin: string;
let key: string;
let secret: string;

before(async () => {
  ({ server, admin } = await startSite({ env: { GATEHOUSE_REDIRECT_HOSTS: '*.partner.example' } }));
  const res = await call(server.url, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { ...bearer(admin), 'Content-Type': 'application/json' },
    body: JSON.stringify({ '@type': 'server', name: 'sso' }),
  });
  key = res.json.key as string;
  secret = res.json.secret as string;
});
after(() => server.close());

const authenticate = (query: string, headers: Record<string, string> = {}) =>
  call(server.url, `/@api/deki/users/authenticate${query}`, { headers, json: false });

describe('users/authenticate with Basic', () => {
  test('sets an HttpOnly, SameSite=Lax authtoken cookie and returns the authtoken', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await call(server.url, '/@api/deki/users/authenticate', { method, headers: { Authorization: basic('admin', ADMIN_PASSWORD) }, json: false });
      assert.equal(res.status, 200);
      assert.match(res.text, /^1_[0-9a-f]{64}$/);
      const cookie = res.headers.get('set-cookie') ?? '';
      assert.match(cookie, new RegExp(`^authtoken=${res.text};`));
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /SameSite=Lax/i);
      assert.doesNotMatch(cookie, /Secure/); // the site URL is http here
    }
  });

  test('wrong password, unknown user, and no credentials are 401 with a message', async () => {
    for (const auth of [basic('admin', 'wrong'), basic('nobody', 'x'), basic('Anonymous', '')]) {
      const res = await call(server.url, '/@api/deki/users/authenticate', { headers: { Authorization: auth } });
      assert.equal(res.status, 401);
      assert.equal(res.json.message, 'invalid username or password');
    }
    const none = await call(server.url, '/@api/deki/users/authenticate');
    assert.equal(none.status, 401);
    assert.match(none.json.message as string, /authentication required/);
  });

  test('the authtoken works as a cookie and as Bearer; sign-out ends it', async () => {
    const token = await signIn(server.url, 'admin', ADMIN_PASSWORD);
    assert.equal((await call(server.url, '/@api/deki/users/current', { headers: { Cookie: `authtoken=${token}` } })).json.username, 'admin');
    assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(token) })).json.username, 'admin');
    const out = await call(server.url, '/@api/deki/users/logout', { method: 'POST', headers: bearer(token) });
    assert.equal(out.status, 200);
    const bearerAfter = await call(server.url, '/@api/deki/users/current', { headers: bearer(token) });
    assert.equal(bearerAfter.status, 403);
    assert.equal(bearerAfter.json.message, 'invalid authtoken');
  });

  test('a stale cookie is treated as absent (and cleared), a stale Bearer is refused', async () => {
    const stale = `1_${'0'.repeat(64)}`;
    const viaCookie = await call(server.url, '/@api/deki/pages/home/contents', { headers: { Cookie: `authtoken=${stale}` } });
    assert.equal(viaCookie.status, 200);
    assert.match(viaCookie.headers.get('set-cookie') ?? '', /^authtoken=;.*Expires=Thu, 01 Jan 1970/);
    const me = await call(server.url, '/@api/deki/users/current', { headers: { Cookie: `authtoken=${stale}` } });
    assert.equal(me.json.username, 'Anonymous');
    const viaBearer = await call(server.url, '/@api/deki/users/current', { headers: bearer(stale) });
    assert.equal(viaBearer.status, 403);
    assert.equal(viaBearer.json.message, 'invalid authtoken');
  });

  test('deactivation and a password change end every session of the user', async () => {
    const id = await createUser(server.url, admin, { username: 'session-user', password: 'first-password' });
    const one = await signIn(server.url, 'session-user', 'first-password');
    const two = await signIn(server.url, 'session-user', 'first-password');
    await call(server.url, `/@api/deki/users/${id}?accountpassword=second-password`, { method: 'PUT', headers: bearer(admin) });
    assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(one) })).status, 403);
    assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(two) })).status, 403);
    const three = await signIn(server.url, 'session-user', 'second-password');
    await setUser(server.url, admin, id, { status: 'inactive' });
    assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(three) })).status, 403);
    const refused = await call(server.url, '/@api/deki/users/authenticate', { headers: { Authorization: basic('session-user', 'second-password') } });
    assert.equal(refused.status, 403);
    assert.equal(refused.json.message, 'invalid user requesting');
  });
});

describe('users/authenticate with x-deki-token', () => {
  test('creates the named user on first sight (active, unseated, role None) and starts a session', async () => {
    const signature = signServerToken({ key, secret, user: '=new_sso_user' });
    const before = await call(server.url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': signature } });
    assert.equal(before.json.username, 'Anonymous');
    const res = await authenticate(`?x-deki-token=${encodeURIComponent(signature)}`);
    assert.equal(res.status, 200, res.text);
    const me = await call(server.url, '/@api/deki/users/current', { headers: { Cookie: `authtoken=${res.text}` } });
    assert.equal(me.json.username, 'new_sso_user');
    assert.equal(me.json.status, 'active');
    assert.deepEqual(me.json['license.seat'], { '@owner': 'false', '#text': 'false' });
    assert.deepEqual(me.json['permissions.user'], { role: 'None' });
    // The second time, the same user: no duplicate.
    const again = await authenticate(`?x-deki-token=${encodeURIComponent(signServerToken({ key, secret, user: '=new_sso_user' }))}`);
    assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(again.text) })).json['@id'], me.json['@id']);
  });

  test('a signed name with white space around it is the trimmed user: =admin%20, =%20admin and =ADMIN%09 sign in as admin, never a 500', async () => {
    const adminId = (await call(server.url, '/@api/deki/users/current', { headers: bearer(admin) })).json['@id'];
    for (const user of ['=admin%20', '=%20admin', '=ADMIN%09', '=%0Aadmin%0D']) {
      const signature = signServerToken({ key, secret, user, encodeUser: false });
      const res = await authenticate(`?x-deki-token=${encodeURIComponent(signature)}`);
      assert.equal(res.status, 200, `${user}: ${res.text}`);
      assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(res.text) })).json['@id'], adminId, user);
      const asHeader = await call(server.url, '/@api/deki/users/current', {
        headers: { 'X-Deki-Token': signServerToken({ key, secret, user, encodeUser: false }) },
      });
      assert.equal(asHeader.json.username, 'admin', `${user} in X-Deki-Token`);
    }
    // A new name with padding is created once, trimmed, and found again padded otherwise.
    const first = await authenticate(`?x-deki-token=${encodeURIComponent(signServerToken({ key, secret, user: '=%20padded_user%20', encodeUser: false }))}`);
    assert.equal(first.status, 200, first.text);
    const created = await call(server.url, '/@api/deki/users/current', { headers: bearer(first.text) });
    assert.equal(created.json.username, 'padded_user');
    const again = await authenticate(`?x-deki-token=${encodeURIComponent(signServerToken({ key, secret, user: '=PADDED_USER%09', encodeUser: false }))}`);
    assert.equal(again.status, 200, again.text);
    assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(again.text) })).json['@id'], created.json['@id']);
  });

  test('first sign-ins of one new name at once create it once; none is a 500', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        authenticate(`?x-deki-token=${encodeURIComponent(signServerToken({ key, secret, user: i % 2 ? '=racer%20' : '=RACER', encodeUser: false }))}`),
      ),
    );
    for (const r of results) assert.equal(r.status, 200, r.text);
    const ids = await Promise.all(results.map(async (r) => (await call(server.url, '/@api/deki/users/current', { headers: bearer(r.text) })).json['@id']));
    assert.equal(new Set(ids).size, 1, `one user: ${ids.join(', ')}`);
  });

  test('redirect: 302 to a path on the site or an allowed host; 400 for any other host', async () => {
    const sig = () => encodeURIComponent(signServerToken({ key, secret, user: '=admin' }));
    const local = await authenticate(`?x-deki-token=${sig()}&redirect=${encodeURIComponent('/files/report.pdf')}`);
    assert.equal(local.status, 302);
    assert.equal(local.headers.get('location'), `${server.url}/files/report.pdf`);
    assert.match(local.headers.get('set-cookie') ?? '', /^authtoken=/);
    const partner = await authenticate(`?x-deki-token=${sig()}&redirect=${encodeURIComponent('https://app.partner.example/home')}`);
    assert.equal(partner.status, 302);
    assert.equal(partner.headers.get('location'), 'https://app.partner.example/home');
    for (const evil of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', 'https://partner.example.evil.example/']) {
      const res = await call(server.url, `/@api/deki/users/authenticate?x-deki-token=${sig()}&redirect=${encodeURIComponent(evil)}`);
      assert.equal(res.status, 400, evil);
      assert.match(res.json.message as string, /^redirect must be/);
      assert.equal(res.headers.get('set-cookie'), null, 'no session is started for a refused redirect');
    }
  });

  test('a bad, expired or restricted signature is refused with its message', async () => {
    const res = await call(
      server.url,
      `/@api/deki/users/authenticate?x-deki-token=${encodeURIComponent(signServerToken({ key, secret: 'wrong', user: '=admin' }))}`,
    );
    assert.equal(res.status, 403);
    assert.equal(res.json.message, 'invalid server token signature');
    const anon = await call(
      server.url,
      `/@api/deki/users/authenticate?x-deki-token=${encodeURIComponent(signServerToken({ key, secret, format: 'userless' }))}`,
    );
    assert.equal(anon.status, 403);
  });
});

describe('CSRF', () => {
  const create = (headers: Record<string, string>, body = '<developer-token type="server"><name>csrf</name></developer-token>') =>
    call(server.url, '/@api/deki/site/developer-tokens', { method: 'POST', headers, body });

  test('a cookie-only POST that a plain HTML form could send is refused', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
      const res = await create({ Cookie: `authtoken=${admin}`, 'Content-Type': type });
      assert.equal(res.status, 403, type);
      assert.match(res.json.message as string, /cross-site request forgery/);
    }
    const del = await call(server.url, '/@api/deki/site/developer-tokens/1', { method: 'DELETE', headers: { Cookie: `authtoken=${admin}` } });
    assert.equal(del.status, 403);
    const foreign = await create({ Cookie: `authtoken=${admin}`, 'Content-Type': 'text/plain', Origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
  });

  test('XML with the cookie (the official Python example), the XHR header, or the site Origin pass', async () => {
    assert.equal((await create({ Cookie: `authtoken=${admin}`, 'Content-Type': 'application/xml' })).status, 200);
    assert.equal((await create({ ...cookieHeaders(admin), 'Content-Type': 'text/plain' })).status, 400); // past CSRF: body is not a document
    assert.equal((await create({ Cookie: `authtoken=${admin}`, 'Content-Type': 'text/plain', 'X-Requested-With': 'XMLHttpRequest' })).status, 400);
    assert.equal((await create({ Cookie: `authtoken=${admin}`, 'Content-Type': 'application/xml', Origin: server.url })).status, 200);
  });

  test('the rule is for cookies only: a Bearer authtoken may post a form type', async () => {
    const res = await create({ ...bearer(admin), 'Content-Type': 'text/plain' });
    assert.equal(res.status, 400);
    assert.equal(res.json.message, 'request body must be an XML or JSON document');
  });
});
