/**
 * Server token signatures: the official test vectors with an injected
 * clock, the official Python example's way of signing, the LibreTexts SDK's legacy way, upper-case
 * hex, the ±300 s window, wrong secrets, restrictions, and revocation on the very next request.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { signServerToken } from '../client/sign.js';
import { sealSecret } from '../src/tokens/secret.js';
import type { TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { bearer, call, createUser, type Response, setUser } from './helpers/http.js';

const EPOCH = 1413073249;
let server: TestServer;
let admin: string;

before(async () => {
  ({ server, admin } = await startSite());
});
after(() => server.close());

function forbidden(res: Response, message: string): void {
  assert.equal(res.status, 403, res.text);
  assert.equal(res.json.message, message);
}

const asUser = (signature: string) => call(server.url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': signature } });

async function serverToken(restrictedTo?: number): Promise<{ id: string; key: string; secret: string }> {
  const body: Record<string, string> = { '@type': 'server', name: `sig ${Math.random()}` };
  if (restrictedTo !== undefined) body['restricted-by-user-id'] = String(restrictedTo);
  const res = await call(server.url, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { ...bearer(admin), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, res.text);
  return { id: res.json['@id'] as string, key: res.json.key as string, secret: res.json.secret as string };
}

describe('official test vectors, key foo, secret bar, epoch 1413073249', () => {
  const legacy = {
    '2': 'foo_1413073249_2_8e158d680647ce83fef7c05fd189b537f9834e298734efe2c6b383540c1a67b7',
    '123': 'foo_1413073249_123_06fbb9f1900f25333d3ea92b1f0074890d349e469b38e1ed6605e475da313200',
    '=andyv': 'foo_1413073249_=andyv_1b4845fe082c17fc82c0f59f0e568b619cf83aed716e7320d3c843b259defff5',
  };
  const tkn = {
    '2': 'tkn_foo_1413073249_2_48897492fa44c73561a0e7401c63f6d2950c3af8c3dc5988ade8ce368b9bf5aa',
    '123': 'tkn_foo_1413073249_123_beb78d353522b6f0ec1d37360c5e1ae0f099d9fa5753d23cc66ed201f477a017',
    '=andyv': 'tkn_foo_1413073249_=andyv_173081dab806bd5882adaedff708a8b228951d95e2167ee32c296ecd14380d1a',
    '=admin': 'tkn_foo_1413073249_=admin_7c2ff7bbe39979a0d0734b314a6d44804383e4647b24cace4868a203b89f702c',
  };

  test('the client SDK produces every vector', () => {
    for (const [user, value] of Object.entries(legacy))
      assert.equal(signServerToken({ key: 'foo', secret: 'bar', epoch: EPOCH, user, format: 'legacy' }), value);
    for (const [user, value] of Object.entries(tkn)) assert.equal(signServerToken({ key: 'foo', secret: 'bar', epoch: EPOCH, user, format: 'tkn' }), value);
  });

  test('the server accepts every vector at that time, acting as the named user', async () => {
    // A token whose key is `foo` and secret `bar`, and users 123 and andyv, put straight into the store.
    const { db } = server.built.ctx;
    await db
      .insertInto('developer_tokens')
      .values({
        type: 'server',
        name: 'vectors',
        key: 'foo',
        secret_enc: sealSecret(server.built.ctx.keys, 'foo', 'bar'),
        host: null,
        restricted_user_id: null,
        jwt_user_id: null,
        jwt_key_id: null,
        jwt_issued_at: null,
        created_at: Date.now(),
        created_by: 1,
      })
      .execute();
    await db
      .insertInto('users')
      .values({
        id: 123,
        username: 'user123',
        username_key: 'user123',
        email: '',
        fullname: '',
        status: 'active',
        seat: 1,
        role: 'Viewer',
        password_hash: null,
        created_at: Date.now(),
      })
      .execute();
    await createUser(server.url, admin, { username: 'andyv' });
    server.clock.now = EPOCH * 1000 + 120_000; // two minutes later: inside the window
    try {
      const expectations: [string, string][] = [
        ...Object.entries(legacy).map(([u, v]) => [u, v] as [string, string]),
        ...Object.entries(tkn).map(([u, v]) => [u, v] as [string, string]),
      ];
      for (const [user, value] of expectations) {
        const res = await asUser(value);
        assert.equal(res.status, 200, `${value}: ${res.text}`);
        const expected = user === '2' ? 'Anonymous' : user === '123' ? 'user123' : user.slice(1);
        assert.equal(res.json.username, expected, value);
      }
      server.clock.now = (EPOCH + 301) * 1000;
      forbidden(await asUser(tkn['=admin']), 'server token signature expired');
      server.clock.now = (EPOCH - 301) * 1000; // from the future is refused the same way
      forbidden(await asUser(tkn['=admin']), 'server token signature expired');
    } finally {
      server.clock.now = undefined;
    }
  });
});

describe('signatures made the way real clients make them', () => {
  test("the official Python example's tkn_ signature (run in python3 where available)", async () => {
    const userId = await createUser(server.url, admin, { username: 'py_bot' });
    const { key, secret } = await serverToken();
    const python = `
import hmac, hashlib, time, sys
key, secret, user = sys.argv[1], sys.argv[2], sys.argv[3]
epoch = str(int(time.time()))
hash = hmac.new(secret.encode('utf-8'), f'{key}_{epoch}_{user}'.encode('utf-8'), hashlib.sha256).hexdigest().lower()
print(f'tkn_{key}_{epoch}_{user}_{hash}')`;
    let signature: string;
    try {
      signature = execFileSync('python3', ['-c', python, key, secret, '=py_bot'], { encoding: 'utf8' }).trim();
    } catch {
      // No python3: the same algorithm, transcribed line by line.
      const epoch = String(Math.floor(Date.now() / 1000));
      signature = `tkn_${key}_${epoch}_=py_bot_${createHmac('sha256', Buffer.from(secret)).update(`${key}_${epoch}_=py_bot`).digest('hex').toLowerCase()}`;
    }
    const res = await asUser(signature);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json['@id'], String(userId)); // a username with `_` in it: split from both ends
  });

  test("the LibreTexts SDK's legacy unprefixed signature, and the martian SDK's int_ one", async () => {
    const userId = await createUser(server.url, admin, { username: 'LibreBot' });
    const { key, secret } = await serverToken();
    const epoch = Math.floor(Date.now() / 1000);
    // LibreTexts: HMAC(secret, `${key}${epoch}=${user}`) → `${key}_${epoch}_=${user}_${hash}`
    const hash = createHmac('sha256', secret).update(`${key}${epoch}=LibreBot`).digest('hex');
    const res = await asUser(`${key}_${epoch}_=LibreBot_${hash}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json['@id'], String(userId));
    const martian = createHmac('sha256', secret).update(`${key}${epoch}${userId}`).digest('hex');
    assert.equal((await asUser(`int_${key}_${epoch}_${userId}_${martian}`)).json['@id'], String(userId));
  });

  test('a key sent in upper case still finds its token (the HMAC covers what was sent)', async () => {
    const { key, secret } = await serverToken();
    const upper = key.toUpperCase();
    const res = await asUser(signServerToken({ key: upper, secret, user: '=admin' }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.username, 'admin');
  });

  test('upper-case hex (the official C# example) works', async () => {
    await createUser(server.url, admin, { username: 'csharp' });
    const { key, secret } = await serverToken();
    const res = await asUser(signServerToken({ key, secret, user: '=csharp', upperCaseHash: true }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.username, 'csharp');
  });

  test('the oldest userless form acts as Anonymous; a percent-encoded username is decoded', async () => {
    const { key, secret } = await serverToken();
    assert.equal((await asUser(signServerToken({ key, secret, format: 'userless' }))).json.username, 'Anonymous');
    await createUser(server.url, admin, { username: 'ada lovelace@example.com' });
    const res = await asUser(signServerToken({ key, secret, user: '=ada lovelace@example.com' }));
    assert.equal(res.json.username, 'ada lovelace@example.com');
  });

  test('an unknown =username acts as Anonymous; an inactive user is refused', async () => {
    const { key, secret } = await serverToken();
    assert.equal((await asUser(signServerToken({ key, secret, user: '=nobody-yet' }))).json.username, 'Anonymous');
    const id = await createUser(server.url, admin, { username: 'gone' });
    await setUser(server.url, admin, id, { status: 'inactive' });
    forbidden(await asUser(signServerToken({ key, secret, user: id })), 'invalid user requesting');
  });
});

describe('refusals', () => {
  test('an epoch 301 s old fails; 299 s old works', async () => {
    const { key, secret } = await serverToken();
    const now = Math.floor(Date.now() / 1000);
    server.clock.now = now * 1000;
    try {
      forbidden(await asUser(signServerToken({ key, secret, user: 1, epoch: now - 301 })), 'server token signature expired');
      assert.equal((await asUser(signServerToken({ key, secret, user: 1, epoch: now - 299 }))).status, 200);
    } finally {
      server.clock.now = undefined;
    }
  });

  test('a wrong secret, an unknown key, or a garbled value fails', async () => {
    const { key, secret } = await serverToken();
    forbidden(await asUser(signServerToken({ key, secret: secret.replace(/.$/, (c) => (c === '0' ? '1' : '0')), user: 1 })), 'invalid server token signature');
    forbidden(await asUser(signServerToken({ key: 'f'.repeat(64), secret, user: 1 })), 'invalid server token signature');
    for (const garbled of ['tkn_', 'nonsense', `tkn_${key}_notanepoch_1_${'a'.repeat(64)}`, `tkn_${key}_1_1_short`, key, `${key}_${Date.now()}`]) {
      forbidden(await asUser(garbled), 'invalid server token signature');
    }
  });

  test('a browser token key cannot be used to sign', async () => {
    const res = await call(server.url, '/@api/deki/site/developer-tokens', {
      method: 'POST',
      headers: { ...bearer(admin), 'Content-Type': 'application/json' },
      body: JSON.stringify({ '@type': 'browser', name: 'b', host: 'example.com' }),
    });
    forbidden(await asUser(signServerToken({ key: res.json.key as string, secret: 'anything', user: 1 })), 'invalid server token signature');
  });

  test('a restricted token signing as another user fails; as its user it works', async () => {
    const bound = await createUser(server.url, admin, { username: 'restricted-one' });
    const { key, secret } = await serverToken(bound);
    forbidden(await asUser(signServerToken({ key, secret, user: 1 })), 'server token is restricted to another user');
    forbidden(await asUser(signServerToken({ key, secret, user: '=admin' })), 'server token is restricted to another user');
    forbidden(await asUser(signServerToken({ key, secret, user: '=not-a-user' })), 'server token is restricted to another user');
    assert.equal((await asUser(signServerToken({ key, secret, user: bound }))).json['@id'], String(bound));
    assert.equal((await asUser(signServerToken({ key, secret, user: '=restricted-one' }))).json['@id'], String(bound));
  });

  test("a deleted token's signatures fail on the very next request", async () => {
    const { id, key, secret } = await serverToken();
    const signature = signServerToken({ key, secret, user: '=admin' });
    assert.equal((await asUser(signature)).json.username, 'admin');
    const del = await call(server.url, `/@api/deki/site/developer-tokens/${id}`, { method: 'DELETE', headers: bearer(admin) });
    assert.equal(del.status, 200);
    forbidden(await asUser(signature), 'invalid server token signature');
  });

  test('a valid signature outranks a session bearer, and an invalid one never falls back', async () => {
    const { key, secret } = await serverToken();
    const userId = await createUser(server.url, admin, { username: 'sig-wins' });
    const both = await call(server.url, '/@api/deki/users/current', {
      headers: { ...bearer(admin), 'X-Deki-Token': signServerToken({ key, secret, user: userId }) },
    });
    assert.equal(both.json['@id'], String(userId));
    forbidden(
      await call(server.url, '/@api/deki/users/current', { headers: { ...bearer(admin), 'X-Deki-Token': 'tkn_bad' } }),
      'invalid server token signature',
    );
  });
});
