/**
 * Secrets at rest: after tokens are created and a session begun, the
 * bytes on disk (the SQLite file and its write-ahead log, read while the server runs, without a
 * checkpoint) hold no token secret, no JWT, no JWT signing key and no authtoken. The master key file
 * is private to its owner, and a secret's ciphertext only opens on its own token's row.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { hkdfSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { signServerToken } from '../client/sign.js';
import { keyRing } from '../src/crypto/master-key.js';
import { openSecret } from '../src/tokens/secret.js';
import { ADMIN_PASSWORD, type TestServer } from './helpers/server.js';
import { startSite } from './helpers/site.js';
import { call, createToken as createTokenAs } from './helpers/http.js';

let server: TestServer;
let authtoken: string;
const created: Record<string, string>[] = [];

const createToken = (doc: Record<string, unknown>) => createTokenAs(server.url, authtoken, doc);

function masterKeyBytes(): Buffer {
  return Buffer.from(fs.readFileSync(path.join(server.dataDir, 'master.key'), 'utf8').trim(), 'base64');
}

/** The JWT signing key, derived as src/crypto/derive.ts does: HKDF-SHA512 of the master key, per token. */
function jwtSigningKey(id: string, key: string): Buffer {
  return Buffer.from(hkdfSync('sha512', masterKeyBytes(), 'gatehouse/jwt/v1', `${id}:${key}`, 64));
}

function rawRow(id: string): { key: string; secret_enc: string | null } {
  return server.built.store.db.selectFrom('developer_tokens').select(['key', 'secret_enc']).where('id', '=', Number(id)).executeTakeFirstOrThrow() as never;
}

before(async () => {
  ({ server: server, admin: authtoken } = await startSite());
  created.push(await createToken({ '@type': 'server', name: 'server with jwt', 'generate-jwt': 'true' }));
  created.push(await createToken({ '@type': 'server', name: 'restricted with jwt', 'restricted-by-user-id': '1' }));
  created.push(await createToken({ '@type': 'browser', name: 'browser', host: 'crm.example.org' }));
  created.push(await createToken({ '@type': 'server', name: 'server without jwt' }));
  created.push(await createToken({ '@type': 'oauth', name: 'oauth', host: 'app.example.org' }));
});
after(() => server.close());

test('the database file and its WAL hold no secret, JWT, signing key or authtoken', async () => {
  let disk: Buffer;
  if (server.databaseUrl) {
    // On PostgreSQL: everything the database holds, as pg_dump writes it out.
    disk = execFileSync('pg_dump', ['--data-only', server.databaseUrl], { maxBuffer: 64 * 1024 * 1024 });
  } else {
    const files = ['gatehouse.sqlite', 'gatehouse.sqlite-wal'].map((f) => path.join(server.dataDir, f));
    for (const file of files) assert.ok(fs.existsSync(file), `${path.basename(file)} exists`);
    disk = Buffer.concat(files.map((f) => fs.readFileSync(f)));
  }
  // The rows are on disk, so a search that finds nothing means something (the keys are stored in clear).
  for (const token of created) assert.ok(disk.includes(token.key!), `token ${token.name}'s key is on disk`);

  const forbidden: { what: string; bytes: Buffer }[] = [];
  const add = (what: string, value: string | Buffer) => forbidden.push({ what, bytes: typeof value === 'string' ? Buffer.from(value) : value });
  for (const token of created) {
    if (token.secret) {
      add(`${token.name}: secret`, token.secret);
      add(`${token.name}: secret, upper-case`, token.secret.toUpperCase());
      add(`${token.name}: secret as bytes`, Buffer.from(token.secret, 'hex'));
    }
    if (token.authorization) {
      const jwt = token.authorization.slice('Bearer '.length);
      const signature = jwt.split('.')[2]!;
      add(`${token.name}: JWT`, jwt);
      add(`${token.name}: JWT signature`, signature);
      add(`${token.name}: JWT signature as bytes`, Buffer.from(signature, 'base64url'));
    }
    const signingKey = jwtSigningKey(token['@id']!, token.key!);
    add(`${token.name}: JWT signing key as hex`, signingKey.toString('hex'));
    add(`${token.name}: JWT signing key as base64`, signingKey.toString('base64'));
    add(`${token.name}: JWT signing key as bytes`, signingKey);
  }
  add('authtoken', authtoken);
  add('authtoken random part', authtoken.split('_')[1]!);
  add('master key as bytes', masterKeyBytes());
  add('master key as base64', masterKeyBytes().toString('base64'));
  add('admin password', ADMIN_PASSWORD);

  assert.equal(created.filter((t) => t.authorization).length, 2, 'two JWTs were issued');
  const found = forbidden.filter(({ bytes }) => disk.includes(bytes)).map(({ what }) => what);
  assert.deepEqual(found, []);
});

test('the master key file has mode 0600', () => {
  const mode = fs.statSync(path.join(server.dataDir, 'master.key')).mode & 0o777;
  assert.equal(mode.toString(8), '600');
});

test("a token's stored secret is an AES-256-GCM envelope that opens only on its own row", async () => {
  const [first, , , second] = created as [Record<string, string>, unknown, unknown, Record<string, string>];
  const row = await rawRow(first['@id']!);
  // v1:<master key id>:<96-bit IV>:<ciphertext of 64 hex characters + 128-bit tag>, base64url.
  assert.match(row.secret_enc ?? '', /^v1:[0-9a-f]{8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{107}$/);
  assert.equal(Buffer.from(row.secret_enc!.split(':')[3]!, 'base64url').length, 64 + 16);

  const ring = keyRing([{ id: row.secret_enc!.split(':')[1]!, bytes: masterKeyBytes() }]);
  assert.equal(openSecret(ring, first.key!, row.secret_enc!), first.secret);
  assert.throws(() => openSecret(ring, second.key!, row.secret_enc!), /unable to authenticate data/);

  const tampered = row.secret_enc!.slice(0, -2) + (row.secret_enc!.endsWith('AA') ? 'AB' : 'AA');
  assert.throws(() => openSecret(ring, first.key!, tampered), /unable to authenticate data/);
});

test("a ciphertext copied onto another token's row does not let the copied secret sign for it", async () => {
  const donor = await createToken({ '@type': 'server', name: 'donor' });
  const victim = await createToken({ '@type': 'server', name: 'victim' });
  const sign = (key: string, secret: string) => ({ 'X-Deki-Token': signServerToken({ key, secret, user: 1 }) });
  const before = await call(server.url, '/@api/deki/users/current', { headers: sign(victim.key!, victim.secret!) });
  assert.equal(before.status, 200, before.text);

  const donorRow = await rawRow(donor['@id']!);
  await server.built.store.db.updateTable('developer_tokens').set({ secret_enc: donorRow.secret_enc }).where('id', '=', Number(victim['@id'])).execute();
  // The row was changed behind the server's back (no change-feed entry): drop what it cached.
  server.built.ctx.cache.reset();

  // Neither the donor's secret nor the victim's own works: the row can no longer be opened at all.
  for (const secret of [donor.secret!, victim.secret!]) {
    const res = await call(server.url, '/@api/deki/users/current', { headers: sign(victim.key!, secret) });
    assert.equal(res.status, 500, res.text);
    assert.deepEqual(res.json, { status: '500', title: 'Internal Server Error', message: 'internal error', uri: `${server.url}/@api/deki/users/current` });
  }
  // The donor itself is unaffected.
  const donorStill = await call(server.url, '/@api/deki/users/current', { headers: sign(donor.key!, donor.secret!) });
  assert.equal(donorStill.status, 200);
});
