/**
 * Property tests for the parsers a client's bytes reach first: server signatures,
 * long-term JWTs and request bodies. Whatever string arrives, they return a result or throw a
 * `DekiError` with one of the codes their SPEC section names; never any other exception (which the
 * error handler would turn into a 500). Random strings rarely get past the first check, so most
 * arbitraries are near misses: real keys and token ids with random parts, valid values mutated.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { signServerToken, type SignatureFormat } from '../client/sign.js';
import { verifyJwt } from '../src/auth/jwt.js';
import { checkServerSignature, parseSignature } from '../src/auth/server-signature.js';
import { loadConfig } from '../src/config.js';
import { deriveJwtKey } from '../src/crypto/derive.js';
import type { AppContext } from '../src/context.js';
import { readText, requireDocument } from '../src/dream/body.js';
import { DekiError, type ErrorCode } from '../src/errors.js';
import { openSite } from '../src/open.js';
import type { Store } from '../src/store/database.js';
import { createToken } from '../src/tokens/create.js';
import { normalUsername } from '../src/users/input.js';
import { insertUser } from '../src/users/store.js';
import { tempDir } from './helpers/server.js';

const NOW = Date.UTC(2025, 1, 19, 17, 20, 49);
const NOW_S = NOW / 1000;

let ctx: AppContext;
let store: Store;
/** A server token restricted to nobody, with a JWT bound to the admin. */
let open: { id: number; key: string; secret: string; jwt: string };
/** A server token restricted to the user `under_score`, with a JWT bound to them. */
let restricted: { id: number; key: string; secret: string; jwt: string };
let browserKey: string;
let inactiveId: number;

before(async () => {
  const config = loadConfig(
    { GATEHOUSE_ADMIN_PASSWORD: 'property tests', GATEHOUSE_LOG_LEVEL: 'silent' },
    { dataDir: tempDir(), siteUrl: 'http://gatehouse.test', now: () => NOW },
  );
  ({ ctx, store } = await openSite(config));
  const user = (name: string, status: 'active' | 'inactive') =>
    insertUser(ctx.changes, {
      username: name,
      username_key: name.toLowerCase(),
      email: '',
      fullname: '',
      status,
      seat: 1,
      role: 'Viewer',
      password_hash: null,
      created_at: NOW,
    });
  const restrictedUser = await user('under_score', 'active');
  inactiveId = (await user('gone', 'inactive')).id;
  const make = async (restrictedUserId: number | null) => {
    const made = await createToken(ctx, { type: 'server', name: 'prop', host: null, restrictedUserId, generateJwt: true, expiresAt: null }, 1);
    return { id: made.token.id, key: made.token.key, secret: made.secret!, jwt: made.jwt! };
  };
  open = await make(null);
  restricted = await make(restrictedUser.id);
  browserKey = (await createToken(ctx, { type: 'browser', name: 'b', host: 'a.example.com', restrictedUserId: null, generateJwt: false, expiresAt: null }, 1))
    .token.key;
});
after(() => store.close());

/** Runs `fn`; a DekiError must carry one of `codes`; any other exception fails the property. */
async function outcome<T>(fn: () => T | Promise<T>, codes: readonly ErrorCode[]): Promise<T | DekiError> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof DekiError)) throw err;
    assert.ok(codes.includes(err.code), `unexpected code ${err.code}: ${err.message}`);
    return err;
  }
}

const SIGNATURE_CODES: ErrorCode[] = ['SIGNATURE_INVALID', 'SIGNATURE_EXPIRED', 'SIGNATURE_RESTRICTED', 'USER_INVALID'];
const JWT_CODES: ErrorCode[] = ['JWT_UNPARSEABLE', 'JWT_INVALID', 'USER_INVALID'];
const BODY_CODES: ErrorCode[] = ['BAD_REQUEST_BODY', 'BODY_DTD_FORBIDDEN', 'BODY_REQUIRED', 'BODY_NOT_DOCUMENT', 'BODY_ROOT_WRONG'];

const anyText = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 60 }));
const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: n, maxLength: n });
const b64url = (max: number) => fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), maxLength: max });
const toB64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined')).toString('base64url');

/** Replaces, inserts or deletes one character. */
function mutate(value: string): fc.Arbitrary<string> {
  return fc
    .tuple(fc.nat({ max: value.length }), fc.constantFrom('replace', 'insert', 'delete'), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }))
    .map(([i, how, c]) =>
      how === 'replace'
        ? value.slice(0, i) + c + value.slice(i + 1)
        : how === 'insert'
          ? value.slice(0, i) + c + value.slice(i)
          : value.slice(0, i) + value.slice(i + 1),
    );
}

describe('server signatures', () => {
  const userPart = fc.oneof(
    fc.constantFrom('1', '2', '=admin', '=under_score', '=gone', '=nobody', '=%E0%A4%A', '=%', '=', ''),
    fc.nat().map(String),
    anyText.map((s) => `=${s}`),
    anyText,
  );
  const epochPart = fc.oneof(
    fc.constant(String(NOW_S)),
    fc.integer({ min: -1, max: 2 ** 42 }).map(String),
    fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 20 }),
    anyText,
  );
  const keyPart = () => fc.oneof(fc.constantFrom(open.key, restricted.key, browserKey, open.key.toUpperCase()), hex(64), anyText);
  const nearMiss = () =>
    fc
      .tuple(
        fc.constantFrom('tkn_', 'int_', '', 'TKN_', 'tkn'),
        keyPart(),
        epochPart,
        fc.option(userPart, { nil: undefined }),
        fc.oneof(hex(64), anyText),
        fc.array(anyText, { maxLength: 2 }),
      )
      .map(([prefix, key, epoch, user, hash, extra]) => prefix + [key, epoch, ...(user === undefined ? [] : [user]), ...extra, hash].join('_'));

  test('parseSignature returns parts or throws SIGNATURE_INVALID, for any string', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyText, nearMiss()), async (value) => {
        const parsed = await outcome(() => parseSignature(value), ['SIGNATURE_INVALID']);
        if (!(parsed instanceof DekiError)) {
          assert.match(parsed.hash, /^[0-9a-f]{64}$/);
          assert.ok(Number.isSafeInteger(parsed.epoch));
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('checkServerSignature returns a result or a signature error, for any string', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyText, nearMiss(), nearMiss()), async (value) => {
        await outcome(() => checkServerSignature(ctx, value), SIGNATURE_CODES);
      }),
      { numRuns: 500 },
    );
  });

  test('signed with the real secret, with any epoch and user part: a result or a signature error', async () => {
    const signed = fc
      .tuple(fc.constantFrom(open, restricted), fc.constantFrom('tkn', 'legacy', 'int'), epochPart, userPart)
      .map(([token, format, epoch, user]) => {
        const message = format === 'tkn' ? `${token.key}_${epoch}_${user}` : `${token.key}${epoch}${user}`;
        const hash = createHmac('sha256', token.secret).update(message).digest('hex');
        return `${format === 'legacy' ? '' : `${format}_`}${token.key}_${epoch}_${user}_${hash}`;
      });
    await fc.assert(
      fc.asyncProperty(signed, async (value) => {
        await outcome(() => checkServerSignature(ctx, value), SIGNATURE_CODES);
      }),
      { numRuns: 500 },
    );
  });

  test('signatures the client SDK makes verify, for any username, in every format', async () => {
    const formats: SignatureFormat[] = ['tkn', 'legacy', 'int'];
    // A name is read trimmed, as users are created, so one of only white space names nobody.
    const named = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => normalUsername(s) !== '');
    await fc.assert(
      fc.asyncProperty(named, fc.constantFrom(...formats), fc.integer({ min: -300, max: 300 }), async (name, format, skew) => {
        const value = signServerToken({ key: open.key, secret: open.secret, user: `=${name}`, format, epoch: NOW_S + skew });
        const result = await checkServerSignature(ctx, value);
        assert.equal(result.token.id, open.id);
        if (result.user) assert.equal(result.user.username_key, normalUsername(name).toLowerCase());
        else assert.equal(result.requestedName, normalUsername(name));
      }),
      { numRuns: 300 },
    );
  });

  test('a valid signature with one character changed is refused, never an exception', async () => {
    const valid = signServerToken({ key: restricted.key, secret: restricted.secret, user: '=under_score', epoch: NOW_S });
    assert.equal((await checkServerSignature(ctx, valid)).user?.username, 'under_score');
    await fc.assert(
      fc.asyncProperty(mutate(valid), async (value) => {
        const result = await outcome(() => checkServerSignature(ctx, value), SIGNATURE_CODES);
        // Upper-casing a hex digit of the hash is the one change that keeps a signature valid.
        if (!(result instanceof DekiError)) assert.equal(value.toLowerCase(), valid.toLowerCase());
      }),
      { numRuns: 500 },
    );
  });

  test('the refusals say why: expired, restricted, inactive', async () => {
    const sign = (t: typeof open, user: string | number, epoch = NOW_S) => signServerToken({ key: t.key, secret: t.secret, user, epoch });
    const code = async (value: string) => ((await outcome(() => checkServerSignature(ctx, value), SIGNATURE_CODES)) as DekiError).code;
    assert.equal(await code(sign(open, 1, NOW_S - 301)), 'SIGNATURE_EXPIRED');
    assert.equal(await code(sign(restricted, 1)), 'SIGNATURE_RESTRICTED');
    assert.equal(await code(sign(open, inactiveId)), 'USER_INVALID');
  });
});

describe('long-term JWTs', () => {
  const headerArb = () =>
    fc.record(
      {
        alg: fc.oneof(fc.constantFrom('HS512', 'HS256', 'none', 'RS256', 'HS512 '), anyText, fc.integer()),
        kid: fc.oneof(
          fc.constantFrom(String(open.id), String(restricted.id), '0', '01', '99999999999999999999', `${open.id}.0`),
          anyText,
          fc.integer(),
          fc.constant(null),
        ),
        typ: fc.constantFrom('JWT', 'jwt'),
        crit: fc.constant(['b64']).map((c) => [...c]),
        b64: fc.boolean(),
      },
      { requiredKeys: [] },
    );
  const claimsArb = () =>
    fc.oneof(
      fc.record(
        {
          sub: fc.oneof(fc.constantFrom(open.key, restricted.key), anyText),
          aud: fc.oneof(fc.constant('auth-service-Server'), fc.array(fc.constant('auth-service-Server')), anyText),
          iss: fc.constantFrom('http://gatehouse.test/', 'http://gatehouse.test'),
          iat: fc.oneof(fc.constant(NOW_S), fc.integer(), fc.double(), anyText),
          nbf: fc.oneof(fc.constant(NOW_S - 1), fc.integer(), anyText),
          exp: fc.oneof(fc.constant(NOW_S + 3600), fc.integer(), fc.double(), anyText, fc.constant(null)),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 3 }),
    );
  const structured = () =>
    fc
      .tuple(
        fc.oneof(headerArb().map(toB64url), fc.jsonValue({ maxDepth: 2 }).map(toB64url), b64url(60), anyText),
        fc.oneof(claimsArb().map(toB64url), b64url(80), anyText),
        fc.oneof(b64url(90), anyText),
      )
      .map((parts) => parts.join('.'));
  const dots = () => fc.array(fc.oneof(b64url(30), anyText), { maxLength: 5 }).map((parts) => parts.join('.'));

  test('verifyJwt returns a user or a JWT error, for any string', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyText, dots(), structured(), structured()), async (value) => {
        await outcome(() => verifyJwt(ctx, value), JWT_CODES);
      }),
      { numRuns: 500 },
    );
  });

  test('a JWT signed with the wrong key, for a real token and claims, is refused as invalid', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.constantFrom(open, restricted), claimsArb(), async (key, token, claims) => {
        const payload = typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? claims : { sub: token.key };
        let jwt: string;
        try {
          jwt = await new SignJWT(payload as Record<string, unknown>).setProtectedHeader({ alg: 'HS512', kid: String(token.id), typ: 'JWT' }).sign(key);
        } catch {
          return; // jose refuses to sign some claims (a non-finite iat): nothing to verify
        }
        const result = await outcome(() => verifyJwt(ctx, jwt), JWT_CODES);
        assert.ok(result instanceof DekiError && result.code === 'JWT_INVALID', 'refused');
      }),
      { numRuns: 150 },
    );
  });

  test('a JWT signed with the real key and any claims: accepted only with the right claims', async () => {
    const realKey = (t: typeof open) => deriveJwtKey(ctx.keys.current, t.id, t.key);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(open, restricted), claimsArb(), headerArb(), async (token, claims, header) => {
        const payload = typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? claims : {};
        let jwt: string;
        try {
          jwt = await new SignJWT(payload as Record<string, unknown>)
            .setProtectedHeader({ ...header, alg: 'HS512', kid: String(token.id) })
            .sign(realKey(token));
        } catch {
          return; // jose refuses to sign some headers (crit, b64): nothing to verify
        }
        const result = await outcome(() => verifyJwt(ctx, jwt), JWT_CODES);
        if (!(result instanceof DekiError)) {
          const c = payload as Record<string, unknown>;
          assert.equal(c.sub, token.key);
          assert.equal(c.iss, 'http://gatehouse.test/');
          assert.ok(typeof c.exp === 'number' && c.exp > NOW_S);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('the issued JWT verifies; with one character changed it is refused or, at most, still the same JWT', async () => {
    assert.equal((await verifyJwt(ctx, restricted.jwt)).user.username, 'under_score');
    await fc.assert(
      fc.asyncProperty(mutate(restricted.jwt), async (value) => {
        const result = await outcome(() => verifyJwt(ctx, value), JWT_CODES);
        // base64url's last character carries spare bits: a few changes there decode to the same bytes.
        if (!(result instanceof DekiError)) assert.deepEqual(value.split('.').slice(0, 2), restricted.jwt.split('.').slice(0, 2));
      }),
      { numRuns: 500 },
    );
  });
});

describe('request bodies', () => {
  const xmlFragments = fc.constantFrom(
    '<',
    '>',
    '</',
    '/>',
    '<developer-token',
    '</developer-token>',
    '<name>',
    '</name>',
    ' type="server"',
    " type='browser'",
    '="',
    '"',
    "'",
    '=',
    '<!--',
    '-->',
    '<![CDATA[',
    ']]>',
    '<?xml version="1.0"?>',
    '<?pi x?>',
    '<!DOCTYPE',
    '<!ENTITY',
    '<!doctype x>',
    '&',
    '&amp;',
    '&lt;',
    '&#',
    '&#x',
    '&#233;',
    '&#x110000;',
    '&#0;',
    '&nbsp;',
    '&xxe;',
    ';',
    '__proto__',
    'constructor',
    'prototype',
    'hasOwnProperty',
    'toString',
    'a',
    'x:y',
    '#text',
    '@type',
    ' ',
    '\n',
    '\u0000',
    '\uFEFF',
    'é',
    '\uD800',
  );
  const xmlish = fc.array(fc.oneof(xmlFragments, xmlFragments, anyText), { maxLength: 40 }).map((parts) => parts.join(''));
  const deep = fc
    .tuple(fc.integer({ min: 1, max: 3000 }), fc.constantFrom('xml', 'json-array', 'json-object'))
    .map(([n, kind]) =>
      kind === 'xml'
        ? `<developer-token>${'<a>'.repeat(n)}${'</a>'.repeat(n)}</developer-token>`
        : kind === 'json-array'
          ? `${'['.repeat(n)}${']'.repeat(n)}`
          : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`,
    );
  const jsonish = fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ 'developer-token': v })),
    fc
      .dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor', '@type', 'name', '#text', 'developer-token'), anyText), fc.jsonValue({ maxDepth: 2 }))
      .map((d) => JSON.stringify(d)),
    fc.json({ maxDepth: 3 }).chain(mutate),
  );

  test('requireDocument returns a document or a body error, and its fields read as text or a body error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('xml', 'json', 'text'), fc.oneof(anyText, xmlish, xmlish, jsonish, jsonish, deep), async (format, text) => {
        const doc = await outcome(() => requireDocument({ format, text }, 'developer-token'), BODY_CODES);
        if (doc instanceof DekiError) return;
        assert.equal(typeof doc, 'object');
        for (const key of [...Object.keys(doc), 'name', '@type', '__proto__']) {
          const value = await outcome(() => readText(doc, key), ['BAD_REQUEST_BODY']);
          assert.ok(value === undefined || typeof value === 'string' || value instanceof DekiError);
        }
      }),
      { numRuns: 1500 },
    );
  });

  test('anything that is not a body at all is BODY_REQUIRED', async () => {
    for (const body of [undefined, null, '', 'text', {}, { format: 'xml' }, { text: '<a/>' }]) {
      const err = await outcome(() => requireDocument(body, 'developer-token'), BODY_CODES);
      assert.ok(err instanceof DekiError && err.code === 'BODY_REQUIRED', JSON.stringify(body));
    }
  });

  test("XML character references decode, as Python's ElementTree writes non-ASCII", () => {
    const doc = requireDocument(
      { format: 'xml', text: '<developer-token type="server"><name>Caf&#233; &#x2603; &amp; co</name></developer-token>' },
      'developer-token',
    );
    assert.equal(readText(doc, 'name'), 'Café ☃ & co');
  });

  test('any name, written as XML character references, reads back unchanged', async () => {
    const printable = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
      .filter((s) => s.trim() === s && !/[\u0000-\u001f\u007f-\u009f\uFFFE\uFFFF]/.test(s));
    await fc.assert(
      fc.asyncProperty(printable, async (name) => {
        const escaped = [...name].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join('');
        const doc = requireDocument({ format: 'xml', text: `<developer-token><name>${escaped}</name></developer-token>` }, 'developer-token');
        assert.equal(readText(doc, 'name'), name);
      }),
      { numRuns: 300 },
    );
  });
});
