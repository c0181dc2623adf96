/**
 * Pages and the users API: what a token unlocks, and who may see what.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { bearer, call, createUser, setUser, signIn } from './helpers/http.js';

let server: TestServer;
let admin: string;

before(async () => {
  ({ server, admin } = await startSite());
});
after(() => server.close());

const post = (path: string, headers: Record<string, string>, body: string, type = 'text/plain') =>
  call(server.url, `/@api/deki/pages/${path}`, { method: 'POST', headers: { ...headers, 'Content-Type': type }, body });

describe('pages', () => {
  test('a new site has a public home page, readable by anyone', async () => {
    const info = await call(server.url, '/@api/deki/pages/home/info');
    assert.equal(info.status, 200);
    assert.equal(info.json.path, '');
    assert.equal(info.json.restriction, 'public');
    const xml = await call(server.url, '/@api/deki/pages/home/contents', { json: false });
    assert.match(xml.text, /^<content type="text\/html" title="Home"><body>&lt;p&gt;Welcome/);
  });

  test('an author creates and replaces a page by path; ids and double-encoded paths find it', async () => {
    await createUser(server.url, admin, { username: 'writer', role: 'Author', password: 'writer-password' });
    const writer = await signIn(server.url, 'writer', 'writer-password');
    const created = await post('=guides%252Fapi%2520tokens/contents?title=API%20tokens', bearer(writer), '<p>first</p>');
    assert.equal(created.status, 200, created.text);
    const id = (created.json.page as Record<string, string>)['@id'];
    assert.equal((created.json.page as Record<string, string>).path, 'guides/api tokens');
    await post(`${id}/contents`, bearer(writer), '<p>second</p>', 'text/html');
    const byId = await call(server.url, `/@api/deki/pages/${id}/contents`);
    assert.equal(byId.json.body, '<p>second</p>');
    assert.equal(byId.json['@title'], 'API tokens');
    const byPath = await call(server.url, '/@api/deki/pages/=guides%252Fapi%2520tokens/info');
    assert.equal(byPath.json['@id'], id);
  });

  test('private pages: seated users read them, Anonymous and unseated users get 403', async () => {
    const res = await post('=internal/contents?restriction=private', bearer(admin), '<p>secret plans</p>');
    assert.equal(res.status, 200, res.text);
    const anon = await call(server.url, '/@api/deki/pages/=internal/contents');
    assert.equal(anon.status, 403);
    assert.equal(anon.json.message, 'this page is private: sign in as a seated user to read it');
    await createUser(server.url, admin, { username: 'community', seat: false, password: 'community-pass' });
    const community = await signIn(server.url, 'community', 'community-pass');
    assert.equal((await call(server.url, '/@api/deki/pages/=internal/contents', { headers: bearer(community) })).status, 403);
    await createUser(server.url, admin, { username: 'reader', seat: true, role: 'Viewer', password: 'reader-pass' });
    const reader = await signIn(server.url, 'reader', 'reader-pass');
    assert.equal((await call(server.url, '/@api/deki/pages/=internal/contents', { headers: bearer(reader) })).json.body, '<p>secret plans</p>');
  });

  test('writing needs an active, seated Author, Editor or Admin', async () => {
    await createUser(server.url, admin, { username: 'viewer-only', role: 'Viewer', password: 'viewer-pass' });
    const viewer = await signIn(server.url, 'viewer-only', 'viewer-pass');
    for (const headers of [{}, bearer(viewer)]) {
      const res = await post('=nope/contents', headers, 'x');
      assert.equal(res.status, 403);
      assert.match(res.json.message as string, /Author, Editor or Admin/);
    }
  });

  test('missing pages, bad paths and bad restrictions are clear 4xx', async () => {
    assert.equal((await call(server.url, '/@api/deki/pages/424242/contents')).json.message, 'page not found');
    assert.equal((await call(server.url, '/@api/deki/pages/=no%252Fsuch/info')).status, 404);
    assert.equal((await post('=a%252F..%252Fb/contents', bearer(admin), 'x')).json.message, 'page path is not valid');
    assert.equal((await post('=a%2500b/contents', bearer(admin), 'x')).status, 400);
    assert.equal((await post('=ok/contents?restriction=secret', bearer(admin), 'x')).json.message, "restriction must be 'public' or 'private'");
    assert.equal((await post('424242/contents', bearer(admin), 'x')).status, 404);
  });
});

describe('users', () => {
  test('users/={name} (double-encoded) and users/{id}; email only for admins and the user', async () => {
    const id = await createUser(server.url, admin, { username: 'grace@example.com', password: 'grace-password' });
    await setUser(server.url, admin, id, { email: 'grace@example.com' });
    const asAdmin = await call(server.url, '/@api/deki/users/=grace%2540example.com', { headers: bearer(admin) });
    assert.equal(asAdmin.json['@id'], String(id));
    assert.equal(asAdmin.json.email, 'grace@example.com');
    const grace = await signIn(server.url, 'grace@example.com', 'grace-password');
    assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(grace) })).json.email, 'grace@example.com');
    const other = await call(server.url, '/@api/deki/users/1', { headers: bearer(grace) });
    assert.equal(other.status, 200);
    assert.equal(other.json.email, undefined);
    assert.equal((await call(server.url, `/@api/deki/users/${id}`)).status, 403); // Anonymous can't browse users
    assert.equal((await call(server.url, '/@api/deki/users/99999', { headers: bearer(admin) })).json.message, 'user not found');
  });

  test("an admin's users/current is the plain document; users/{id} adds open sessions and dependent tokens", async () => {
    const current = await call(server.url, '/@api/deki/users/current', { headers: bearer(admin) });
    assert.equal(current.json['@id'], '1');
    assert.equal(current.json['sessions.active'], undefined);
    assert.equal(current.json['developer-tokens'], undefined);
    const byId = await call(server.url, '/@api/deki/users/1', { headers: bearer(admin) });
    assert.ok(Number(byId.json['sessions.active']) >= 1, byId.text);
    assert.equal((byId.json['developer-tokens'] as Record<string, string>)['@count'], '0');
  });

  test('the list filters by username, pages, and never includes Anonymous', async () => {
    await createUser(server.url, admin, { username: 'filter_alpha' });
    await createUser(server.url, admin, { username: 'filter_beta' });
    const res = await call(server.url, '/@api/deki/users?usernamefilter=filter_&limit=1', { headers: bearer(admin) });
    assert.equal(res.json['@count'], '1');
    assert.equal(res.json['@querycount'], '2');
    assert.equal((res.json.user as Record<string, string>).username, 'filter_alpha'); // one child: an object, as Expert does
    const all = await call(server.url, '/@api/deki/users?limit=1000', { headers: bearer(admin) });
    assert.ok(!(all.json.user as { username: string }[]).some((u) => u.username === 'Anonymous'));
    assert.equal((await call(server.url, '/@api/deki/users?limit=abc', { headers: bearer(admin) })).status, 400);
    const literal = await call(server.url, '/@api/deki/users?usernamefilter=%25', { headers: bearer(admin) });
    assert.equal(literal.json['@count'], '0', 'a % in the filter is a literal, not a wildcard');
  });

  test('usernames are unique case-insensitively; bad fields are named', async () => {
    await createUser(server.url, admin, { username: 'Unique' });
    const dup = await call(server.url, '/@api/deki/users', {
      method: 'POST',
      headers: { ...bearer(admin), 'Content-Type': 'application/xml' },
      body: '<user><username>UNIQUE</username></user>',
    });
    assert.equal(dup.status, 409);
    assert.equal(dup.json.message, "a user named 'UNIQUE' already exists");
    const role = await call(server.url, '/@api/deki/users', {
      method: 'POST',
      headers: { ...bearer(admin), 'Content-Type': 'application/xml' },
      body: '<user><username>r</username><permissions.user><role>King</role></permissions.user></user>',
    });
    assert.equal(role.status, 400);
    assert.match(role.json.message as string, /permissions\.user\/role/);
  });

  test('the last admin cannot demote themself; Anonymous cannot be changed', async () => {
    const res = await setUser(server.url, admin, 1, { 'permissions.user': { role: 'Viewer' } });
    assert.equal(res.status, 400);
    assert.match(res.json.message as string, /last active seated admin/);
    assert.equal((await setUser(server.url, admin, 2, { fullname: 'x' })).status, 403);
  });
});
