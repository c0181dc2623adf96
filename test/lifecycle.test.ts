/**
 * Token lifecycle beyond Expert: expiry, roll with an overlap, usage figures,
 * the audit log, and limits on failed authentication and sign-in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signServerToken } from '../client/sign.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { bearer, call, createUser, type Response, signIn } from './helpers/http.js';

let server: TestServer;
let admin: string;
const HOUR = 3_600_000;

before(async () => {
  ({ server, admin } = await startSite());
});
after(() => server.close());

type Created = { '@id': string; key: string; secret?: string; authorization?: string; 'date.expires'?: string };

async function create(doc: Record<string, string>): Promise<Created> {
  const res = await call(server.url, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { ...bearer(admin), 'Content-Type': 'application/json' },
    body: JSON.stringify(doc),
  });
  assert.equal(res.status, 200, res.text);
  return res.json as Created;
}

const jwtOf = (t: Created) => t.authorization!.slice('Bearer '.length);
const asJwt = (jwt: string, ip?: string) =>
  call(server.url, '/@api/deki/users/current', { headers: { ...bearer(jwt), ...(ip ? { 'X-Forwarded-For': ip } : {}) } });
const asSig = (t: Created, user: string | number = 1) =>
  call(server.url, '/@api/deki/users/current', {
    headers: { 'X-Deki-Token': signServerToken({ key: t.key, secret: t.secret!, user, epoch: Math.floor((server.clock.now ?? Date.now()) / 1000) }) },
  });

function refused(res: Response, message: string) {
  assert.equal(res.status, 403, res.text);
  assert.equal(res.json.message, message);
}

describe('expiry', () => {
  test('a token with <expires> works until then, and is refused after with a clear message', async () => {
    const expires = new Date(Date.now() + 2 * HOUR).toISOString();
    const t = await create({ '@type': 'server', name: 'expiring', 'generate-jwt': 'true', expires });
    assert.equal(t['date.expires'], new Date(Date.parse(expires)).toUTCString());
    assert.equal((await asJwt(jwtOf(t))).status, 200);
    assert.equal((await asSig(t)).status, 200);
    server.clock.now = Date.now() + 3 * HOUR;
    try {
      refused(await asJwt(jwtOf(t)), 'developer token has expired');
      refused(await asSig(t), 'developer token has expired');
    } finally {
      server.clock.now = undefined;
    }
  });

  test('browser tokens expire too; bad expiry dates are refused', async () => {
    const t = await create({ '@type': 'browser', name: 'expiring browser', host: 'app.example.com', expires: new Date(Date.now() + HOUR).toUTCString() });
    const use = () => call(server.url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': t.key, Origin: 'https://app.example.com' } });
    assert.equal((await use()).status, 200);
    server.clock.now = Date.now() + 2 * HOUR;
    try {
      refused(await use(), 'developer token has expired');
    } finally {
      server.clock.now = undefined;
    }
    for (const expires of ['yesterday', '2001-01-01T00:00:00Z']) {
      const res = await call(server.url, '/@api/deki/site/developer-tokens', {
        method: 'POST',
        headers: { ...bearer(admin), 'Content-Type': 'application/json' },
        body: JSON.stringify({ '@type': 'server', name: 'x', expires }),
      });
      assert.equal(res.status, 400);
      assert.equal(res.json.message, 'expires must be a date in the future, such as 2027-01-31T00:00:00Z');
    }
  });
});

describe('JWT time window', () => {
  test('a JWT already verified on this node is still refused once its exp has passed', async () => {
    const t = await create({ '@type': 'server', name: 'ten years', 'generate-jwt': 'true' });
    assert.equal((await asJwt(jwtOf(t))).status, 200); // verified once: later checks take the fast path
    server.clock.now = Date.now() + 3653 * 24 * HOUR;
    try {
      refused(await asJwt(jwtOf(t)), 'invalid json web token');
    } finally {
      server.clock.now = undefined;
    }
    assert.equal((await asJwt(jwtOf(t))).status, 200);
  });
});

describe('roll', () => {
  const roll = (id: string, query = '', body?: string) =>
    call(server.url, `/@api/deki/site/developer-tokens/${id}/roll${query}`, {
      method: 'POST',
      headers: { ...bearer(admin), ...(body ? { 'Content-Type': 'application/xml' } : {}) },
      body,
    });

  test('old and new credentials both work during the overlap; only the new one after it', async () => {
    const bound = await createUser(server.url, admin, { username: 'roll-bot' });
    const old = await create({ '@type': 'server', name: 'Zendesk-Integration-ServiceAccount', 'restricted-by-user-id': String(bound) });
    const res = await roll(old['@id'], '', '<roll><overlap>3600</overlap></roll>');
    assert.equal(res.status, 200, res.text);
    const next = res.json as Created & { name: string; 'restricted-by-user-id': string };
    assert.notEqual(next['@id'], old['@id']);
    assert.notEqual(next.key, old.key);
    assert.match(next.secret!, /^[0-9a-f]{64}$/);
    assert.equal(next.name, 'Zendesk-Integration-ServiceAccount');
    assert.equal(next['restricted-by-user-id'], String(bound));
    // During the overlap: all four credentials act as the bound user.
    for (const r of [await asJwt(jwtOf(old)), await asJwt(jwtOf(next)), await asSig(old, bound), await asSig(next, bound)]) {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json['@id'], String(bound));
    }
    const listed = await call(server.url, `/@api/deki/site/developer-tokens/${next['@id']}`, { headers: bearer(admin) });
    assert.equal(listed.json['rolled-from'], old['@id']);
    server.clock.now = Date.now() + HOUR + 60_000;
    try {
      refused(await asJwt(jwtOf(old)), 'developer token has expired');
      refused(await asSig(old, bound), 'developer token has expired');
      assert.equal((await asJwt(jwtOf(next))).json['@id'], String(bound));
      assert.equal((await asSig(next, bound)).status, 200);
    } finally {
      server.clock.now = undefined;
    }
  });

  test('overlap 0 ends the old token at once; the default overlap is 24 h; an expiring token stays expiring', async () => {
    const a = await create({ '@type': 'server', name: 'now', 'generate-jwt': 'true' });
    const b = (await roll(a['@id'], '?overlap=0')).json as Created;
    refused(await asJwt(jwtOf(a)), 'developer token has expired');
    assert.equal((await asJwt(jwtOf(b))).status, 200);

    const c = await create({ '@type': 'server', name: 'default overlap', 'generate-jwt': 'true' });
    const d = (await roll(c['@id'])).json as Created;
    server.clock.now = Date.now() + 23 * HOUR;
    try {
      assert.equal((await asJwt(jwtOf(c))).status, 200);
      server.clock.now = Date.now() + 25 * HOUR;
      refused(await asJwt(jwtOf(c)), 'developer token has expired');
      assert.equal((await asJwt(jwtOf(d))).status, 200);
    } finally {
      server.clock.now = undefined;
    }

    const expires = new Date(Date.now() + 2 * HOUR).toISOString();
    const e = await create({ '@type': 'server', name: 'expiring roll', 'generate-jwt': 'true', expires });
    const f = (await roll(e['@id'], '?overlap=604800')).json as Created;
    assert.equal(f['date.expires'], new Date(Date.parse(expires)).toUTCString(), 'the new token inherits the expiry');
    const old = await call(server.url, `/@api/deki/site/developer-tokens/${e['@id']}`, { headers: bearer(admin) });
    assert.equal(old.json['date.expires'], new Date(Date.parse(expires)).toUTCString(), "the overlap never outlasts the old token's own expiry");
  });

  test('bad overlaps, expired tokens and unknown ids are refused', async () => {
    const t = await create({ '@type': 'server', name: 'bad roll' });
    for (const q of ['?overlap=-1', '?overlap=604801', '?overlap=1.5', '?overlap=soon']) {
      const res = await roll(t['@id'], q);
      assert.equal(res.status, 400, q);
      assert.equal(res.json.message, 'overlap must be a whole number of seconds from 0 to 604800 (7 days)');
    }
    await roll(t['@id'], '?overlap=0');
    const again = await roll(t['@id']);
    assert.equal(again.status, 400);
    assert.equal(again.json.message, 'an expired token cannot be rolled: create a new one');
    assert.equal((await roll('424242')).status, 404);
  });
});

describe('usage', () => {
  test('last use, request counts, failures and distinct clients show in the token document at once and after a flush', async () => {
    const user = await createUser(server.url, admin, { username: 'usage-bot' });
    const t = await create({ '@type': 'server', name: 'usage', 'restricted-by-user-id': String(user) });
    for (let i = 0; i < 3; i++) assert.equal((await asJwt(jwtOf(t))).status, 200);
    await call(server.url, '/@api/deki/users/current', {
      headers: { 'X-Deki-Token': signServerToken({ key: t.key, secret: 'wrong', user }), 'User-Agent': 'usage-test/1.0' },
    });
    await call(server.url, '/@api/deki/users/current', {
      headers: { 'X-Deki-Token': signServerToken({ key: t.key, secret: t.secret!, user }), 'User-Agent': 'usage-test/1.0' },
    });
    const check = async () => {
      const doc = (await call(server.url, `/@api/deki/site/developer-tokens/${t['@id']}`, { headers: bearer(admin) })).json;
      assert.match(doc['date.lastused'] as string, /GMT$/);
      assert.deepEqual(doc.usage, {
        '@unused': 'false',
        'clients.30d': '1',
        'failures.30d': '1',
        'last.ip': '127.0.0.1',
        'last.user-agent': 'usage-test/1.0',
        'last.user-id': String(user),
        'refusals.24h': { '@bad-signature': '1' },
        'requests.24h': '4',
        'requests.30d': '4',
      });
    };
    await check(); // from this node's memory, before any write
    await server.built.usage.flush();
    await check(); // the same figures, now from the database
  });

  test('a token never used for the configured days is flagged unused', async () => {
    const t = await create({ '@type': 'server', name: 'dusty' });
    const fresh = (await call(server.url, `/@api/deki/site/developer-tokens/${t['@id']}`, { headers: bearer(admin) })).json;
    assert.equal((fresh.usage as Record<string, string>)['@unused'], 'false');
    assert.equal(fresh['date.lastused'], undefined);
    server.clock.now = Date.now() + 91 * 24 * HOUR;
    try {
      const later = await signIn(server.url, 'admin', ADMIN_PASSWORD); // the first session has expired by then
      const old = (await call(server.url, `/@api/deki/site/developer-tokens/${t['@id']}`, { headers: bearer(later) })).json;
      assert.equal((old.usage as Record<string, string>)['@unused'], 'true');
    } finally {
      server.clock.now = undefined;
    }
  });
});

describe('allowance', () => {
  test('a roll replaces a token and needs no allowance; no query string gets a creation past it', async () => {
    const small = await startServer({ env: { GATEHOUSE_TOKEN_ALLOWANCE: '1' } });
    try {
      const a = await signIn(small.url, 'admin', ADMIN_PASSWORD);
      const post = (path: string) =>
        call(small.url, path, {
          method: 'POST',
          headers: { ...bearer(a), 'Content-Type': 'application/json' },
          body: JSON.stringify({ '@type': 'server', name: 'one' }),
        });
      const first = await post('/@api/deki/site/developer-tokens');
      assert.equal(first.status, 200);
      for (const path of ['/@api/deki/site/developer-tokens', '/@api/deki/site/developer-tokens?x=/roll']) {
        const res = await post(path);
        assert.equal(res.status, 403, path);
        assert.equal(res.json.message, 'API token allowance reached');
      }
      const rolled = await call(small.url, `/@api/deki/site/developer-tokens/${first.json['@id']}/roll?overlap=0`, { method: 'POST', headers: bearer(a) });
      assert.equal(rolled.status, 200, rolled.text);
    } finally {
      await small.close();
    }
  });
});
