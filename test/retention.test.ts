/**
 * Retention: a sweep deletes audit entries older than GATEHOUSE_AUDIT_RETENTION_DAYS and usage
 * rows older than 31 days, in batches, and nothing else: no token (however old or unused), no
 * audit entry inside the window, no usage the 30-day figures show.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, call, createToken } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Doc = Record<string, unknown>;
const many = (v: unknown): Doc[] => (v === undefined ? [] : Array.isArray(v) ? (v as Doc[]) : [v as Doc]);

describe('retention', () => {
  let server: TestServer;
  let admin: string;
  let oldToken: string;
  let usedToken: Record<string, string>;
  const now = Date.now();

  before(async () => {
    ({ server, admin } = await startSite({ env: { GATEHOUSE_AUDIT_RETENTION_DAYS: '30' } }));
    // A token made long before the window and never used: retention must leave it alone.
    // Made now (so its creation's audit entry is recent) and dated back in the database.
    oldToken = (await createToken(server.url, admin, { '@type': 'server', name: 'ancient' }))['@id']!;
    await server.built.ctx.db
      .updateTable('developer_tokens')
      .set({ created_at: now - 500 * DAY })
      .where('id', '=', Number(oldToken))
      .execute();
    usedToken = await createToken(server.url, admin, { '@type': 'server', name: 'busy', 'generate-jwt': 'true' });
    const db = server.built.ctx.db;
    // 2,500 entries outside the window (more than two batches), and a few just inside it.
    const entry = (at: number, name: string) => ({
      at,
      action: 'token.update',
      actor_id: 1,
      actor_name: 'admin',
      credential: 'cli',
      ip: null,
      target_type: 'token',
      target_id: oldToken,
      details: JSON.stringify({ name }),
    });
    for (let i = 0; i < 2500; i += 500) {
      await db
        .insertInto('audit_log')
        .values(Array.from({ length: 500 }, (_, j) => entry(now - 31 * DAY - (i + j) * 1000, 'outside')))
        .execute();
    }
    await db
      .insertInto('audit_log')
      .values([entry(now - 29 * DAY, 'inside'), entry(now - 30 * DAY + HOUR, 'inside')])
      .execute();
    // Usage: hours and client IPs from 40 and from 10 days ago.
    const id = Number(usedToken['@id']);
    await db
      .insertInto('token_usage_hourly')
      .values([
        { token_id: id, hour: Math.floor((now - 40 * DAY) / HOUR), requests: 7, failures: 1 },
        { token_id: id, hour: Math.floor((now - 10 * DAY) / HOUR), requests: 5, failures: 2 },
      ])
      .execute();
    await db
      .insertInto('token_usage_ips')
      .values([
        { token_id: id, ip: '10.0.0.40', last_seen: now - 40 * DAY },
        { token_id: id, ip: '10.0.0.10', last_seen: now - 10 * DAY },
      ])
      .execute();
  });
  after(() => server.close());

  const auditNames = async () => {
    const res = await call(server.url, '/@api/deki/site/audit?limit=1000&target.type=token', { headers: bearer(admin) });
    assert.equal(res.status, 200, res.text);
    return { total: Number(res.json['@querycount']), names: many(res.json.entry).map((e) => (e.details as Doc | string as Doc).name) };
  };

  test('deletes only what is older than the window, and never a token', async () => {
    const before = await auditNames();
    assert.ok(before.total >= 2502 + 2);
    const figuresBefore = (await call(server.url, `/@api/deki/site/developer-tokens/${usedToken['@id']}`, { headers: bearer(admin) })).json.usage as Doc;

    const deleted = await server.built.pruner.sweep();
    assert.deepEqual(deleted, { audit: 2500, 'usage-hourly': 1, 'usage-ips': 1 });

    const after = await auditNames();
    assert.equal(after.total, before.total - 2500);
    assert.ok(!after.names.includes('outside'));
    assert.equal(after.names.filter((n) => n === 'inside').length, 2);
    // The entries of the two creations (written now) are still there.
    assert.equal(after.names.filter((n) => n === 'ancient' || n === 'busy').length, 2);

    const list = await call(server.url, '/@api/deki/site/developer-tokens', { headers: bearer(admin) });
    assert.deepEqual(
      many(list.json['developer-token']).map((d) => d.name),
      ['ancient', 'busy'],
    );
    const old = await call(server.url, `/@api/deki/site/developer-tokens/${oldToken}`, { headers: bearer(admin) });
    assert.equal(old.status, 200);
    assert.equal((old.json.usage as Doc)['@unused'], 'true');

    // The 30-day figures are what they were: only rows they never counted went.
    const figuresAfter = (await call(server.url, `/@api/deki/site/developer-tokens/${usedToken['@id']}`, { headers: bearer(admin) })).json.usage as Doc;
    assert.equal(figuresAfter['requests.30d'], '5');
    assert.equal(figuresAfter['clients.30d'], '1');
    assert.deepEqual(figuresAfter, figuresBefore);

    // The JWT of a token untouched by retention still works, and a second sweep finds nothing.
    assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(usedToken.authorization!.slice(7)) })).status, 200);
    assert.deepEqual(await server.built.pruner.sweep(), { audit: 0, 'usage-hourly': 0, 'usage-ips': 0 });
  });

  test('the retention setting is checked at start', async () => {
    await assert.rejects(
      startServer({ env: { GATEHOUSE_AUDIT_RETENTION_DAYS: '0' } }),
      /GATEHOUSE_AUDIT_RETENTION_DAYS must be an integer from 1 to 36500, got '0'/,
    );
  });
});
