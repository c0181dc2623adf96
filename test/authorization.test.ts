/**
 * Who may manage tokens and users (only admins manage tokens and users).
 * A table: every developer-token route and every user-admin route, for every kind of non-admin
 * principal, gets 403 with the exact message; an admin, the control, gets 2xx. Listed and fetched
 * tokens never carry `secret` or `authorization`, in XML or JSON.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signServerToken } from '../client/sign.js';
import type { TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { bearer, call, cookieHeaders, createToken as createTokenAs, createUser, type Response, setUser, signIn } from './helpers/http.js';

const ADMIN_REQUIRED = 'this operation requires an active, seated user with the Admin role';
const USER_INVALID = 'invalid user requesting';
const AUTHTOKEN_INVALID = 'invalid authtoken';

let server: TestServer;
let admin: string;
/** A token and a user the routes act on; non-admin rows must leave both untouched. */
let targetTokenId: string;
let targetUserId: number;
/** Credentials of the deactivated admin, taken while they were still active. */
let inactive: { id: number; session: string; jwt: string; signingKey: string; signingSecret: string };
let unseatedSession: string;
let seatedSession: string;

const createToken = (doc: Record<string, unknown>) => createTokenAs(server.url, admin, doc);

before(async () => {
  ({ server, admin } = await startSite());
  targetTokenId = (await createToken({ '@type': 'server', name: 'target' }))['@id'] as string;
  targetUserId = await createUser(server.url, admin, { username: 'target-user', role: 'Viewer' });

  // Unseated, but with the Admin role: the seat is what makes the difference.
  await createUser(server.url, admin, { username: 'unseated', seat: false, role: 'Admin', password: 'unseated-password' });
  unseatedSession = await signIn(server.url, 'unseated', 'unseated-password');
  await createUser(server.url, admin, { username: 'editor', seat: true, role: 'Editor', password: 'editor-password' });
  seatedSession = await signIn(server.url, 'editor', 'editor-password');

  // A second admin, who gets a session, a JWT bound to them and a token to sign with; then deactivated.
  const id = await createUser(server.url, admin, { username: 'former-admin', seat: true, role: 'Admin', password: 'former-password' });
  const session = await signIn(server.url, 'former-admin', 'former-password');
  const withJwt = await createToken({ '@type': 'server', name: 'former admin jwt', 'restricted-by-user-id': String(id) });
  const signing = await createToken({ '@type': 'server', name: 'former admin signs' });
  inactive = {
    id,
    session,
    jwt: (withJwt.authorization as string).slice('Bearer '.length),
    signingKey: signing.key as string,
    signingSecret: signing.secret as string,
  };
  // While active, each of these credentials is an admin: the rows below fail only because of the deactivation.
  for (const headers of [bearer(session), bearer(inactive.jwt), formerAdminSignature()]) {
    const res = await call(server.url, '/@api/deki/site/developer-tokens', { headers });
    assert.equal(res.status, 200, res.text);
  }
  const off = await setUser(server.url, admin, id, { status: 'inactive' });
  assert.equal(off.status, 200, off.text);
});
after(() => server.close());

function formerAdminSignature(): Record<string, string> {
  return { 'X-Deki-Token': signServerToken({ key: inactive.signingKey, secret: inactive.signingSecret, user: '=former-admin' }) };
}

interface Route {
  readonly name: string;
  readonly method: string;
  /** Path and body for the admin control row; a fresh target for routes that consume one. */
  readonly admin: () => Promise<{ path: string; body?: string }>;
  /** Path and body for the refused rows: always an existing target, so a 403 can't be a 404 in disguise. */
  readonly refused: () => { path: string; body?: string };
}

const tokenDoc = (name: string) => JSON.stringify({ '@type': 'server', name });
const userDoc = (username: string) => JSON.stringify({ username, 'license.seat': 'false', 'permissions.user': { role: 'Viewer' } });

let userCounter = 0;
const routes: Route[] = [
  {
    name: 'POST site/developer-tokens',
    method: 'POST',
    admin: async () => ({ path: '/@api/deki/site/developer-tokens', body: tokenDoc('made by admin') }),
    refused: () => ({ path: '/@api/deki/site/developer-tokens', body: tokenDoc('must not exist') }),
  },
  {
    name: 'GET site/developer-tokens',
    method: 'GET',
    admin: async () => ({ path: '/@api/deki/site/developer-tokens' }),
    refused: () => ({ path: '/@api/deki/site/developer-tokens' }),
  },
  {
    name: 'GET site/developer-tokens/{id}',
    method: 'GET',
    admin: async () => ({ path: `/@api/deki/site/developer-tokens/${targetTokenId}` }),
    refused: () => ({ path: `/@api/deki/site/developer-tokens/${targetTokenId}` }),
  },
  {
    name: 'PUT site/developer-tokens/{id}',
    method: 'PUT',
    admin: async () => ({
      path: `/@api/deki/site/developer-tokens/${(await createToken({ '@type': 'server', name: 'to rename' }))['@id']}`,
      body: JSON.stringify({ name: 'renamed' }),
    }),
    refused: () => ({ path: `/@api/deki/site/developer-tokens/${targetTokenId}`, body: JSON.stringify({ name: 'hijacked' }) }),
  },
  {
    name: 'DELETE site/developer-tokens/{id}',
    method: 'DELETE',
    admin: async () => ({ path: `/@api/deki/site/developer-tokens/${(await createToken({ '@type': 'server', name: 'to revoke' }))['@id']}` }),
    refused: () => ({ path: `/@api/deki/site/developer-tokens/${targetTokenId}` }),
  },
  {
    name: 'GET users',
    method: 'GET',
    admin: async () => ({ path: '/@api/deki/users?usernamefilter=target' }),
    refused: () => ({ path: '/@api/deki/users?usernamefilter=target' }),
  },
  {
    name: 'POST users',
    method: 'POST',
    admin: async () => ({ path: '/@api/deki/users', body: userDoc(`made-by-admin-${++userCounter}`) }),
    refused: () => ({ path: '/@api/deki/users?accountpassword=password123', body: userDoc('intruder') }),
  },
  {
    name: 'PUT users/{id}',
    method: 'PUT',
    admin: async () => ({ path: `/@api/deki/users/${targetUserId}`, body: JSON.stringify({ fullname: 'Changed By Admin' }) }),
    refused: () => ({ path: `/@api/deki/users/${targetUserId}`, body: JSON.stringify({ 'permissions.user': { role: 'Admin' }, 'license.seat': 'true' }) }),
  },
];

interface Principal {
  readonly name: string;
  readonly headers: () => Record<string, string>;
  readonly message: string;
}

// Cookie sessions carry the XHR marker so that the CSRF rule is never the reason for a 403 here.
const principals: Principal[] = [
  { name: 'anonymous', headers: () => ({}), message: ADMIN_REQUIRED },
  { name: 'unseated user with the Admin role (Bearer session)', headers: () => bearer(unseatedSession), message: ADMIN_REQUIRED },
  { name: 'unseated user with the Admin role (cookie session)', headers: () => cookieHeaders(unseatedSession), message: ADMIN_REQUIRED },
  { name: 'seated Editor', headers: () => bearer(seatedSession), message: ADMIN_REQUIRED },
  { name: 'inactive admin, server token signature', headers: formerAdminSignature, message: USER_INVALID },
  { name: 'inactive admin, JWT bound to them', headers: () => bearer(inactive.jwt), message: USER_INVALID },
  // Deactivation ended the session: as Bearer it is refused, as a cookie it is stale and ignored.
  { name: 'inactive admin, their old session as Bearer', headers: () => bearer(inactive.session), message: AUTHTOKEN_INVALID },
  { name: 'inactive admin, their old session as a cookie', headers: () => cookieHeaders(inactive.session), message: ADMIN_REQUIRED },
];

function send(route: Route, target: { path: string; body?: string }, headers: Record<string, string>): Promise<Response> {
  return call(server.url, target.path, {
    method: route.method,
    headers: target.body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
    body: target.body,
  });
}

describe('every token and user-admin route refuses every non-admin', () => {
  for (const route of routes) {
    for (const principal of principals) {
      test(`${route.name} as ${principal.name}: 403 ${principal.message}`, async () => {
        const res = await send(route, route.refused(), principal.headers());
        assert.equal(res.status, 403, res.text);
        assert.deepEqual(res.json, {
          status: '403',
          title: 'Forbidden',
          message: principal.message,
          uri: `${server.url}${route.refused().path.split('?')[0]}`,
        });
      });
    }
    test(`${route.name} as an admin: 2xx`, async () => {
      const res = await send(route, await route.admin(), bearer(admin));
      assert.equal(res.status, 200, res.text);
    });
  }

  test('the refused requests changed nothing', async () => {
    const token = await call(server.url, `/@api/deki/site/developer-tokens/${targetTokenId}`, { headers: bearer(admin) });
    assert.equal(token.status, 200);
    assert.equal(token.json.name, 'target');
    const list = await call(server.url, '/@api/deki/site/developer-tokens', { headers: bearer(admin) });
    assert.ok(!list.text.includes('must not exist'));
    const user = await call(server.url, `/@api/deki/users/${targetUserId}`, { headers: bearer(admin) });
    assert.equal(user.json.fullname, 'Changed By Admin');
    assert.deepEqual(user.json['permissions.user'], { role: 'Viewer' });
    const intruder = await call(server.url, '/@api/deki/users/=intruder', { headers: bearer(admin) });
    assert.equal(intruder.status, 404);
  });

  test('the refusal is an XML error document by default', async () => {
    const res = await call(server.url, '/@api/deki/site/developer-tokens', { json: false, headers: bearer(seatedSession) });
    assert.equal(res.status, 403);
    assert.match(res.headers.get('content-type') ?? '', /^application\/xml/);
    assert.equal(
      res.text,
      `<error><status>403</status><title>Forbidden</title><message>${ADMIN_REQUIRED}</message><uri>${server.url}/@api/deki/site/developer-tokens</uri></error>`,
    );
  });
});

describe('listed and fetched tokens never carry secret or authorization', () => {
  const made: Record<string, unknown>[] = [];

  before(async () => {
    made.push(await createToken({ '@type': 'server', name: 'with jwt', 'generate-jwt': 'true' }));
    made.push(await createToken({ '@type': 'server', name: 'restricted', 'restricted-by-user-id': String(targetUserId) }));
    made.push(await createToken({ '@type': 'server', name: 'plain server' }));
    made.push(await createToken({ '@type': 'browser', name: 'browser', host: '*.example.com' }));
    made.push(await createToken({ '@type': 'oauth', name: 'oauth', host: 'app.example.com' }));
  });

  function assertNoSecrets(res: Response, docs = made): void {
    assert.equal(res.status, 200, res.text);
    assert.doesNotMatch(res.text, /secret|authorization/i);
    for (const doc of docs) {
      if (doc.secret !== undefined) assert.ok(!res.text.includes(doc.secret as string), 'a secret leaked');
      if (doc.authorization !== undefined) {
        const [, payload, signature] = (doc.authorization as string).slice('Bearer '.length).split('.');
        assert.ok(!res.text.includes(payload!) && !res.text.includes(signature!), 'a JWT leaked');
      }
    }
  }

  test('the create responses did carry them (so the checks below can fail)', () => {
    assert.equal(made.filter((d) => typeof d.secret === 'string').length, 4);
    assert.equal(made.filter((d) => typeof d.authorization === 'string').length, 2);
  });

  for (const json of [false, true]) {
    const format = json ? 'JSON' : 'XML';
    test(`GET site/developer-tokens in ${format}`, async () => {
      const res = await call(server.url, '/@api/deki/site/developer-tokens', { json, headers: bearer(admin) });
      assertNoSecrets(res);
      for (const doc of made) assert.ok(res.text.includes(doc.key as string), `token ${doc.name} is listed`);
    });

    test(`GET site/developer-tokens/{id} in ${format}, for every type`, async () => {
      for (const doc of made) {
        const res = await call(server.url, `/@api/deki/site/developer-tokens/${doc['@id']}`, { json, headers: bearer(admin) });
        assertNoSecrets(res);
        assert.ok(res.text.includes(doc.key as string));
      }
    });

    test(`PUT and DELETE responses in ${format}`, async () => {
      const doc = await createToken({ '@type': 'server', name: 'short lived', 'generate-jwt': 'true' });
      const path = `/@api/deki/site/developer-tokens/${doc['@id']}`;
      const put = await call(server.url, path, {
        json,
        method: 'PUT',
        headers: { ...bearer(admin), 'Content-Type': 'application/json' },
        body: '{"name":"renamed"}',
      });
      assertNoSecrets(put, [doc]);
      assert.ok(put.text.includes('renamed'));
      const del = await call(server.url, path, { json, method: 'DELETE', headers: bearer(admin) });
      assertNoSecrets(del, [doc]);
      assert.ok(del.text.includes(doc.key as string));
    });
  }
});
