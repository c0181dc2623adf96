/**
 * Attacks: each hostile request gets its expected 4xx, with the exact message,
 * changes nothing, and the server is still healthy after all of them.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { signServerToken } from '../client/sign.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { basic, bearer, call, cookieHeaders, createToken, createUser, rawRequest, signIn } from './helpers/http.js';

let server: TestServer;
let admin: string;
/** A server token with a JWT: the target of the forgeries. */
let token: { id: string; key: string; secret: string; jwt: string };

const TOKENS = '/@api/deki/site/developer-tokens';

before(async () => {
  // The test helper turns the failure limits off, so each attack below gets its own 4xx, not a 429;
  // the brute-force cases at the end turn them back on, each on a server of its own.
  ({ server, admin } = await startSite({ env: { GATEHOUSE_REDIRECT_HOSTS: '*.partner.example' } }));
  const created = await createToken(server.url, admin, { '@type': 'server', name: 'target', 'generate-jwt': 'true' });
  token = { id: created['@id']!, key: created.key!, secret: created.secret!, jwt: created.authorization!.slice('Bearer '.length) };
});
after(() => server.close());

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** The claims a genuine JWT for `token` carries, so only the forged part differs. */
function claims(): Record<string, unknown> {
  const iat = Math.floor(Date.now() / 1000) - 60;
  return { sub: token.key, aud: 'auth-service-Server', iss: `${server.url}/`, iat, nbf: iat - 1, exp: iat + 3600 };
}

/** Asserts status and exact message of a JSON error document. */
function assertRefused(res: { status: number; json: Record<string, unknown>; text: string }, status: number, message: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.message, message, res.text);
}

const asJwt = (jwt: string) => call(server.url, '/@api/deki/users/current', { headers: bearer(jwt) });
const asSignature = (value: string) => call(server.url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': value } });

/** A request through node:http, for what fetch would normalise (`..` segments) or refuse to send. */
const raw = (opts: Parameters<typeof rawRequest>[1]) => rawRequest(server.url, opts);

/** The message of an XML error document. */
function xmlMessage(text: string): string | undefined {
  return /<message>([^<]*)<\/message>/.exec(text)?.[1]?.replace(/&apos;/g, "'");
}

async function tokenCount(): Promise<string> {
  const list = await call(server.url, TOKENS, { headers: bearer(admin) });
  assert.equal(list.status, 200);
  return list.json['@count'] as string;
}

describe('forged JWTs', () => {
  test('the genuine JWT works (so every refusal below is about the forgery)', async () => {
    const res = await asJwt(token.jwt);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.username, 'admin');
  });

  test("alg: none, in any case, with or without a signature: 403 'invalid json web token'", async () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const unsigned = `${b64url({ alg, kid: token.id, typ: 'JWT' })}.${b64url(claims())}`;
      for (const jwt of [`${unsigned}.`, `${unsigned}.${token.jwt.split('.')[2]}`]) {
        assertRefused(await asJwt(jwt), 403, 'invalid json web token');
      }
    }
  });

  test("HS256 or HS512 with the token's key or secret as HMAC key: 403 'invalid json web token'", async () => {
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      for (const [what, material] of [
        ['key', token.key],
        ['secret', token.secret],
        ['secret as bytes', Buffer.from(token.secret, 'hex')],
      ] as const) {
        const hmacKey = typeof material === 'string' ? new TextEncoder().encode(material) : new Uint8Array(material);
        const jwt = await new SignJWT(claims()).setProtectedHeader({ alg, kid: token.id, typ: 'JWT' }).sign(hmacKey);
        const res = await asJwt(jwt);
        assert.equal(res.status, 403, `${alg} with the ${what}: ${res.text}`);
        assert.equal(res.json.message, 'invalid json web token', `${alg} with the ${what}`);
      }
    }
  });

  test('the genuine signature moved onto changed claims or a changed header: 403', async () => {
    const [header, , signature] = token.jwt.split('.') as [string, string, string];
    const widened = { ...claims(), exp: Math.floor(Date.now() / 1000) + 100 * 365 * 86_400 };
    assertRefused(await asJwt(`${header}.${b64url(widened)}.${signature}`), 403, 'invalid json web token');
    const hs256 = b64url({ alg: 'HS256', kid: token.id, typ: 'JWT' });
    assertRefused(await asJwt(`${hs256}.${token.jwt.split('.')[1]}.${signature}`), 403, 'invalid json web token');
  });

  test("kid with SQL or path characters: 403 'invalid json web token', and the tokens are untouched", async () => {
    const kids = [
      `${token.id}' OR '1'='1`,
      `${token.id}; DROP TABLE developer_tokens; --`,
      `0 UNION SELECT key FROM developer_tokens`,
      `${token.id}--`,
      '../../master.key',
      '../../../../../../etc/passwd',
      '/etc/passwd',
      '..\\..\\master.key',
      `${token.id}/../${token.id}`,
      `${token.id}\u0000`,
      '%00',
      '0',
      '-1',
      '99999999999999999999999',
      ` ${token.id}`,
      `${token.id}.0`,
      '1e1',
    ];
    const before = await tokenCount();
    for (const kid of kids) {
      const jwt = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS512', kid, typ: 'JWT' }).sign(new TextEncoder().encode(token.secret));
      const res = await asJwt(jwt);
      assert.equal(res.status, 403, `kid ${JSON.stringify(kid)}: ${res.text}`);
      assert.equal(res.json.message, 'invalid json web token', `kid ${JSON.stringify(kid)}`);
    }
    // A kid that is not a string at all cannot name a token: the JWT does not parse.
    for (const kid of [Number(token.id), [token.id], { $ne: null }, null]) {
      const jwt = `${b64url({ alg: 'HS512', kid, typ: 'JWT' })}.${b64url(claims())}.${token.jwt.split('.')[2]}`;
      assertRefused(await asJwt(jwt), 403, 'Unable to parse JWT token');
    }
    assert.equal(await tokenCount(), before);
    assert.equal((await asJwt(token.jwt)).status, 200, 'the genuine JWT still works');
  });
});

describe('oversized credentials', () => {
  const HUNDRED_KB = 100 * 1024;

  test("a 100 KB JWT or signature in a header: 431 'request headers are too large'", async () => {
    const [header, , signature] = token.jwt.split('.') as [string, string, string];
    const bigJwt = `${header}.${b64url({ ...claims(), pad: 'x'.repeat(HUNDRED_KB) })}.${signature}`;
    const bigSignature = `tkn_${token.key}_${Math.floor(Date.now() / 1000)}_=${'a'.repeat(HUNDRED_KB)}_${'0'.repeat(64)}`;
    for (const headers of [bearer(bigJwt), { 'X-Deki-Token': bigSignature }]) {
      const res = await raw({ path: '/@api/deki/users/current', headers });
      assert.equal(res.status, 431, res.text);
      assert.equal(xmlMessage(res.text), 'request headers are too large');
    }
  });

  test('a 100 KB signature in the x-deki-token query of users/authenticate: 431, with no session', async () => {
    const bigSignature = `tkn_${token.key}_${Math.floor(Date.now() / 1000)}_=${'a'.repeat(HUNDRED_KB)}_${'0'.repeat(64)}`;
    const res = await raw({ path: `/@api/deki/users/authenticate?x-deki-token=${bigSignature}` });
    assert.equal(res.status, 431, res.text);
    assert.equal(xmlMessage(res.text), 'request headers are too large');
    assert.equal(res.headers['set-cookie'], undefined);
  });

  test('JWTs and signatures that fit under the header limit (40 KB of payload) are refused with their message', async () => {
    // Base64url grows a JWT part by a third: 40 KB of claims is a 54 KB header, under the 64 KiB limit.
    const FORTY_KB = 40 * 1024;
    const [header, , signature] = token.jwt.split('.') as [string, string, string];
    // Claims padded to 40 KB with the genuine signature: the signature no longer matches.
    assertRefused(await asJwt(`${header}.${b64url({ ...claims(), pad: 'x'.repeat(FORTY_KB) })}.${signature}`), 403, 'invalid json web token');
    // A 40 KB signature part, and a 40 KB header.
    assertRefused(await asJwt(`${header}.${token.jwt.split('.')[1]}.${'A'.repeat(FORTY_KB)}`), 403, 'invalid json web token');
    assertRefused(
      await asJwt(`${b64url({ alg: 'HS512', kid: token.id, typ: 'JWT', x: 'x'.repeat(FORTY_KB) })}.${token.jwt.split('.')[1]}.${signature}`),
      403,
      'invalid json web token',
    );
    // Three parts that are not base64url JSON.
    assertRefused(await asJwt(`${'e'.repeat(FORTY_KB)}.x.y`), 403, 'Unable to parse JWT token');

    const epoch = Math.floor(Date.now() / 1000);
    const hash = '0'.repeat(64);
    // A 40 KB username, correctly signed: the HMAC matches, and no such user exists.
    const longName = `=${'a'.repeat(FORTY_KB)}`;
    const signedLong = signServerToken({ key: token.key, secret: token.secret, user: longName, epoch });
    const asLong = await asSignature(signedLong);
    assert.equal(asLong.status, 200, 'an unknown user named by a valid signature is Anonymous');
    assert.equal(asLong.json.username, 'Anonymous');
    for (const value of [
      `tkn_${token.key}_${epoch}_${longName}_${hash}`, // wrong hash over a 40 KB message
      `tkn_${'f'.repeat(FORTY_KB)}_${epoch}_1_${hash}`, // a 40 KB key
      `tkn_${token.key}_${epoch}_1_${'ab'.repeat(FORTY_KB / 2)}`, // a 40 KB hash
      `tkn_${token.key}_${'9'.repeat(FORTY_KB)}_1_${hash}`, // a 40 KB epoch
      '_'.repeat(FORTY_KB),
    ]) {
      assertRefused(await asSignature(value), 403, 'invalid server token signature');
    }
  });
});

describe('hostile bodies', () => {
  const post = (path: string, type: string, body: string) =>
    call(server.url, path, { method: 'POST', headers: { ...bearer(admin), 'Content-Type': type }, body });

  test('XML entity expansion (billion laughs, quadratic blowup) and external entities: 400, nothing created', async () => {
    const before = await tokenCount();
    const bodies = [
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><developer-token type="server"><name>&lol3;</name></developer-token>',
      `<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "${'a'.repeat(10_000)}">]><developer-token type="server"><name>${'&a;'.repeat(1000)}</name></developer-token>`,
      '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><developer-token type="server"><name>&xxe;</name></developer-token>',
      '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY xxe SYSTEM "http://127.0.0.1:1/">]><developer-token type="server"><name>&xxe;</name></developer-token>',
      '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><developer-token type="server"><name>x</name></developer-token>',
      '<?xml version="1.0"?><!DOCTYPE developer-token SYSTEM "file:///etc/passwd"><developer-token type="server"><name>x</name></developer-token>',
      '<developer-token type="server"><name>x</name></developer-token><!ENTITY late "x">',
    ];
    for (const body of bodies) {
      for (const type of ['application/xml', 'text/xml', 'application/atom+xml']) {
        const res = await post(TOKENS, type, body);
        assertRefused(res, 400, 'request body must not contain a DTD or entity declaration');
        assert.ok(!res.text.includes('root:'), 'nothing from a local file is echoed');
      }
    }
    // The same on users and pages' neighbours that take XML documents.
    const user = await post(
      '/@api/deki/users',
      'application/xml',
      bodies[2]!
        .replace(/developer-token type="server"/g, 'user')
        .replace(/<name>/g, '<username>')
        .replace(/<\/name>/g, '</username>'),
    );
    assertRefused(user, 400, 'request body must not contain a DTD or entity declaration');
    const put = await call(server.url, `${TOKENS}/${token.id}`, {
      method: 'PUT',
      headers: { ...bearer(admin), 'Content-Type': 'application/xml' },
      body: bodies[0]!,
    });
    assertRefused(put, 400, 'request body must not contain a DTD or entity declaration');
    assert.equal(await tokenCount(), before);
    const mine = await call(server.url, `${TOKENS}/${token.id}`, { headers: bearer(admin) });
    assert.equal(mine.json.name, 'target', 'the PUT changed nothing');
  });

  test('an entity reference without a declaration is kept as text, never resolved', async () => {
    const res = await post(TOKENS, 'application/xml', '<developer-token type="server"><name>a&xxe;b</name></developer-token>');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.name, 'a&xxe;b');
    await call(server.url, `${TOKENS}/${res.json['@id'] as string}`, { method: 'DELETE', headers: bearer(admin) });
  });

  test('JSON nested 10,000 deep, as arrays, as objects and inside a field: 400, nothing created', async () => {
    const before = await tokenCount();
    const DEEP = 10_000;
    const arrays = `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;
    const objects = `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`;
    assertRefused(await post(TOKENS, 'application/json', arrays), 400, 'request body must be an XML or JSON document');
    assertRefused(await post(TOKENS, 'application/json', objects), 400, "token type must be 'server', 'browser' or 'oauth'");
    assertRefused(await post(TOKENS, 'application/json', `{"@type":"server","name":${objects}}`), 400, 'name is required and must be 1 to 255 characters');
    assertRefused(
      await post(TOKENS, 'application/json', `{"@type":"server","name":"x","host":${arrays}}`),
      400,
      "request body is not well-formed document: 'host' must appear once",
    );
    assertRefused(await post('/@api/deki/users', 'application/json', `{"username":${objects}}`), 400, 'username is required (1 to 255 characters)');
    // XML nested 8,000 deep (10,000 would pass the 64 KiB body limit) stops at the parser's limit.
    const xml = `<developer-token type="server"><name>x</name>${'<a>'.repeat(8000)}${'</a>'.repeat(8000)}</developer-token>`;
    assertRefused(await post(TOKENS, 'application/xml', xml), 400, 'request body is not well-formed XML: Maximum nested tags exceeded');
    assert.equal(await tokenCount(), before);
  });
});

describe('page ids with .. and NUL', () => {
  test("'..' segments in a =path, encoded once or twice: 400 'page path is not valid', nothing written", async () => {
    const ids = [
      '=..%252F..%252Fetc%252Fpasswd', // "../../etc/passwd" after both decodings
      '=a%252F..%252F..%252Fb',
      '=..',
      '=.',
      '=a%252F.%252Fb',
      '=%252E%252E%252Fsecret',
      '=a%252F%252Fb',
    ];
    for (const id of ids) {
      const read = await call(server.url, `/@api/deki/pages/${id}/contents`, { headers: bearer(admin) });
      assertRefused(read, 400, 'page path is not valid');
      const write = await call(server.url, `/@api/deki/pages/${id}/contents`, {
        method: 'POST',
        headers: { ...bearer(admin), 'Content-Type': 'text/html' },
        body: '<p>x</p>',
      });
      assertRefused(write, 400, 'page path is not valid');
    }
  });

  test('NUL and other control characters in an id: 400, with a well-formed document', async () => {
    for (const id of ['=a%2500b', '=%2500', '=a%250Ab', '=a%257Fb']) {
      assertRefused(await call(server.url, `/@api/deki/pages/${id}/info`, { headers: bearer(admin) }), 400, 'page path is not valid');
    }
    // NUL after one decoding: not a number, keyword or =name.
    for (const id of ['1%00', '%00', 'home%00']) {
      const res = await call(server.url, `/@api/deki/pages/${id}/contents`, { headers: bearer(admin) });
      assert.equal(res.status, 400, `${id}: ${res.text}`);
      assert.match(res.json.message as string, /^'.*' is not a valid id: use an integer, a keyword or '=' and a name$/);
      const xml = await call(server.url, `/@api/deki/pages/${id}/contents`, { headers: bearer(admin), json: false });
      assert.ok(!xml.text.includes('\u0000'), 'no NUL in the XML document');
      assert.match(xml.text, /^<error><status>400<\/status>/);
    }
    // Same for users and tokens.
    assert.equal((await call(server.url, '/@api/deki/users/1%00', { headers: bearer(admin) })).status, 400);
    assert.equal((await call(server.url, `${TOKENS}/${token.id}%00`, { headers: bearer(admin) })).status, 400);
  });

  test('raw ../ in the URL path never reaches a file: 4xx on the API, the dashboard page under /dashboard/', async () => {
    for (const path of [
      '/@api/deki/pages/../../../etc/passwd',
      '/@api/deki/pages/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/@api/deki/pages/..%2f..%2f..%2fetc%2fpasswd/contents',
      '/@api/deki/../../../package.json',
    ]) {
      const res = await raw({ path, headers: bearer(admin) });
      assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`);
      assert.match(res.text, /^<error><status>4\d\d<\/status>/);
    }
    // The dashboard is served from memory: any path under it is the page itself (it routes in the browser).
    const page = await raw({ path: '/dashboard/integrations/api-tokens' });
    for (const path of [
      '/dashboard/../../../../etc/passwd',
      '/dashboard/..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/dashboard/%2e%2e/%2e%2e/package.json',
      '/dashboard/assets/..%2f..%2f..%2fpackage.json',
    ]) {
      const res = await raw({ path });
      if (res.status === page.status) assert.equal(res.text, page.text, `${path} is the dashboard page`);
      else assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`);
      assert.ok(!res.text.includes('root:') && !res.text.includes('"name": "gatehouse"'), `${path} leaks nothing`);
    }
  });
});

describe('users/authenticate redirect to a foreign host', () => {
  const sign = () => encodeURIComponent(signServerToken({ key: token.key, secret: token.secret, user: '=admin' }));
  /** Foreign targets, `port` being this site's (for `localhost:<port>@evil.example`). */
  const evil = (port: string) => [
    'https://evil.example/',
    'http://evil.example',
    '//evil.example/x',
    '/\\evil.example',
    '\\\\evil.example',
    '///evil.example',
    'https:evil.example',
    'https://partner.example.evil.example/',
    'https://evil.example/.partner.example',
    'https://partner.example@evil.example/',
    `http://localhost:${port}@evil.example/`,
    'https://evil.example#.partner.example',
    'javascript:alert(document.cookie)',
    'data:text/html,<script>alert(1)</script>',
    'ftp://app.partner.example/',
    // The URL parser drops tabs and newlines anywhere and reads `\` as `/`: each of these is `//evil.test`.
    '/\t/evil.test',
    '/\n/evil.test',
    '/\r/evil.test',
    '/\t\\evil.test',
    '\t//evil.test',
    ' //evil.test',
    '/\r\n/evil.test',
    'https://app.partner.example@evil.test/',
    'https://user@app.partner.example/',
  ];

  test("with a signature or with Basic: 400 'redirect must be …' and no session is started", async () => {
    for (const target of evil(new URL(server.url).port)) {
      for (const [how, path, headers] of [
        ['signature', `/@api/deki/users/authenticate?x-deki-token=${sign()}&redirect=${encodeURIComponent(target)}`, {}],
        ['Basic', `/@api/deki/users/authenticate?redirect=${encodeURIComponent(target)}`, { Authorization: basic('admin', ADMIN_PASSWORD) }],
      ] as const) {
        const res = await call(server.url, path, { headers });
        assert.equal(res.status, 400, `${how}, ${target}: ${res.status} ${res.headers.get('location')}`);
        assert.equal(res.json.message, 'redirect must be a path on this site or an absolute URL on an allowed host');
        assert.equal(res.headers.get('location'), null);
        assert.equal(res.headers.get('set-cookie'), null, 'no session is started for a refused redirect');
      }
    }
  });

  test('the allowed targets still redirect, to exactly where they say', async () => {
    const here = await call(server.url, `/@api/deki/users/authenticate?x-deki-token=${sign()}&redirect=${encodeURIComponent('/a/b?c=d')}`);
    assert.equal(here.status, 302);
    assert.equal(here.headers.get('location'), `${server.url}/a/b?c=d`);
    const partner = await call(
      server.url,
      `/@api/deki/users/authenticate?x-deki-token=${sign()}&redirect=${encodeURIComponent('https://app.partner.example/x')}`,
    );
    assert.equal(partner.status, 302);
    assert.equal(partner.headers.get('location'), 'https://app.partner.example/x');
    // A tab inside a path is dropped, as a browser would: the target stays on the site.
    const tabbed = await call(server.url, `/@api/deki/users/authenticate?x-deki-token=${sign()}&redirect=${encodeURIComponent('/a\t/b')}`);
    assert.equal(tabbed.status, 302);
    assert.equal(tabbed.headers.get('location'), `${server.url}/a/b`);
  });
});

describe('CSRF-style form posts with the cookie', () => {
  const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', 'TEXT/PLAIN; charset=utf-8', undefined];
  const CSRF = 'request refused as a possible cross-site request forgery: send X-Deki-Requested-With, or a non-form Content-Type';

  test('create a token, add an admin, revoke a token, sign out: each 403 and nothing changes', async () => {
    const session = await signIn(server.url, 'admin', ADMIN_PASSWORD);
    const before = await tokenCount();
    const forms: { method: string; path: string; body: string }[] = [
      { method: 'POST', path: TOKENS, body: '<developer-token type="server"><name>csrf</name></developer-token>' },
      { method: 'POST', path: '/@api/deki/users', body: '{"username":"csrf-admin","permissions.user":{"role":"Admin"},"license.seat":"true"}' },
      { method: 'PUT', path: '/@api/deki/users/1', body: '{"status":"inactive"}' },
      { method: 'DELETE', path: `${TOKENS}/${token.id}`, body: '' },
      { method: 'POST', path: '/@api/deki/pages/=csrf/contents', body: '<p>defaced</p>' },
      { method: 'POST', path: '/@api/deki/users/logout', body: '' },
    ];
    for (const form of forms) {
      for (const type of FORM_TYPES) {
        for (const origin of [undefined, 'https://evil.example', 'null']) {
          const headers: Record<string, string> = { Cookie: `authtoken=${session}` };
          if (type) headers['Content-Type'] = type;
          if (origin) headers.Origin = origin;
          const res = await call(server.url, form.path, { method: form.method, headers, body: form.body || undefined });
          assert.equal(res.status, 403, `${form.method} ${form.path} as ${type} from ${origin}: ${res.text}`);
          assert.equal(res.json.message, CSRF);
        }
      }
    }
    assert.equal(await tokenCount(), before);
    assert.equal((await call(server.url, '/@api/deki/users/=csrf-admin', { headers: bearer(admin) })).status, 404);
    assert.equal((await call(server.url, '/@api/deki/pages/=csrf/info', { headers: bearer(admin) })).status, 404);
    assert.equal((await asJwt(token.jwt)).status, 200, 'the token was not revoked');
    const me = await call(server.url, '/@api/deki/users/current', { headers: { Cookie: `authtoken=${session}` } });
    assert.equal(me.json.username, 'admin', 'the session was not signed out and the admin was not deactivated');
  });
});

describe('a session cookie reused after sign-out', () => {
  test('as a cookie it is Anonymous (and cleared); as Bearer it is refused; it can manage nothing', async () => {
    const session = await signIn(server.url, 'admin', ADMIN_PASSWORD);
    const out = await call(server.url, '/@api/deki/users/logout', { method: 'POST', headers: cookieHeaders(session) });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie') ?? '', /^authtoken=;/);

    const me = await call(server.url, '/@api/deki/users/current', { headers: { Cookie: `authtoken=${session}` } });
    assert.equal(me.status, 200);
    assert.equal(me.json.username, 'Anonymous');
    assert.match(me.headers.get('set-cookie') ?? '', /^authtoken=;/, 'the stale cookie is cleared');
    assertRefused(await call(server.url, '/@api/deki/users/current', { headers: bearer(session) }), 403, 'invalid authtoken');
    assertRefused(
      await call(server.url, TOKENS, { headers: cookieHeaders(session) }),
      403,
      'this operation requires an active, seated user with the Admin role',
    );
    const create = await call(server.url, TOKENS, {
      method: 'POST',
      headers: { ...cookieHeaders(session), 'Content-Type': 'application/xml' },
      body: '<developer-token type="server"><name>after sign-out</name></developer-token>',
    });
    assertRefused(create, 403, 'this operation requires an active, seated user with the Admin role');
    // Signing out again with it does not end anyone else's session.
    await call(server.url, '/@api/deki/users/logout', { method: 'POST', headers: cookieHeaders(session) });
    assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(admin) })).json.username, 'admin');
  });
});

describe('brute force (throttled), each on a server of its own with the default limits', () => {
  const DEFAULT_LIMITS = { GATEHOUSE_SIGNIN_FAILURE_LIMIT: '10', GATEHOUSE_AUTH_FAILURE_LIMIT: '60' };
  let fresh: TestServer;
  afterEach(() => fresh?.close());
  const LOGIN_THROTTLED = 'too many failed sign-in attempts for this user or from this client: retry later';
  const AUTH_RATE_LIMITED = 'too many failed authentication attempts from this client or for this token: retry later';

  /** A 429 with its message and a Retry-After of whole seconds, at most `max`; returns the seconds. */
  function assertThrottled(res: { status: number; json: Record<string, unknown>; text: string; headers: Headers }, message: string, max: number): number {
    assertRefused(res, 429, message);
    const retryAfter = res.headers.get('retry-after') ?? '';
    assert.match(retryAfter, /^[1-9]\d*$/, `Retry-After: ${retryAfter}`);
    assert.ok(Number(retryAfter) <= max, `Retry-After ${retryAfter} <= ${max}`);
    return Number(retryAfter);
  }

  test('sign-in: after 10 wrong passwords for one user, 429 with Retry-After, even for the right one; others and existing sessions unaffected; open again after the window', async () => {
    fresh = await startServer({ env: DEFAULT_LIMITS });
    const freshAdmin = await signIn(fresh.url, 'admin', ADMIN_PASSWORD);
    await createUser(fresh.url, freshAdmin, { username: 'victim', password: 'the real password 1' });
    const session = await signIn(fresh.url, 'victim', 'the real password 1');
    const attempt = (password: string, username = 'victim') =>
      call(fresh.url, '/@api/deki/users/authenticate', { headers: { Authorization: basic(username, password) } });
    for (let i = 0; i < 10; i++) assertRefused(await attempt(`guess ${i}`), 401, 'invalid username or password');
    const wait = assertThrottled(await attempt('guess 10'), LOGIN_THROTTLED, 15 * 60);
    assertThrottled(await attempt('the real password 1'), LOGIN_THROTTLED, 15 * 60); // a guesser cannot tell a hit
    assertThrottled(await attempt('guess 11', 'VICTIM'), LOGIN_THROTTLED, 15 * 60); // usernames are case-insensitive
    assert.equal((await attempt(ADMIN_PASSWORD, 'admin')).status, 200, 'another user signs in from the same client');
    assert.equal((await call(fresh.url, '/@api/deki/users/current', { headers: bearer(session) })).json.username, 'victim', 'an existing session still works');
    fresh.clock.now = Date.now() + (wait + 1) * 1000;
    const back = await attempt('the real password 1');
    assert.equal(back.status, 200, `after Retry-After, the right password works: ${back.text}`);
  });

  test('failed credentials: past 60 a minute, 429 with Retry-After; valid credentials are never slowed', async () => {
    fresh = await startServer({ env: DEFAULT_LIMITS });
    const freshAdmin = await signIn(fresh.url, 'admin', ADMIN_PASSWORD);
    const t = await createToken(fresh.url, freshAdmin, { '@type': 'server', name: 'guessed at', 'generate-jwt': 'true' });
    const epoch = () => Math.floor(fresh.config.now() / 1000);
    const bad = (i: number) => signServerToken({ key: t.key!, secret: `${i}`.padStart(64, 'f'), user: '=admin', epoch: epoch() });
    const good = () => signServerToken({ key: t.key!, secret: t.secret!, user: '=admin', epoch: epoch() });
    const me = (headers: Record<string, string>) => call(fresh.url, '/@api/deki/users/current', { headers });
    for (let i = 0; i < 60; i++) assertRefused(await me({ 'X-Deki-Token': bad(i) }), 403, 'invalid server token signature');
    const wait = assertThrottled(await me({ 'X-Deki-Token': bad(60) }), AUTH_RATE_LIMITED, 60);
    assertThrottled(await me(bearer(`${t.authorization!.slice('Bearer '.length)}x`)), AUTH_RATE_LIMITED, 60);
    // Valid credentials are checked first and pass, from the same client and for the same token.
    assert.equal((await me({ 'X-Deki-Token': good() })).json.username, 'admin');
    assert.equal((await me(bearer(t.authorization!.slice('Bearer '.length)))).json.username, 'admin');
    assert.equal((await me(bearer(freshAdmin))).json.username, 'admin');
    fresh.clock.now = Date.now() + (wait + 1) * 1000;
    assertRefused(await me({ 'X-Deki-Token': bad(61) }), 403, 'invalid server token signature');
  });
});

describe('the server after all of the above', () => {
  test('answers, creates a token, and every credential kind still works', async () => {
    const created = await createToken(server.url, admin, { '@type': 'server', name: 'after the attacks', 'generate-jwt': 'true' });
    const jwt = created.authorization!.slice('Bearer '.length);
    assert.equal((await asJwt(jwt)).json.username, 'admin');
    assert.equal((await asSignature(signServerToken({ key: created.key!, secret: created.secret!, user: '=admin' }))).json.username, 'admin');
    const fresh = await signIn(server.url, 'admin', ADMIN_PASSWORD);
    assert.equal((await call(server.url, '/@api/deki/users/current', { headers: { Cookie: `authtoken=${fresh}` } })).json.username, 'admin');
    assert.equal((await call(server.url, '/@api/deki/pages/home/info')).status, 200);
  });
});
