/**
 * `GET site/developer-tokens` paged, filtered and sorted: bad paging values are 400 documents,
 * `querycount` counts what every filter matches (and the pages hold exactly those tokens), each
 * order holds, and without `limit` a list longer than one chunk streams the same bytes as pages.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { bearer, call, createToken, createUser, signIn } from './helpers/http.js';
import type { TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';

const DAY = 86_400_000;
const LIST = '/@api/deki/site/developer-tokens';

type Doc = Record<string, unknown>;
const many = (v: unknown): Doc[] => (v === undefined ? [] : Array.isArray(v) ? (v as Doc[]) : [v as Doc]);

describe('token list paging, filters and order', () => {
  let server: TestServer;
  let admin: string;
  /** Token ids by the name the test gave them. */
  const ids: Record<string, string> = {};

  const list = async (query: string) => {
    const res = await call(server.url, `${LIST}?${query}`, { headers: bearer(admin) });
    assert.equal(res.status, 200, `${query}: ${res.text}`);
    return res;
  };

  before(async () => {
    ({ server, admin } = await startSite());
    const alice = await createUser(server.url, admin, { username: 'alice' });
    await createUser(server.url, admin, { username: 'bob', role: 'Admin', password: 'bob-password-1' });
    const make = async (name: string, doc: Doc, as = admin) => (ids[name] = (await createToken(server.url, as, { name, ...doc }))['@id']!);
    const zendesk = await createToken(server.url, admin, { '@type': 'server', name: 'Zendesk-Integration', 'restricted-by-user-id': String(alice) });
    ids['Zendesk-Integration'] = zendesk['@id']!;
    await make('Widget', { '@type': 'browser', host: '*.zendesk.example.com' });
    await make('CRM app', { '@type': 'oauth', host: 'crm.example.org' });
    await make('Short-lived', { '@type': 'server', expires: new Date(Date.now() + 3 * DAY).toISOString() });
    await make("Bob's bot", { '@type': 'server' }, await signIn(server.url, 'bob', 'bob-password-1'));
    // Made 100 days ago and never used: past the 90 days that make a token "unused".
    server.clock.now = Date.now() - 100 * DAY;
    await make('Nightly export', { '@type': 'server' });
    // Made 10 days ago to expire 2 days later: expired now.
    server.clock.now = Date.now() - 10 * DAY;
    await make('Expired one', { '@type': 'server', expires: new Date(Date.now() - 8 * DAY).toISOString() });
    server.clock.now = undefined;
    await make('Rolled original', { '@type': 'server' });
    const roll = await call(server.url, `${LIST}/${ids['Rolled original']}/roll?overlap=3600`, { method: 'POST', headers: bearer(admin) });
    assert.equal(roll.status, 200, roll.text);
    ids['Rolled replacement'] = roll.json['@id'] as string;
    // One use, written: the only token with a last use.
    assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(zendesk.authorization!.slice(7)) })).status, 200);
    await server.built.usage.flush();
  });
  after(() => server.close());

  test('bad paging values are 400 documents naming the parameter, in XML and JSON', async () => {
    const bad: [string, string][] = [
      ['limit=-1', "query parameter 'limit' is not valid: use a whole number from 0 to 1000"],
      ['limit=ten', "query parameter 'limit' is not valid: use a whole number from 0 to 1000"],
      ['limit=1001', "query parameter 'limit' is not valid: use a whole number from 0 to 1000"],
      ['limit=', "query parameter 'limit' is not valid: use a whole number from 0 to 1000"],
      ['limit=1e3', "query parameter 'limit' is not valid: use a whole number from 0 to 1000"],
      ['limit=99999999999999999999', "query parameter 'limit' is not valid: use a whole number from 0 to 1000"],
      ['limit=10&offset=-5', "query parameter 'offset' is not valid: use a whole number from 0 to 1000000000"],
      ['limit=10&offset=2.5', "query parameter 'offset' is not valid: use a whole number from 0 to 1000000000"],
      ['offset=10', "query parameter 'offset' is not valid: give limit too: without limit every token is listed, in creation order"],
      ['sortby=name', "query parameter 'sortby' is not valid: give limit too: without limit every token is listed, in creation order"],
      ['limit=10&sortby=secret', "query parameter 'sortby' is not valid: use name, created, lastused, type, with - before it for descending"],
      ['limit=10&sortby=--name', "query parameter 'sortby' is not valid: use name, created, lastused, type, with - before it for descending"],
      ['limit=10&type=admin', "query parameter 'type' is not valid: use server, browser, oauth, or several separated by commas"],
      ['state=stale', "query parameter 'state' is not valid: use unused, expired, expiring, rolled, or several separated by commas"],
      [`limit=10&filter=${'x'.repeat(256)}`, "query parameter 'filter' is not valid: use at most 255 characters"],
    ];
    for (const [query, message] of bad) {
      const json = await call(server.url, `${LIST}?${query}`, { headers: bearer(admin) });
      assert.equal(json.status, 400, `${query}: ${json.text}`);
      assert.deepEqual(
        { status: json.json.status, title: json.json.title, message: json.json.message },
        { status: '400', title: 'Bad Request', message },
        query,
      );
      const xml = await call(server.url, `${LIST}?${query}`, { headers: bearer(admin), json: false });
      assert.equal(xml.status, 400);
      assert.match(xml.text, /^<error><status>400<\/status><title>Bad Request<\/title><message>/);
    }
    // The edges of the ranges are fine.
    assert.equal(Number((await list('limit=0')).json['@count']), 0);
    assert.equal((await list('limit=1000&offset=1000000000')).json['@count'], '0');
  });

  test('the user search finds by part of a username or full name, and odd text is no error', async () => {
    const search = async (text: string) => (await call(server.url, `/@api/deki/users?usernamefilter=${text}&limit=5`, { headers: bearer(admin) })).json;
    assert.deepEqual(
      many((await search('LIC')).user).map((u) => u.username),
      ['alice'],
    );
    assert.deepEqual(
      many((await search('bo')).user).map((u) => u.username),
      ['bob'],
    );
    for (const odd of ['%00%00%00', '%22%2A%3A%5E', '%25%25%25']) assert.equal((await search(odd))['@querycount'], '0', odd);
  });

  test('querycount counts what each filter matches, and the pages hold exactly those tokens', async () => {
    const keyOf = async (name: string) => (await call(server.url, `${LIST}/${ids[name]}`, { headers: bearer(admin) })).json.key as string;
    const everyone = Object.keys(ids);
    const cases: [string, string[]][] = [
      ['', everyone],
      ['filter=zendesk', ['Zendesk-Integration', 'Widget']], // a name, and a host
      ['filter=ZENDESK', ['Zendesk-Integration', 'Widget']],
      ['filter=alice', ['Zendesk-Integration']], // the restricted user
      ['filter=bob', ["Bob's bot"]], // the creator (and the name)
      ['filter=admin', everyone.filter((n) => n !== "Bob's bot")], // the creator
      [`filter=${(await keyOf('CRM app')).slice(0, 10)}`, ['CRM app']], // a key prefix
      ['filter=cr', ['CRM app']], // shorter than a trigram
      ['filter=%25', []],
      ['filter=%00%00%00', []], // control characters match nothing, and never break the index's query
      ['filter=%22%2A%3A%5E', []], // FTS5's own syntax is matched as text
      ['filter=nobody-has-this', []],
      ['type=browser', ['Widget']],
      ['type=server,oauth', everyone.filter((n) => n !== 'Widget')],
      ['state=unused', ['Nightly export']],
      ['state=expired', ['Expired one']],
      ['state=expiring', ['Short-lived']],
      ['state=rolled', ['Rolled original']],
      ['state=expired,expiring', ['Expired one', 'Short-lived']],
      ['filter=zendesk&type=server', ['Zendesk-Integration']],
      ['filter=admin&state=rolled,unused', ['Rolled original', 'Nightly export']],
      ['filter=o&type=server&state=expired', ['Expired one']],
    ];
    for (const [query, names] of cases) {
      const expected = names.map((n) => ids[n]!).sort();
      const seen: string[] = [];
      for (let offset = 0; offset <= expected.length; offset += 2) {
        const page = (await list(`${query}&limit=2&offset=${offset}`)).json;
        assert.equal(page['@querycount'], String(expected.length), `querycount of ${query || 'no filter'}`);
        const docs = many(page['developer-token']);
        assert.equal(page['@count'], String(docs.length));
        seen.push(...docs.map((d) => d['@id'] as string));
      }
      assert.deepEqual(seen.sort(), expected, `tokens of ${query || 'no filter'}`);
      // Unpaged, the same filter gives the same tokens, with the count of them.
      const all = (await list(query)).json;
      assert.equal(all['@count'], String(expected.length), `unpaged ${query}`);
      assert.equal(all['@querycount'], undefined);
      assert.deepEqual(
        many(all['developer-token'])
          .map((d) => d['@id'] as string)
          .sort(),
        expected,
      );
    }
  });

  test('each order, ascending and descending, with paging that neither repeats nor skips', async () => {
    const order = async (sortby: string) => {
      const out: string[] = [];
      for (let offset = 0; offset < Object.keys(ids).length; offset += 3) {
        out.push(...many((await list(`limit=3&offset=${offset}&sortby=${sortby}`)).json['developer-token']).map((d) => d['@id'] as string));
      }
      return out;
    };
    // A roll keeps the name: the replacement is listed as "Rolled original" too, after it by id.
    const listedName = (n: string) => (n === 'Rolled replacement' ? 'Rolled original' : n).toLowerCase();
    const byName = Object.keys(ids)
      .sort((a, b) => (listedName(a) < listedName(b) ? -1 : listedName(a) > listedName(b) ? 1 : Number(ids[a]) - Number(ids[b])))
      .map((n) => ids[n]);
    assert.deepEqual(await order('name'), byName);
    assert.deepEqual(await order('-name'), [...byName].reverse());
    assert.equal((await order('-lastused'))[0], ids['Zendesk-Integration']);
    assert.equal((await order('lastused')).at(-1), ids['Zendesk-Integration']);
    const byCreation = Object.values(ids).sort((a, b) => Number(a) - Number(b));
    // Two tokens were made with the clock set back, so creation order is not id order.
    const created = await order('created');
    assert.deepEqual(created.slice(0, 2), [ids['Nightly export'], ids['Expired one']]);
    assert.deepEqual(
      [...created].sort((a, b) => Number(a) - Number(b)),
      byCreation,
    );
    assert.deepEqual(await order('-created'), [...created].reverse());
    const types = many((await list('limit=20&sortby=type')).json['developer-token']).map((d) => d['@type']);
    assert.deepEqual(types.slice(0, 2), ['browser', 'oauth']);
    assert.deepEqual(many((await list('limit=20&sortby=-type')).json['developer-token']).at(-1)?.['@type'], 'browser');
  });
});

describe('token list without limit', () => {
  let server: TestServer;
  let admin: string;
  const FILLER = 1234;

  before(async () => {
    ({ server, admin } = await startSite());
    await createToken(server.url, admin, { '@type': 'browser', name: 'made-through-the-api', host: 'a.example.com' });
    // More tokens than one chunk, written straight into the store: the API would take minutes.
    const now = Date.now();
    for (let i = 0; i < FILLER; i += 100) {
      const rows = Array.from({ length: Math.min(100, FILLER - i) }, (_, j) => ({
        type: 'server' as const,
        name: `filler-${i + j}${(i + j) % 2 === 0 ? '-even' : ''}`,
        key: randomBytes(32).toString('hex'),
        secret_enc: null,
        created_at: now,
        created_by: 1,
      }));
      await server.built.ctx.db.insertInto('developer_tokens').values(rows).execute();
    }
  });
  after(() => server.close());

  const get = (query: string) => call(server.url, `${LIST}${query}`, { headers: bearer(admin), json: false });

  test('streams every token, in the bytes the pages would make, in XML and JSON', async () => {
    const total = FILLER + 1;
    const pages = async (format: string) => {
      const out: string[] = [];
      for (let offset = 0; offset < total; offset += 1000) out.push((await get(`?limit=1000&offset=${offset}&dream.out.format=${format}`)).text);
      return out;
    };
    const xmlPages = await pages('xml');
    const inner = xmlPages.map((p) => p.replace(/^<developer-tokens count="\d+" querycount="\d+">/, '').replace(/<\/developer-tokens>$/, '')).join('');
    const xml = await get('');
    assert.equal(xml.status, 200);
    assert.equal(xml.headers.get('content-type'), 'application/xml; charset=utf-8');
    assert.equal(xml.text, `<developer-tokens count="${total}">${inner}</developer-tokens>`);

    const jsonPages = (await pages('json')).map((p) => many((JSON.parse(p) as Doc)['developer-token']));
    const json = await get('?dream.out.format=json');
    assert.equal(json.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(json.text, JSON.stringify({ '@count': String(total), 'developer-token': jsonPages.flat() }));
  });

  test('a filter applies to the streamed list and its count', async () => {
    const res = await call(server.url, `${LIST}?filter=even`, { headers: bearer(admin) });
    assert.equal(res.status, 200);
    const docs = many(res.json['developer-token']);
    assert.equal(res.json['@count'], String(FILLER / 2));
    assert.equal(docs.length, FILLER / 2);
    assert.ok(docs.every((d) => (d.name as string).endsWith('-even')));
  });
});
