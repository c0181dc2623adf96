/**
 * `gatehouse backup` of a running SQLite site, during a burst of token creations: the copy opens,
 * passes `integrity_check`, and a server restored from it (with the master key kept beside it)
 * authenticates every token whose creation was acknowledged before the backup began.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { signServerToken } from '../client/sign.js';
import { gatehouse } from './helpers/cli.js';
import { call, createToken, signIn } from './helpers/http.js';
import { startNode } from './helpers/node-process.js';
import { ON_POSTGRES } from './helpers/postgres.js';
import { ADMIN_PASSWORD, tempDir } from './helpers/server.js';

const KEY = Buffer.alloc(32, 5).toString('base64');
const WORKERS = 4;
/** Acknowledged creations before the backup starts, so it runs in the middle of the burst. */
const BEFORE_BACKUP = 30;

test(
  'backup during a creation burst: the copy is whole and every token acknowledged before it works',
  { skip: ON_POSTGRES ? 'SQLite only: PostgreSQL is backed up with pg_dump' : undefined },
  async () => {
    const dataDir = tempDir('gatehouse-backup-');
    const env = { GATEHOUSE_MASTER_KEY: KEY, GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD, GATEHOUSE_SITE_URL: 'http://gatehouse.test' };
    const node = await startNode({ ...env, GATEHOUSE_DATA_DIR: dataDir });
    const acknowledged: { key: string; secret: string }[] = [];
    let stop = false;
    let createdDuringBackup = 0;
    try {
      const admin = await signIn(node.url, 'admin', ADMIN_PASSWORD);
      let n = 0;
      let reached: () => void = () => undefined;
      const enough = new Promise<void>((resolve) => (reached = resolve));
      let backingUp = false;
      const worker = async () => {
        while (!stop) {
          const t = await createToken(node.url, admin, { '@type': 'server', name: `burst ${n++}` });
          if (backingUp) createdDuringBackup++;
          else acknowledged.push({ key: t.key!, secret: t.secret! });
          if (acknowledged.length === BEFORE_BACKUP) reached();
        }
      };
      const workers = Array.from({ length: WORKERS }, worker);
      await enough;
      backingUp = true;
      const before = acknowledged.length;
      const file = path.join(tempDir(), 'site.sqlite');
      const { code, stdout, stderr } = await gatehouse(['backup', file, '--data-dir', dataDir], env);
      assert.equal(code, 0, stderr);
      stop = true;
      await Promise.all(workers);
      assert.ok(createdDuringBackup > 0, 'tokens were being created while the backup ran');
      assert.equal(acknowledged.length, before);
      assert.match(
        stdout,
        /^Backed up \d+ pages to .*site\.sqlite \(integrity_check: ok\)\.\nKeep the master key with it, stored apart: GATEHOUSE_MASTER_KEY \(key ids [0-9a-f]{8}\)\.\n/,
      );
      assert.ok(!fs.existsSync(`${file}-wal`), 'one self-contained file');

      const copy = new SQLite(file, { readonly: true });
      try {
        assert.deepEqual(copy.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
      } finally {
        copy.close();
      }

      const restored = tempDir('gatehouse-restored-');
      fs.copyFileSync(file, path.join(restored, 'gatehouse.sqlite'));
      const again = await startNode({ ...env, GATEHOUSE_DATA_DIR: restored });
      try {
        const failed: string[] = [];
        for (const t of acknowledged) {
          const res = await call(again.url, '/@api/deki/users/current', {
            headers: { 'X-Deki-Token': signServerToken({ key: t.key, secret: t.secret, user: 1 }) },
          });
          if (res.status !== 200 || res.json.username !== 'admin') failed.push(`${t.key}: ${res.status}`);
        }
        assert.deepEqual(failed, [], 'every token acknowledged before the backup authenticates on the restored site');
      } finally {
        await again.stop();
      }
    } finally {
      stop = true;
      await node.stop();
    }
  },
);

test('backup refuses a PostgreSQL site, pointing to pg_dump', async () => {
  const res = await gatehouse(['backup', path.join(tempDir(), 'x.sqlite'), '--database-url', 'postgres://127.0.0.1:1/none']);
  assert.equal(res.code, 1);
  assert.equal(res.stderr, 'gatehouse: gatehouse backup copies a SQLite site; for PostgreSQL use pg_dump (docs/operations.md#backup-and-restore)\n');
});
