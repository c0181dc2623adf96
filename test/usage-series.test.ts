/**
 * Usage over time through the API: `GET site/developer-tokens/{id}/usage` gives requests and
 * failures per hour (24 h) and per UTC day (30 days), every failure under its reason, equal to the
 * traffic sent, before and after the node writes its figures; the token list carries the last
 * 24 h's refusals and the state of the users its credentials act as; the users list carries open
 * sessions, dependent tokens and the number of admins.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bearer, call, createToken, createUser, setUser, signIn } from './helpers/http.js';
import type { TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { countIn, type KnownTraffic, makeKnownTraffic, TRAFFIC_FAILURE_LIMIT } from './helpers/usage-traffic.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REASONS = ['bad-signature', 'expired-signature', 'wrong-user', 'origin-refused', 'expired-token', 'inactive-user', 'rate-limited'];

let server: TestServer;
let admin: string;
let traffic: KnownTraffic;

before(async () => {
  ({ server, admin } = await startSite({ env: { GATEHOUSE_AUTH_FAILURE_LIMIT: TRAFFIC_FAILURE_LIMIT } }));
  traffic = await makeKnownTraffic(server, admin, 'Series-Sync');
});
after(() => server.close());

type Json = Record<string, unknown>;

function buckets(doc: Json, group: string, item: string): Json[] {
  return (doc[group] as Json)[item] as Json[];
}

/** A bucket as the traffic predicts it, in the document's shape. */
function expected(from: number, size: number): Json {
  const c = countIn(traffic, from, size);
  const reasons = Object.fromEntries(Object.entries(c.reasons).map(([r, n]) => [`@${r}`, String(n)]));
  return { '@start': new Date(from).toUTCString(), '@requests': String(c.requests), '@failures': String(c.failures), ...reasons };
}

async function usage(id: number): Promise<Json> {
  const res = await call(server.url, `/@api/deki/site/developer-tokens/${id}/usage`, { headers: bearer(admin) });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

function assertMatchesTraffic(doc: Json): void {
  const thisHour = Math.floor(traffic.now / HOUR) * HOUR;
  const today = Math.floor(traffic.now / DAY) * DAY;
  assert.deepEqual(
    buckets(doc, 'hours', 'hour'),
    Array.from({ length: 24 }, (_, i) => expected(thisHour - (23 - i) * HOUR, HOUR)),
  );
  assert.deepEqual(
    buckets(doc, 'days', 'day'),
    Array.from({ length: 30 }, (_, i) => expected(today - (29 - i) * DAY, DAY)),
  );
  const reasons = (doc.reasons as Json).reason as Json[];
  const want = countIn(traffic, 0, Infinity).reasons;
  assert.deepEqual(
    reasons.map((r) => [r['@name'], r['@failures.24h'], r['@failures.30d']]),
    REASONS.map((r) => [r, String(want[r] ?? 0), String(want[r] ?? 0)]),
  );
  const all = countIn(traffic, 0, Infinity);
  assert.equal(doc['requests.24h'], String(all.requests));
  assert.equal(doc['failures.24h'], String(all.failures));
  assert.equal(doc['failures.30d'], String(all.failures));
}

test('the usage sub-resource counts every request and failure reason, by hour and by day', async () => {
  const doc = await usage(traffic.tokenId);
  assert.equal(doc['@token-id'], String(traffic.tokenId));
  assert.equal(doc['@href'], `${server.url}/@api/deki/site/developer-tokens/${traffic.tokenId}/usage`);
  assertMatchesTraffic(doc);
  // The same once the node has written what it gathered: the database adds up the same way.
  await server.built.usage.flush();
  assertMatchesTraffic(await usage(traffic.tokenId));
  // And with more gathered on top of what was written: a bad signature (checked before the expiry).
  const sig = `tkn_${traffic.key}_${Math.floor(traffic.now / 1000)}_1_${'0'.repeat(64)}`;
  assert.equal((await call(server.url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': sig } })).status, 403);
  traffic.requests.push({ at: traffic.now, reason: 'bad-signature' });
  assertMatchesTraffic(await usage(traffic.tokenId));
  const xml = await call(server.url, `/@api/deki/site/developer-tokens/${traffic.tokenId}/usage`, { headers: bearer(admin), json: false });
  assert.match(xml.text, /^<usage token-id="\d+" href="[^"]+" date="[^"]+ GMT"><days count="30"><day start="/);
});

test('usage of a missing token is 404; only admins may read it', async () => {
  const missing = await call(server.url, '/@api/deki/site/developer-tokens/999999/usage', { headers: bearer(admin) });
  assert.equal(missing.status, 404);
  const viewerId = await createUser(server.url, admin, { username: 'series-viewer', password: 'viewer password 1', role: 'Viewer' });
  assert.ok(viewerId > 0);
  const viewer = await signIn(server.url, 'series-viewer', 'viewer password 1');
  const refused = await call(server.url, `/@api/deki/site/developer-tokens/${traffic.tokenId}/usage`, { headers: bearer(viewer) });
  assert.equal(refused.status, 403);
});

test('the token list says what was refused in 24 h and the state of the users the credentials act as', async () => {
  const list = await call(server.url, '/@api/deki/site/developer-tokens', { headers: bearer(admin) });
  const doc = ([] as Json[]).concat(list.json['developer-token'] as Json[]).find((t) => t['@id'] === String(traffic.tokenId))!;
  assert.deepEqual((doc.usage as Json)['refusals.24h'], {
    '@bad-signature': '2',
    '@expired-signature': '1',
    '@wrong-user': '1',
    '@expired-token': '1',
    '@inactive-user': '2',
    '@rate-limited': '1',
  });
  assert.equal(doc['restricted-by-user-status'], 'active');
  assert.equal(doc['restricted-by-user-seat'], 'true');
  assert.deepEqual(doc.jwt, { '@issued': 'true', '@user-id': doc['restricted-by-user-id'], '@user-status': 'active', '@user-seat': 'true' });

  const userId = Number(doc['restricted-by-user-id']);
  await setUser(server.url, admin, userId, { 'license.seat': 'false' });
  const one = await call(server.url, `/@api/deki/site/developer-tokens/${traffic.tokenId}`, { headers: bearer(admin) });
  assert.equal(one.json['restricted-by-user-seat'], 'false');
  assert.equal((one.json.jwt as Json)['@user-seat'], 'false');
  await setUser(server.url, admin, userId, { 'license.seat': 'true' });
});

test('users carry their open sessions and dependent tokens; the list says how many admins there are', async () => {
  const id = await createUser(server.url, admin, { username: 'extras-ada', password: 'ada password 12', seat: true });
  await signIn(server.url, 'extras-ada', 'ada password 12');
  await signIn(server.url, 'extras-ada', 'ada password 12');
  const token = await createToken(server.url, admin, { '@type': 'server', name: 'Ada-Export', 'restricted-by-user-id': String(id) });
  const list = await call(server.url, '/@api/deki/users?usernamefilter=extras-ada&limit=10', { headers: bearer(admin) });
  assert.equal(list.json['@admins'], '1');
  const user = list.json.user as Json;
  assert.equal(user['sessions.active'], '2');
  assert.deepEqual(user['developer-tokens'], {
    '@count': '1',
    'developer-token': { '@id': token['@id'], '@type': 'server', '@href': token['@href'], '@restricted': 'true', '@jwt': 'true', name: 'Ada-Export' },
  });
  // Deactivating ends the sessions; the single document says so too.
  const res = await setUser(server.url, admin, id, { status: 'inactive' });
  assert.equal(res.json['sessions.active'], '0');
  assert.equal((res.json['developer-tokens'] as Json)['@count'], '1');
});
