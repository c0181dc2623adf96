/**
 * Bad input never yields a 500 or a crash: malformed XML and JSON, DTDs and
 * entity declarations, oversized bodies and headers, bad ids, broken percent-encoding, odd content
 * types and query strings. Each gets a 4xx error document whose message says what was wrong, and
 * the server goes on answering.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, type TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { basic, bearer, call, rawRequest, type Response } from './helpers/http.js';

let server: TestServer;
let admin: string;

before(async () => {
  ({ server, admin } = await startSite());
});
after(() => server.close());

// After every test, the server still answers an ordinary request.
afterEach(async () => {
  const res = await call(server.url, '/@api/deki/users/current', { headers: bearer(admin) });
  assert.equal(res.status, 200, `server still answers: ${res.text}`);
});

const TOKENS = '/@api/deki/site/developer-tokens';

/** Asserts an error document, XML or JSON, with this status and a message equal to (or matching) `message`. */
function assertError(res: { status: number; text: string; headers: Headers | http.IncomingHttpHeaders }, status: number, message: string | RegExp): void {
  assert.equal(res.status, status, res.text);
  const type = res.headers instanceof Headers ? res.headers.get('content-type') : res.headers['content-type'];
  let got: { status?: string; title?: string; message?: string };
  if (/^application\/json/.test(type ?? '')) {
    got = JSON.parse(res.text) as typeof got;
  } else {
    assert.match(type ?? '', /^application\/xml; charset=utf-8/);
    const m = /^<error><status>(\d+)<\/status><title>([^<]+)<\/title><message>([^<]*)<\/message>(<uri>[^<]*<\/uri>)?<\/error>$/.exec(res.text);
    assert.ok(m, `an <error> document: ${res.text}`);
    got = {
      status: m[1],
      title: m[2],
      message: m[3]!
        .replace(/&apos;/g, "'")
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    };
  }
  assert.equal(got.status, String(status));
  assert.ok(got.title && got.title !== 'Error', `a title for ${status}`);
  if (typeof message === 'string') assert.equal(got.message, message);
  else assert.match(got.message ?? '', message);
}

function post(path: string, contentType: string | undefined, body: string | undefined): Promise<Response> {
  const headers: Record<string, string> = bearer(admin);
  if (contentType !== undefined) headers['Content-Type'] = contentType;
  return call(server.url, path, { method: 'POST', headers, body });
}

/** A request through node:http, for what fetch will not send (huge headers, chunked bodies, raw paths). */
const raw = (opts: Parameters<typeof rawRequest>[1]) => rawRequest(server.url, opts);

/** Bytes straight onto a socket, for requests Node's HTTP client refuses to build. */
function rawSocket(bytes: string): Promise<{ status: number; headers: Headers; text: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(bytes));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (data += c));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', text = ''] = data.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Headers(lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as [string, string]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, text });
    });
  });
}

describe('malformed and dangerous bodies', () => {
  const cases: { name: string; type: string; body: string; status: number; message: string | RegExp }[] = [
    {
      name: 'malformed XML',
      type: 'application/xml',
      body: '<developer-token type="server"><name>x</developer-token>',
      status: 400,
      message: /^request body is not well-formed XML: Expected closing tag 'name' .+ \(line 1\)$/,
    },
    {
      name: 'truncated XML',
      type: 'text/xml',
      body: '<developer-token type="server"><name>x</na',
      status: 400,
      message: /^request body is not well-formed XML: /,
    },
    {
      name: 'two root elements',
      type: 'application/xml',
      body: '<developer-token type="server"/><developer-token type="server"/>',
      status: 400,
      message: /^request body is not well-formed XML: /,
    },
    {
      name: 'XML nested beyond 100 levels',
      type: 'application/xml',
      body: `<developer-token type="server">${'<a>'.repeat(9000)}${'</a>'.repeat(9000)}</developer-token>`,
      status: 400,
      message: 'request body is not well-formed XML: Maximum nested tags exceeded',
    },
    {
      name: 'an element named __proto__',
      type: 'application/xml',
      body: '<developer-token type="server"><name>x</name><__proto__><name>y</name></__proto__></developer-token>',
      status: 400,
      message: /^request body is not well-formed XML: .*"__proto__"/,
    },
    {
      name: 'the wrong root element',
      type: 'application/xml',
      body: '<user><name>x</name></user>',
      status: 400,
      message: "request body must be a 'developer-token' document",
    },
    {
      name: 'an element that must appear once, twice',
      type: 'application/xml',
      body: '<developer-token type="server"><name>a</name><name>b</name></developer-token>',
      status: 400,
      message: "request body is not well-formed document: 'name' must appear once",
    },
    {
      name: 'billion laughs',
      type: 'application/xml',
      body: '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><developer-token type="server"><name>&lol2;</name></developer-token>',
      status: 400,
      message: 'request body must not contain a DTD or entity declaration',
    },
    {
      name: 'an external entity',
      type: 'application/xml',
      body: '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><developer-token type="server"><name>&xxe;</name></developer-token>',
      status: 400,
      message: 'request body must not contain a DTD or entity declaration',
    },
    {
      name: 'a lower-case doctype',
      type: 'text/xml',
      body: '<!doctype developer-token><developer-token type="server"><name>x</name></developer-token>',
      status: 400,
      message: 'request body must not contain a DTD or entity declaration',
    },
    {
      name: 'malformed JSON',
      type: 'application/json',
      body: '{"@type": "server", "name": }',
      status: 400,
      message: /^request body is not well-formed JSON: Unexpected token|^request body is not well-formed JSON: .+position/,
    },
    {
      name: 'truncated JSON',
      type: 'application/json',
      body: '{"@type": "server", "name": "x"',
      status: 400,
      message: /^request body is not well-formed JSON: /,
    },
    {
      name: 'a JSON array',
      type: 'application/json',
      body: '[{"@type": "server", "name": "x"}]',
      status: 400,
      message: 'request body must be an XML or JSON document',
    },
    { name: 'a JSON string', type: 'application/json', body: '"developer-token"', status: 400, message: 'request body must be an XML or JSON document' },
    { name: 'a JSON number', type: 'application/json', body: '42', status: 400, message: 'request body must be an XML or JSON document' },
    { name: 'JSON null', type: 'application/json', body: 'null', status: 400, message: 'request body must be an XML or JSON document' },
    {
      name: 'JSON nested 20,000 deep',
      type: 'application/json',
      body: `${'['.repeat(20000)}${']'.repeat(20000)}`,
      status: 400,
      message: 'request body must be an XML or JSON document',
    },
    {
      name: 'JSON objects nested 5,000 deep',
      type: 'application/json',
      body: `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
      status: 400,
      message: "token type must be 'server', 'browser' or 'oauth'",
    },
    {
      name: 'a JSON name that is a list',
      type: 'application/json',
      body: '{"@type": "server", "name": ["a", "b"]}',
      status: 400,
      message: "request body is not well-formed document: 'name' must appear once",
    },
    {
      name: 'a JSON type that is an object',
      type: 'application/json',
      body: '{"@type": {"x": "server"}, "name": "a"}',
      status: 400,
      message: "token type must be 'server', 'browser' or 'oauth'",
    },
    {
      name: 'a JSON __proto__ key',
      type: 'application/json',
      body: '{"__proto__": {"@type": "server", "name": "x"}}',
      status: 400,
      message: "token type must be 'server', 'browser' or 'oauth'",
    },
    {
      name: 'XML sent as application/json',
      type: 'application/json',
      body: '<developer-token type="server"><name>x</name></developer-token>',
      status: 400,
      message: /^request body is not well-formed JSON: /,
    },
    {
      name: 'JSON sent as application/xml',
      type: 'application/xml',
      body: '{"@type": "server", "name": "x"}',
      status: 400,
      message: /^request body is not well-formed XML: /,
    },
  ];

  for (const c of cases) {
    test(`${c.name}: ${c.status}`, async () => {
      const res = await post(TOKENS, c.type, c.body);
      assertError(res, c.status, c.message);
      assert.ok(!res.text.includes('root:'), 'nothing from a local file is echoed');
    });
  }

  test('none of the refused bodies made a token', async () => {
    const list = await call(server.url, TOKENS, { headers: bearer(admin) });
    assert.equal(list.status, 200);
    assert.equal(list.json['@count'], '0');
  });
});

describe('content types and empty bodies', () => {
  const xml = '<developer-token type="server"><name>x</name></developer-token>';
  const cases: { name: string; type: string | undefined; body: string | undefined; message: string }[] = [
    { name: 'XML as text/plain', type: 'text/plain', body: xml, message: 'request body must be an XML or JSON document' },
    { name: 'a form', type: 'application/x-www-form-urlencoded', body: 'type=server&name=x', message: 'request body must be an XML or JSON document' },
    {
      name: 'multipart',
      type: 'multipart/form-data; boundary=x',
      body: '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--x--',
      message: 'request body must be an XML or JSON document',
    },
    { name: 'an image', type: 'image/png', body: '\u0089PNG\r\n', message: 'request body must be an XML or JSON document' },
    { name: 'a content type that does not parse', type: ';;;', body: '{}', message: 'request body must be an XML or JSON document' },
    { name: 'an empty JSON body', type: 'application/json', body: '', message: 'request body is required: send an XML or JSON document' },
    { name: 'an empty XML body', type: 'application/xml', body: '', message: 'request body is required: send an XML or JSON document' },
    { name: 'a body of white space', type: 'application/xml', body: ' \r\n\t ', message: 'request body is required: send an XML or JSON document' },
    { name: 'no body and no content type', type: undefined, body: undefined, message: 'request body is required: send an XML or JSON document' },
  ];
  for (const c of cases) {
    test(`POST site/developer-tokens with ${c.name}: 400`, async () => {
      assertError(await post(TOKENS, c.type, c.body), 400, c.message);
    });
  }

  test('PUT site/developer-tokens/{id} and users/{id} with a JSON array: 400', async () => {
    const made = await post(TOKENS, 'application/json', '{"@type": "server", "name": "to change"}');
    assert.equal(made.status, 200);
    for (const path of [`${TOKENS}/${made.json['@id']}`, '/@api/deki/users/1']) {
      const res = await call(server.url, path, { method: 'PUT', headers: { ...bearer(admin), 'Content-Type': 'application/json' }, body: '[]' });
      assertError(res, 400, 'request body must be an XML or JSON document');
    }
  });

  test('POST users with malformed XML and with no body: 400', async () => {
    assertError(await post('/@api/deki/users', 'application/xml', '<user><username>x</user>'), 400, /^request body is not well-formed XML: /);
    assertError(await post('/@api/deki/users', 'application/json', ''), 400, 'request body is required: send an XML or JSON document');
  });
});

describe('field rules', () => {
  const cases: { name: string; body: Record<string, unknown>; message: string }[] = [
    { name: 'an unknown token type', body: { '@type': 'superuser', name: 'x' }, message: "token type must be 'server', 'browser' or 'oauth'" },
    { name: 'no type', body: { name: 'x' }, message: "token type must be 'server', 'browser' or 'oauth'" },
    { name: 'no name', body: { '@type': 'server' }, message: 'name is required and must be 1 to 255 characters' },
    { name: 'a blank name', body: { '@type': 'server', name: '   ' }, message: 'name is required and must be 1 to 255 characters' },
    { name: 'a name of 256 characters', body: { '@type': 'server', name: 'n'.repeat(256) }, message: 'name is required and must be 1 to 255 characters' },
    {
      name: 'a host on a server token',
      body: { '@type': 'server', name: 'x', host: 'a.example.com' },
      message: 'host is only allowed on browser and oauth tokens',
    },
    {
      name: 'a browser token without host',
      body: { '@type': 'browser', name: 'x' },
      message: 'host is required for a browser token: give one or more hostname patterns',
    },
    {
      name: 'a restriction on a browser token',
      body: { '@type': 'browser', name: 'x', host: 'a.example.com', 'restricted-by-user-id': '1' },
      message: 'restricted-by-user-id is only allowed on server tokens',
    },
    {
      name: 'a non-numeric restriction',
      body: { '@type': 'server', name: 'x', 'restricted-by-user-id': 'admin' },
      message: 'restricted-by-user-id must name an existing user who is not Anonymous',
    },
    {
      name: 'a huge restriction id',
      body: { '@type': 'server', name: 'x', 'restricted-by-user-id': '99999999999999999999' },
      message: 'restricted-by-user-id must name an existing user who is not Anonymous',
    },
    {
      name: 'a restriction to Anonymous',
      body: { '@type': 'server', name: 'x', 'restricted-by-user-id': '2' },
      message: 'restricted-by-user-id must name an existing user who is not Anonymous',
    },
    {
      name: 'generate-jwt of "yes"',
      body: { '@type': 'server', name: 'x', 'generate-jwt': 'yes' },
      message: "generate-jwt must be 'true' or 'false' and is only allowed on server tokens",
    },
  ];
  for (const c of cases) {
    test(`${c.name}: 400`, async () => {
      assertError(await post(TOKENS, 'application/json', JSON.stringify(c.body)), 400, c.message);
    });
  }

  test('a name of exactly 255 characters is accepted (the limit above is the real one)', async () => {
    const res = await post(TOKENS, 'application/json', JSON.stringify({ '@type': 'server', name: 'n'.repeat(255) }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.name, 'n'.repeat(255));
  });

  test('users: no username, a username of 256 characters, a bad role', async () => {
    assertError(await post('/@api/deki/users', 'application/json', '{"email": "a@example.com"}'), 400, 'username is required (1 to 255 characters)');
    assertError(
      await post('/@api/deki/users', 'application/json', JSON.stringify({ username: 'u'.repeat(256) })),
      400,
      'username is required (1 to 255 characters)',
    );
    assertError(
      await post('/@api/deki/users', 'application/json', JSON.stringify({ username: 'ok', 'permissions.user': { role: 'God' } })),
      400,
      "user field 'permissions.user/role' is not valid: use one of None, Viewer, Author, Editor, Admin",
    );
  });
});

describe('ids and paths', () => {
  const badId = (id: string) => `'${id}' is not a valid id: use an integer, a keyword or '=' and a name`;
  const cases: { method: string; path: string; status: number; message: string }[] = [
    ...['GET', 'PUT', 'DELETE'].flatMap((method) => [
      { method, path: `${TOKENS}/abc`, status: 400, message: badId('abc') },
      { method, path: `${TOKENS}/99999999999999999999`, status: 400, message: badId('99999999999999999999') },
      { method, path: `${TOKENS}/-1`, status: 400, message: badId('-1') },
      { method, path: `${TOKENS}/999999999999999`, status: 404, message: 'developer token not found' },
    ]),
    { method: 'GET', path: '/@api/deki/users/abc', status: 400, message: badId('abc') },
    { method: 'GET', path: '/@api/deki/users/99999999999999999999', status: 400, message: badId('99999999999999999999') },
    { method: 'GET', path: '/@api/deki/users/999999999999999', status: 404, message: 'user not found' },
    { method: 'GET', path: '/@api/deki/users/=', status: 400, message: badId('=') },
    { method: 'GET', path: '/@api/deki/pages/abc/contents', status: 400, message: badId('abc') },
    { method: 'GET', path: '/@api/deki/pages/99999999999999999999/info', status: 400, message: badId('99999999999999999999') },
    { method: 'GET', path: '/@api/deki/pages/999999999999999/info', status: 404, message: 'page not found' },
    // Invalid percent-encoding: first the router's decoding, then the second decoding of `=name`.
    { method: 'GET', path: '/@api/deki/users/=%E0%A4%A', status: 400, message: 'request URL is not valid: check its percent-encoding' },
    { method: 'GET', path: `${TOKENS}/%`, status: 400, message: 'request URL is not valid: check its percent-encoding' },
    { method: 'GET', path: '/@api/deki/users/=%25E0%25A4%25A', status: 400, message: badId('=%E0%A4%A') },
    { method: 'GET', path: '/@api/deki/pages/=%25E0%25A4%25A/contents', status: 400, message: badId('=%E0%A4%A') },
    { method: 'GET', path: '/@api/deki/no-such-thing', status: 404, message: 'resource not found' },
  ];
  for (const c of cases) {
    test(`${c.method} ${c.path}: ${c.status}`, async () => {
      const init =
        c.method === 'PUT' ? { body: '{"name": "x"}', headers: { ...bearer(admin), 'Content-Type': 'application/json' } } : { headers: bearer(admin) };
      assertError(await call(server.url, c.path, { method: c.method, ...init }), c.status, c.message);
    });
  }

  test('a bad URL answers in the format asked for, with its registry code', async () => {
    const message = 'request URL is not valid: check its percent-encoding';
    const asked = await call(server.url, '/@api/deki/users/=%E0%A4%A?dream.out.format=json', { json: false, headers: bearer(admin) });
    assert.equal(asked.status, 400, asked.text);
    assert.match(asked.headers.get('content-type') ?? '', /^application\/json; charset=utf-8/);
    assert.deepEqual(asked.json, { status: '400', title: 'Bad Request', message, uri: `${server.url}/@api/deki/users/=%E0%A4%A` });
    assert.equal(asked.headers.get('x-gatehouse-error'), 'BAD_URL');
    const accepted = await call(server.url, `${TOKENS}/%`, { json: false, headers: { ...bearer(admin), Accept: 'application/json' } });
    assert.match(accepted.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(accepted.json.message, message);
    const plain = await call(server.url, `${TOKENS}/%`, { json: false, headers: bearer(admin) });
    assert.match(plain.text, /^<error><status>400<\/status><title>Bad Request<\/title><message>request URL is not valid/);
  });

  test('an id of 3,000 characters: 4xx with a document', async () => {
    const res = await call(server.url, `/@api/deki/users/=${'x'.repeat(3000)}`, { headers: bearer(admin) });
    assertError(res, 404, 'resource not found');
  });
});

describe('query strings', () => {
  test('a limit that is not a number, negative, or too large: 400', async () => {
    for (const limit of ['abc', '-1', '1001', '1e3']) {
      const res = await call(server.url, `/@api/deki/users?limit=${limit}`, { headers: bearer(admin) });
      assertError(res, 400, "query parameter 'limit' is not valid: use a whole number from 0 to 1000");
    }
  });

  test('a parameter given twice takes its first value', async () => {
    const users = await call(server.url, '/@api/deki/users?usernamefilter=adm&usernamefilter=zzz&limit=5&limit=x', { headers: bearer(admin) });
    assert.equal(users.status, 200, users.text);
    assert.equal(users.json['@count'], '1');
    const page = await call(server.url, '/@api/deki/pages/=twice/contents?restriction=private&restriction=public&title=First&title=Second', {
      method: 'POST',
      headers: { ...bearer(admin), 'Content-Type': 'text/html' },
      body: '<p>twice</p>',
    });
    assert.equal(page.status, 200, page.text);
    const info = await call(server.url, '/@api/deki/pages/=twice/info', { headers: bearer(admin) });
    assert.equal(info.json.title, 'First');
    assert.equal(info.json.restriction, 'private');
    const json = await call(server.url, '/@api/deki/users/current?dream.out.format=json&dream.out.format=xml', { json: false, headers: bearer(admin) });
    assert.match(json.headers.get('content-type') ?? '', /^application\/json/);
  });

  test('users/authenticate with x-deki-token or redirect given twice: the first is used', async () => {
    const sig = await call(server.url, '/@api/deki/users/authenticate?x-deki-token=nonsense&x-deki-token=more');
    assertError(sig, 403, 'invalid server token signature');
    const redirect = await call(server.url, '/@api/deki/users/authenticate?redirect=https://evil.example/&redirect=/home', {
      headers: { Authorization: basic('admin', ADMIN_PASSWORD) },
    });
    assertError(redirect, 400, 'redirect must be a path on this site or an absolute URL on an allowed host');
  });
});

describe('oversized bodies and headers', () => {
  const big = JSON.stringify({ '@type': 'server', name: 'x'.repeat(70 * 1024) });
  const tooLarge = 'request body is larger than the limit of 65536 bytes';

  test('a body over 64 KiB: 413, as JSON, XML or text', async () => {
    assertError(await post(TOKENS, 'application/json', big), 413, tooLarge);
    assertError(await post(TOKENS, 'application/xml', `<developer-token type="server"><name>${'x'.repeat(70 * 1024)}</name></developer-token>`), 413, tooLarge);
    assertError(await post('/@api/deki/pages/=big/contents', 'text/html', 'x'.repeat(70 * 1024)), 413, tooLarge);
  });

  test('a chunked body over 64 KiB, with no Content-Length: 413', async () => {
    const chunks = Array.from({ length: 20 }, () => 'x'.repeat(4096));
    const res = await raw({
      method: 'POST',
      path: TOKENS,
      headers: { ...bearer(admin), 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      body: chunks,
    });
    assertError(res, 413, tooLarge);
  });

  test('a body of exactly 64 KiB is read', async () => {
    const doc = JSON.stringify({ '@type': 'server', name: 'fits' });
    const res = await post(TOKENS, 'application/json', doc + ' '.repeat(64 * 1024 - doc.length));
    assert.equal(res.status, 200, res.text);
  });

  const kib16 = 16 * 1024;
  const headerCases: { name: string; headers: Record<string, string>; path?: string; status: number; message: string }[] = [
    { name: 'Authorization: Bearer and 16 KiB', headers: { Authorization: `Bearer ${'a'.repeat(kib16)}` }, status: 403, message: 'invalid authtoken' },
    {
      name: 'Authorization: Bearer and 16 KiB that look like a JWT',
      headers: { Authorization: `Bearer eyJ${'a'.repeat(kib16)}.eyJ${'b'.repeat(100)}.sig` },
      status: 403,
      message: 'Unable to parse JWT token',
    },
    {
      name: 'Authorization: a 16 KiB JWT without Bearer',
      headers: { Authorization: `eyJ${'a'.repeat(kib16)}.eyJ.sig` },
      status: 403,
      message: "Authorization header must be 'Bearer <token>'",
    },
    { name: 'X-Deki-Token of 16 KiB', headers: { 'X-Deki-Token': 'x'.repeat(kib16) }, status: 403, message: 'invalid server token signature' },
    {
      name: 'X-Deki-Token: a tkn_ signature with a 16 KiB user',
      headers: { 'X-Deki-Token': `tkn_${'a'.repeat(64)}_1700000000_=${'u'.repeat(kib16)}_${'0'.repeat(64)}` },
      status: 403,
      message: 'invalid server token signature',
    },
    // A stale or junk authtoken cookie is ignored: the admin route then refuses Anonymous.
    {
      name: 'Cookie of 16 KiB',
      headers: { Cookie: `authtoken=${'c'.repeat(kib16)}` },
      path: TOKENS,
      status: 403,
      message: 'this operation requires an active, seated user with the Admin role',
    },
  ];
  for (const c of headerCases) {
    test(`${c.name}: ${c.status}`, async () => {
      const res = await raw({ path: c.path ?? '/@api/deki/users/current', headers: c.headers });
      assertError(res, c.status, c.message);
    });
  }

  test('a 16 KiB cookie is cleared in the response', async () => {
    const res = await raw({ path: TOKENS, headers: { Cookie: `authtoken=${'c'.repeat(kib16)}` } });
    assert.match(String(res.headers['set-cookie']), /^authtoken=; .*Expires=Thu, 01 Jan 1970/);
  });

  test('an unrelated header of 16 KiB does not get in the way', async () => {
    const res = await raw({ path: '/@api/deki/users/current?dream.out.format=json', headers: { ...bearer(admin), 'X-Padding': 'p'.repeat(kib16) } });
    assert.equal(res.status, 200, res.text);
    assert.equal((JSON.parse(res.text) as { username: string }).username, 'admin');
  });

  test('headers of more than 64 KiB in all: 431 with a document', async () => {
    const res = await rawSocket(
      `GET /@api/deki/users/current HTTP/1.1\r\nHost: localhost\r\nX-A: ${'a'.repeat(40 * 1024)}\r\nX-B: ${'b'.repeat(40 * 1024)}\r\n\r\n`,
    );
    assertError(res, 431, 'request headers are too large');
  });

  test('a request the HTTP parser refuses, asking for JSON, gets its error in JSON', async () => {
    const res = await rawSocket('GET /@api/deki/users/current?dream.out.format=json HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('x-gatehouse-error'), 'HTTP_INVALID');
    assertError(res, 400, 'request is not valid HTTP');
  });

  test('bytes that are not HTTP: 400 with a document', async () => {
    const res = await rawSocket('HELLO THERE\r\n\r\n');
    assertError(res, 400, 'request is not valid HTTP');
  });
});
