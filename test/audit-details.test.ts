/**
 * Audit details as the docs describe them: times are RFC 1123 dates under `expires` and
 * `oldExpires` (docs/api.md#get-siteaudit says so, and the examples there show it), and a sign-in
 * refused because the user is inactive is audited with its reason.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { basic, bearer, call, setUser } from './helpers/http.js';
import type { TestServer } from './helpers/server.js';
import { startSite, type TestSite } from './helpers/site.js';

let site: TestSite;
let server: TestServer;

before(async () => {
  site = await startSite();
  server = site.server;
});
after(() => server.close());

type Entry = { '@action': string; details: Record<string, string>; target?: { '@id': string } };
async function entries(action: string): Promise<Entry[]> {
  const res = await call(server.url, `/@api/deki/site/audit?action=${action}`, { headers: bearer(site.admin) });
  return ([] as Entry[]).concat((res.json.entry as Entry | Entry[] | undefined) ?? []);
}

test('a creation and a roll carry their times as RFC 1123 dates', async () => {
  const token = await site.createToken({ '@type': 'server', name: 'dated', expires: '2027-01-31T00:00:00Z' });
  const rolled = await call(server.url, `/@api/deki/site/developer-tokens/${token['@id']}/roll?overlap=3600`, { method: 'POST', headers: bearer(site.admin) });
  assert.equal(rolled.status, 200, rolled.text);
  const created = (await entries('token.create')).find((e) => e.target?.['@id'] === token['@id'])!;
  assert.equal(created.details.expires, 'Sun, 31 Jan 2027 00:00:00 GMT');
  const roll = (await entries('token.roll')).find((e) => e.target?.['@id'] === token['@id'])!;
  assert.match(roll.details.oldExpires!, /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  assert.equal(roll.details.overlapSeconds, '3600');
  const docs = fs.readFileSync(new URL('../docs/api.md', import.meta.url), 'utf8');
  assert.match(docs, /`oldExpires`/);
  assert.doesNotMatch(docs, /oldExpiresAt|expiresAt/, 'the docs name the fields the code writes');
});

test('a sign-in refused because the user is inactive is audited with the reason', async () => {
  const id = await site.createUser({ username: 'gone-away', password: 'a long enough password' });
  assert.equal((await setUser(server.url, site.admin, id, { status: 'inactive' })).status, 200);
  const refused = await call(server.url, '/@api/deki/users/authenticate', {
    headers: { Authorization: basic('gone-away', 'a long enough password') },
    json: false,
  });
  assert.equal(refused.status, 403);
  const failure = (await entries('signin.failure')).find((e) => e.target?.['@id'] === String(id));
  assert.ok(failure, 'audited');
  assert.equal(failure.details.reason, 'inactive');
});
