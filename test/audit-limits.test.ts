/**
 * The audit log and the limits on failed authentication: every change and sign-in
 * leaves an entry with actor, credential, IP and what changed (never a secret); failures are
 * answered 429 past the limit while valid credentials keep passing; sign-in is throttled per user.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signServerToken } from '../client/sign.js';
import type { TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { readForm } from './helpers/oauth.js';
import { basic, bearer, call, createUser, setUser, signIn } from './helpers/http.js';

describe('audit log', () => {
  let server: TestServer;
  let admin: string;
  before(async () => {
    ({ server, admin } = await startSite());
  });
  after(() => server.close());

  type Entry = { '@action': string; actor: Record<string, unknown>; target?: Record<string, string>; details: Record<string, string> | string };
  const audit = async (query = '') => {
    const res = await call(server.url, `/@api/deki/site/audit${query}`, { headers: bearer(admin) });
    assert.equal(res.status, 200, res.text);
    const e = res.json.entry;
    return { res, entries: (e === undefined ? [] : Array.isArray(e) ? e : [e]) as Entry[] };
  };

  test('token create, update, roll and delete; user create, update, deactivate, password; sign-ins', async () => {
    await call(server.url, '/@api/deki/users/authenticate', { headers: { Authorization: basic('admin', 'wrong password') } });
    const created = await call(server.url, '/@api/deki/site/developer-tokens', {
      method: 'POST',
      headers: { ...bearer(admin), 'Content-Type': 'application/json' },
      body: JSON.stringify({ '@type': 'server', name: 'audited', 'generate-jwt': 'true' }),
    });
    const id = created.json['@id'] as string;
    await call(server.url, `/@api/deki/site/developer-tokens/${id}`, {
      method: 'PUT',
      headers: { ...bearer(admin), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'audited, renamed' }),
    });
    const rolled = await call(server.url, `/@api/deki/site/developer-tokens/${id}/roll?overlap=60`, { method: 'POST', headers: bearer(admin) });
    await call(server.url, `/@api/deki/site/developer-tokens/${rolled.json['@id']}`, { method: 'DELETE', headers: bearer(admin) });
    const userId = await createUser(server.url, admin, { username: 'audited-user' });
    await setUser(server.url, admin, userId, { fullname: 'Audited User' });
    await setUser(server.url, admin, userId, { status: 'inactive' });
    await call(server.url, `/@api/deki/users/${userId}?accountpassword=new-password-1`, { method: 'PUT', headers: bearer(admin) });

    const { res, entries } = await audit('?limit=1000');
    const actions = entries.map((e) => e['@action']).reverse();
    for (const expected of [
      'signin.success',
      'signin.failure',
      'token.create',
      'token.update',
      'token.roll',
      'token.delete',
      'user.create',
      'user.update',
      'user.deactivate',
      'user.password',
    ]) {
      assert.ok(actions.includes(expected), `${expected} in ${actions.join(', ')}`);
    }
    const update = entries.find((e) => e['@action'] === 'token.update')!;
    assert.deepEqual(update.actor, { '@id': '1', '@credential': 'session:bearer', '@ip': '127.0.0.1', name: 'admin' });
    assert.deepEqual(update.target, { '@type': 'token', '@id': id });
    assert.deepEqual(update.details, { name: 'audited, renamed' });
    const failure = entries.find((e) => e['@action'] === 'signin.failure')!;
    assert.equal((failure.details as Record<string, string>).username, 'admin');
    // Nothing secret: not the token's secret, not its JWT, not a password, not the session.
    for (const secret of [
      created.json.secret,
      (created.json.authorization as string).slice(7),
      rolled.json.secret,
      'wrong password',
      'new-password-1',
      admin,
    ]) {
      assert.ok(!res.text.includes(secret as string), 'audit output holds no secret');
    }
  });

  test('a DELETE answers with the token as it was; a DELETE of no token writes no entry', async () => {
    const json = { ...bearer(admin), 'Content-Type': 'application/json' };
    const ownerId = await createUser(server.url, admin, { username: 'deleted-token-owner' });
    const created = await call(server.url, '/@api/deki/site/developer-tokens?dream.out.format=json', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ '@type': 'server', name: 'to delete', 'restricted-by-user-id': ownerId }),
    });
    assert.equal(created.status, 200, created.text);
    const id = created.json['@id'] as string;
    const rolled = await call(server.url, `/@api/deki/site/developer-tokens/${id}/roll?overlap=60&dream.out.format=json`, {
      method: 'POST',
      headers: bearer(admin),
    });
    assert.equal(rolled.status, 200, rolled.text);
    const before = await call(server.url, `/@api/deki/site/developer-tokens/${id}?dream.out.format=json`, { headers: bearer(admin) });
    const deleted = await call(server.url, `/@api/deki/site/developer-tokens/${id}?dream.out.format=json`, { method: 'DELETE', headers: bearer(admin) });
    assert.equal(deleted.status, 200, deleted.text);
    const { usage: _usage, 'date.lastused': _lastUsed, ...listed } = before.json as Record<string, unknown>;
    assert.deepEqual(deleted.json, listed);
    assert.equal(deleted.json['replaced-by'], rolled.json['@id']);
    assert.equal(deleted.json['restricted-by-username'], 'deleted-token-owner');
    assert.equal(deleted.json['created-by-username'], 'admin');

    const again = await call(server.url, `/@api/deki/site/developer-tokens/${id}`, { method: 'DELETE', headers: bearer(admin) });
    assert.equal(again.status, 404, again.text);
    const { entries } = await audit('?action=token.delete&limit=1000');
    assert.equal(entries.filter((e) => e.target?.['@id'] === id).length, 1);
  });

  test('filters, paging, and admins only', async () => {
    const { entries } = await audit('?action=token.');
    assert.ok(entries.length >= 4 && entries.every((e) => e['@action'].startsWith('token.')));
    const one = await audit('?action=token.create&limit=1');
    assert.equal(one.entries.length, 1);
    assert.ok(Number(one.res.json['@querycount']) >= 1);
    assert.equal((await audit('?since=2999-01-01T00:00:00Z')).entries.length, 0);
    assert.equal((await call(server.url, '/@api/deki/site/audit?since=tuesday', { headers: bearer(admin) })).status, 400);
    const viewer = await createUser(server.url, admin, { username: 'audit-viewer', password: 'viewer-password' });
    assert.ok(viewer > 0);
    const res = await call(server.url, '/@api/deki/site/audit', { headers: bearer(await signIn(server.url, 'audit-viewer', 'viewer-password')) });
    assert.equal(res.status, 403);
  });
});

describe('failure limits', () => {
  let server: TestServer;
  let admin: string;
  before(async () => {
    ({ server, admin } = await startSite({ env: { GATEHOUSE_AUTH_FAILURE_LIMIT: '5', GATEHOUSE_SIGNIN_FAILURE_LIMIT: '3' } }));
  });
  after(() => server.close());

  test('past the limit, failed credentials get 429 with Retry-After; a valid one still passes', async () => {
    const res = await call(server.url, '/@api/deki/site/developer-tokens', {
      method: 'POST',
      headers: { ...bearer(admin), 'Content-Type': 'application/json' },
      body: JSON.stringify({ '@type': 'server', name: 'limited' }),
    });
    const { key, secret } = res.json as { key: string; secret: string };
    const bad = () => call(server.url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': signServerToken({ key, secret: 'guess', user: 1 }) } });
    for (let i = 0; i < 5; i++) assert.equal((await bad()).status, 403);
    const limited = await bad();
    assert.equal(limited.status, 429);
    assert.equal(limited.json.message, 'too many failed authentication attempts from this client or for this token: retry later');
    assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
    assert.ok(Number(limited.headers.get('retry-after')) <= 60);
    const good = await call(server.url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': signServerToken({ key, secret, user: 1 }) } });
    assert.equal(good.status, 200, 'valid traffic is never slowed');
    assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(admin) })).status, 200);
  });

  test('bad signatures on users/authenticate count against the same limit', async () => {
    const res = await call(server.url, '/@api/deki/site/developer-tokens', {
      method: 'POST',
      headers: { ...bearer(admin), 'Content-Type': 'application/json' },
      body: JSON.stringify({ '@type': 'server', name: 'sso limited' }),
    });
    const key = res.json.key as string;
    server.clock.now = Date.now() + 120_000; // a fresh one-minute window
    try {
      const sso = () =>
        call(
          server.url,
          `/@api/deki/users/authenticate?x-deki-token=${encodeURIComponent(signServerToken({ key, secret: 'guess', user: '=admin', epoch: Math.floor(server.clock.now! / 1000) }))}`,
        );
      for (let i = 0; i < 5; i++) assert.equal((await sso()).status, 403);
      const limited = await sso();
      assert.equal(limited.status, 429);
      assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
    } finally {
      server.clock.now = undefined;
    }
  });

  test('sign-in is throttled per username, the right password included, other users unaffected', async () => {
    await createUser(server.url, admin, { username: 'throttled', password: 'the-right-one' });
    await createUser(server.url, admin, { username: 'bystander', password: 'bystander-pass' });
    const attempt = (user: string, password: string) =>
      call(server.url, '/@api/deki/users/authenticate', { headers: { Authorization: basic(user, password) } });
    for (let i = 0; i < 3; i++) assert.equal((await attempt('throttled', 'guess')).status, 401);
    const blocked = await attempt('throttled', 'the-right-one');
    assert.equal(blocked.status, 429);
    assert.equal(blocked.json.message, 'too many failed sign-in attempts for this user or from this client: retry later');
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    assert.equal((await attempt('bystander', 'bystander-pass')).status, 200);
    server.clock.now = Date.now() + 16 * 60_000;
    try {
      assert.equal((await attempt('throttled', 'the-right-one')).status, 200, 'the window ends');
    } finally {
      server.clock.now = undefined;
    }
  });

  test('the OAuth sign-in page shares the throttle and the audit log', async () => {
    await createUser(server.url, admin, { username: 'page-user', password: 'page-password' });
    const page = await fetch(`${server.url}/@app/oauth/authorized-apps`);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
    const { action, fields } = readForm(await page.text());
    const submit = async (password: string) => {
      const body = new URLSearchParams(fields);
      body.set('username', 'page-user');
      body.set('password', password);
      const res = await fetch(new URL(action, server.url), {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
        redirect: 'manual',
      });
      return { status: res.status, html: await res.text(), session: res.headers.get('set-cookie')?.includes('authtoken=') ?? false };
    };
    for (let i = 0; i < 3; i++) assert.match((await submit('wrong')).html, /invalid username or password/);
    const blocked = await submit('page-password');
    assert.match(blocked.html, /too many failed sign-in attempts/);
    assert.equal(blocked.session, false, 'no session while throttled');
    const viaApi = await call(server.url, '/@api/deki/users/authenticate', { headers: { Authorization: basic('page-user', 'page-password') } });
    assert.equal(viaApi.status, 429, 'the API door is closed too');
    const audit = await call(server.url, '/@api/deki/site/audit?action=signin.failure&limit=100', { headers: bearer(admin) });
    assert.match(audit.text, /oauth-page/);
  });
});
