/**
 * The CLI never writes what servers cannot read: against a PostgreSQL site whose master key it
 * lacks (none at all, or another one), every admin command is refused with one line naming the
 * site's key, and nothing is written: no token, no audit entry, no key file of its own. With the
 * servers' key it works, and the token it makes authenticates on the running server.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { signServerToken } from '../client/sign.js';
import { toKey } from '../src/crypto/master-key.js';
import { gatehouse } from './helpers/cli.js';
import { call } from './helpers/http.js';
import { type NodeProcess, startNode } from './helpers/node-process.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from './helpers/postgres.js';
import { ADMIN_PASSWORD, tempDir } from './helpers/server.js';

const SITE_KEY = Buffer.alloc(32, 21).toString('base64');
const OTHER_KEY = Buffer.alloc(32, 22).toString('base64');
const siteId = toKey(SITE_KEY, 'test').id;
const otherId = toKey(OTHER_KEY, 'test').id;
const skip = await postgresSkipReason();

describe('the CLI against a PostgreSQL site', { skip }, () => {
  let database: TestDatabase;
  let node: NodeProcess;
  const count = async (sql: string) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return Number((await client.query<{ n: string }>(sql)).rows[0]!.n);
    } finally {
      await client.end();
    }
  };
  const written = async () => ({
    tokens: await count('select count(*) as n from developer_tokens'),
    audit: await count('select count(*) as n from audit_log'),
  });

  before(async () => {
    database = await createTestDatabase();
    node = await startNode({ GATEHOUSE_DATABASE_URL: database.url, GATEHOUSE_MASTER_KEY: SITE_KEY, GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD });
  });
  after(async () => {
    await node?.stop();
    await database?.drop();
  });

  const create = (env: NodeJS.ProcessEnv, dataDir: string) =>
    gatehouse(['token', 'create', '--type', 'server', '--name', 'from the CLI', '--json', '--database-url', database.url, '--data-dir', dataDir], env);

  test('without any master key: refused, naming the site key, nothing written, no key file made', async () => {
    const before = await written();
    const dataDir = tempDir();
    const res = await create({}, dataDir);
    assert.equal(res.code, 1);
    assert.equal(
      res.stderr,
      `gatehouse: master key ${siteId} of this site is missing here: set GATEHOUSE_MASTER_KEY as on the servers (nothing was written)\n`,
    );
    assert.equal(res.stdout, '');
    assert.deepEqual(await written(), before);
    assert.deepEqual(fs.readdirSync(dataDir), [], 'no master.key of its own');
  });

  test('with another master key: refused the same way, nothing written', async () => {
    const before = await written();
    const res = await create({ GATEHOUSE_MASTER_KEY: OTHER_KEY }, tempDir());
    assert.equal(res.code, 1);
    assert.equal(
      res.stderr,
      `gatehouse: master key ${siteId} of this site is missing here (this command has ${otherId}): set GATEHOUSE_MASTER_KEY as on the servers (nothing was written)\n`,
    );
    assert.deepEqual(await written(), before);
    const list = await gatehouse(['token', 'list', '--database-url', database.url, '--data-dir', tempDir()], { GATEHOUSE_MASTER_KEY: OTHER_KEY });
    assert.equal(list.code, 1, 'every admin command, not only create');
  });

  test("with the servers' key: the token is made and works on the running server", async () => {
    const res = await create({ GATEHOUSE_MASTER_KEY: SITE_KEY }, path.join(tempDir(), 'unused'));
    assert.equal(res.code, 0, res.stderr);
    const token = JSON.parse(res.stdout) as { key: string; secret: string };
    const answer = await call(node.url, '/@api/deki/users/current', {
      headers: { 'X-Deki-Token': signServerToken({ key: token.key, secret: token.secret, user: 1 }) },
    });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json.username, 'admin');
  });
});
