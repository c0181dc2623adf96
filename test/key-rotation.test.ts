/**
 * Master-key rotation: `gatehouse keys rotate` re-encrypts every secret under a new key
 * while the server runs; signatures and old JWTs keep working, before and after a restart.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { signServerToken } from '../client/sign.js';
import { ADMIN_PASSWORD, startServer, tempDir } from './helpers/server.js';
import { bearer, call, createToken, signIn } from './helpers/http.js';

const run = promisify(execFile);

test('rotate while serving: every secret moves to the new key, every credential keeps working', async () => {
  const dataDir = tempDir();
  const site = { config: { siteUrl: 'http://gatehouse.test' } }; // the JWT's iss must survive the restart's new port
  let server = await startServer({ dataDir, ...site });
  const cliDb = server.databaseUrl ? ['--database-url', server.databaseUrl] : [];
  const keysCli = async (...args: string[]) =>
    (await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'keys', ...args, '--data-dir', dataDir, ...cliDb, '--json'])).stdout;
  try {
    const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
    const token = await createToken(server.url, admin, { '@type': 'server', name: 'before rotation', 'generate-jwt': 'true' });
    const jwt = token.authorization!.slice(7);
    const sign = (secret: string) => ({ 'X-Deki-Token': signServerToken({ key: token.key!, secret, user: 1 }) });
    const works = async (label: string) => {
      assert.equal((await call(server.url, '/@api/deki/users/current', { headers: sign(token.secret!) })).json.username, 'admin', `${label}: signature`);
      assert.equal((await call(server.url, '/@api/deki/users/current', { headers: bearer(jwt) })).json.username, 'admin', `${label}: JWT`);
    };
    await works('before');
    const oldId = (JSON.parse(await keysCli('list')) as { id: string }[])[0]!.id;

    const result = JSON.parse(await keysCli('rotate')) as { keyId: string; reEncrypted: number };
    assert.notEqual(result.keyId, oldId);
    assert.equal(result.reEncrypted, 1);
    const file = path.join(dataDir, 'master.key');
    assert.equal(fs.readFileSync(file, 'utf8').trim().split('\n').length, 2, 'the old key stays, after the new one');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const row = await server.built.ctx.db.selectFrom('developer_tokens').select('secret_enc').where('id', '=', Number(token['@id'])).executeTakeFirstOrThrow();
    assert.equal(row.secret_enc!.split(':')[1], result.keyId, 'the secret is now sealed under the new key');
    const usage = JSON.parse(await keysCli('list')) as { id: string; current: boolean; secrets: number; jwts: number }[];
    assert.deepEqual(
      usage.map(({ id, current, secrets, jwts }) => ({ id, current, secrets, jwts })),
      [
        { id: result.keyId, current: true, secrets: 1, jwts: 0 },
        { id: oldId, current: false, secrets: 0, jwts: 1 },
      ],
    );

    await works('running server, warm cache');
    server.built.ctx.cache.reset(); // as a node that had not seen the token: it reads the re-encrypted row
    await works('running server, cold cache');
    const after = await createToken(server.url, admin, { '@type': 'server', name: 'after rotation' });
    server.clock.now = Date.now() + 5500; // the ring looks at the key file again after 5 s of its clock
    const later = await createToken(server.url, admin, { '@type': 'server', name: 'later' });
    const sealedWith = async (id: string) =>
      (await server.built.ctx.db.selectFrom('developer_tokens').select('secret_enc').where('id', '=', Number(id)).executeTakeFirstOrThrow()).secret_enc!.split(
        ':',
      )[1];
    assert.ok([oldId, result.keyId].includes((await sealedWith(after['@id']!))!));
    assert.equal(await sealedWith(later['@id']!), result.keyId, 'new secrets use the new key');

    const audit = await call(server.url, '/@api/deki/site/audit?action=keys.rotate', { headers: bearer(admin) });
    assert.equal((audit.json.entry as { '@action': string })['@action'], 'keys.rotate');

    await server.close();
    server = await startServer({ dataDir, ...site });
    await works('after restart');
  } finally {
    await server.close();
  }
});
