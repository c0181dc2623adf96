/**
 * kill -9 during a burst of token creations. A real `gatehouse serve` process is
 * killed while several clients create tokens of every type as fast as they can; it is started again
 * on the same data. Every creation that got a 200 must exist and work (signature with its secret,
 * JWT if issued, browser origin, OAuth client secret); nothing may exist half-made (each row whole,
 * with its audit entry, and no audit entry without its row); and the SQLite file must pass
 * `PRAGMA integrity_check`. On the PostgreSQL pass of the suite the node uses a database of its
 * own, and the same holds. (A PostgreSQL outage under traffic: multi-node-fault.test.ts.)
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { signServerToken } from '../client/sign.js';
import { loadMasterKeys } from '../src/crypto/master-key.js';
import { openSecret } from '../src/tokens/secret.js';
import { ADMIN_PASSWORD, tempDir } from './helpers/server.js';
import { basic, bearer, call, signIn } from './helpers/http.js';
import { type NodeProcess, startNode } from './helpers/node-process.js';
import { ON_POSTGRES, createTestDatabase, type TestDatabase } from './helpers/postgres.js';

const SITE = 'http://gatehouse.test';
const ORIGIN_HOST = 'app.example';
const WORKERS = 6;
/** Creations that must have succeeded before the kill, so it lands in the middle of the burst. */
const BEFORE_KILL = 40;

type Kind = 'server+jwt' | 'server' | 'browser' | 'oauth';
const KINDS: Kind[] = ['server+jwt', 'server', 'browser', 'oauth'];

interface Created {
  name: string;
  kind: Kind;
  id: string;
  key: string;
  secret: string | undefined;
  jwt: string | undefined;
}

interface TokenRow {
  id: number;
  type: string;
  name: string;
  key: string;
  secret_enc: string | null;
  host: string | null;
  jwt_user_id: number | null;
  jwt_key_id: string | null;
  jwt_issued_at: number | null;
}

const dataDir = tempDir('gatehouse-fault-');
let database: TestDatabase | undefined;
let env: NodeJS.ProcessEnv;
let node: NodeProcess;
let admin: string;
const acknowledged: Created[] = [];
/** Names whose request was sent but whose answer never came (or was not a 200): they may or may not exist. */
const unanswered = new Set<string>();
const otherStatuses: string[] = [];
let inFlightAtKill = 0;
let integrityAfterKill: string[] = [];
let rows: TokenRow[] = [];
/** Token ids named by token.create audit entries. */
let auditedCreates = new Set<string>();

function body(kind: Kind, name: string): Record<string, string> {
  switch (kind) {
    case 'server+jwt':
      return { '@type': 'server', name, 'generate-jwt': 'true' };
    case 'server':
      return { '@type': 'server', name };
    case 'browser':
      return { '@type': 'browser', name, host: ORIGIN_HOST };
    case 'oauth':
      return { '@type': 'oauth', name, host: ORIGIN_HOST };
  }
}

/** Reads the token rows and the token.create audit entries straight from the database. */
async function readDatabase(): Promise<{ tokens: TokenRow[]; creates: Set<string> }> {
  const tokenQuery = 'select id, type, name, key, secret_enc, host, jwt_user_id, jwt_key_id, jwt_issued_at from developer_tokens order by id';
  const auditQuery = "select target_id from audit_log where action = 'token.create'";
  if (database) {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const tokens = (await client.query<TokenRow>(tokenQuery)).rows.map((r) => ({
        ...r,
        id: Number(r.id),
        jwt_user_id: r.jwt_user_id === null ? null : Number(r.jwt_user_id),
      }));
      const creates = new Set((await client.query<{ target_id: string }>(auditQuery)).rows.map((r) => r.target_id));
      return { tokens, creates };
    } finally {
      await client.end();
    }
  }
  const db = new SQLite(path.join(dataDir, 'gatehouse.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const creates = new Set((db.prepare(auditQuery).all() as { target_id: string }[]).map((r) => r.target_id));
    return { tokens: db.prepare(tokenQuery).all() as TokenRow[], creates };
  } finally {
    db.close();
  }
}

function integrityCheck(): string[] {
  // Opening read-write lets SQLite recover the WAL left by the killed process, as the next start would.
  const db = new SQLite(path.join(dataDir, 'gatehouse.sqlite'), { fileMustExist: true });
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  } finally {
    db.close();
  }
}

before(async () => {
  database = ON_POSTGRES ? await createTestDatabase() : undefined;
  env = {
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_SITE_URL: SITE,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ...(database ? { GATEHOUSE_DATABASE_URL: database.url } : {}),
  };
  node = await startNode(env);
  admin = await signIn(node.url, 'admin', ADMIN_PASSWORD);

  let stop = false;
  let inFlight = 0;
  const worker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const kind = KINDS[(w + i) % KINDS.length]!;
      const name = `burst ${w}-${i} ${kind}`;
      inFlight++;
      try {
        const res = await call(node.url, '/@api/deki/site/developer-tokens', {
          method: 'POST',
          headers: { ...bearer(admin), 'Content-Type': 'application/json' },
          body: JSON.stringify(body(kind, name)),
        });
        if (res.status === 200) {
          const j = res.json as Record<string, string>;
          acknowledged.push({ name, kind, id: j['@id']!, key: j.key!, secret: j.secret, jwt: j.authorization?.slice('Bearer '.length) });
        } else {
          unanswered.add(name);
          otherStatuses.push(`${res.status} ${res.text}`);
        }
      } catch {
        unanswered.add(name); // the connection died with the process
        stop = true;
      } finally {
        inFlight--;
      }
    }
  };
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  const deadline = Date.now() + 120_000;
  while (acknowledged.length < BEFORE_KILL && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.ok(acknowledged.length >= BEFORE_KILL, `only ${acknowledged.length} creations in 120 s`);
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  inFlightAtKill = inFlight;
  process.kill(node.pid, 'SIGKILL');
  await exited;
  stop = true;
  await Promise.all(workers);

  if (!database) integrityAfterKill = integrityCheck();
  node = await startNode(env);
  admin = await signIn(node.url, 'admin', ADMIN_PASSWORD);
  ({ tokens: rows, creates: auditedCreates } = await readDatabase());
});

after(async () => {
  await node?.stop();
  await database?.drop();
});

describe(`kill -9 during a burst of token creations (${ON_POSTGRES ? 'PostgreSQL' : 'SQLite'})`, () => {
  test('the kill landed mid-burst: requests were in flight, and nothing but the kill failed', (t) => {
    t.diagnostic(
      `${acknowledged.length} creations answered 200, ${unanswered.size} unanswered (${inFlightAtKill} in flight at the kill); ${rows.length} tokens after the restart`,
    );
    assert.ok(acknowledged.length >= BEFORE_KILL);
    assert.ok(inFlightAtKill > 0, 'creations were in flight when the process was killed');
    assert.deepEqual(otherStatuses, [], 'every answer before the kill was a 200');
  });

  if (!ON_POSTGRES) {
    test('SQLite: PRAGMA integrity_check is ok right after the kill, and after the restart', () => {
      assert.deepEqual(integrityAfterKill, ['ok']);
      assert.deepEqual(integrityCheck(), ['ok']);
    });
  }

  test('every creation that got a 200 is in the list after the restart, unchanged', async () => {
    const list = await call(node.url, '/@api/deki/site/developer-tokens', { headers: bearer(admin) });
    assert.equal(list.status, 200);
    const listed = new Map(
      ([] as Record<string, string>[]).concat((list.json['developer-token'] ?? []) as Record<string, string>[]).map((t) => [t['@id']!, t]),
    );
    for (const c of acknowledged) {
      const t = listed.get(c.id);
      assert.ok(t, `${c.name} (id ${c.id}) exists`);
      assert.equal(t.name, c.name);
      assert.equal(t.key, c.key);
      assert.equal(t['@type'], c.kind === 'browser' ? 'browser' : c.kind === 'oauth' ? 'oauth' : 'server');
    }
  });

  test('every acknowledged server token signs with its secret, and its JWT (if issued) works', async () => {
    for (const c of acknowledged.filter((t) => t.kind === 'server' || t.kind === 'server+jwt')) {
      const signed = await call(node.url, '/@api/deki/users/current', {
        headers: { 'X-Deki-Token': signServerToken({ key: c.key, secret: c.secret!, user: '=admin' }) },
      });
      assert.equal(signed.status, 200, `${c.name}: ${signed.text}`);
      assert.equal(signed.json.username, 'admin');
      if (c.kind === 'server+jwt') {
        assert.ok(c.jwt, `${c.name} was issued a JWT`);
        const viaJwt = await call(node.url, '/@api/deki/users/current', { headers: bearer(c.jwt) });
        assert.equal(viaJwt.status, 200, `${c.name} JWT: ${viaJwt.text}`);
        assert.equal(viaJwt.json.username, 'admin');
      }
    }
  });

  test('every acknowledged browser token admits its origin; every OAuth app authenticates with its secret', async () => {
    for (const c of acknowledged.filter((t) => t.kind === 'browser')) {
      const res = await call(node.url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': c.key, Origin: `https://${ORIGIN_HOST}` } });
      assert.equal(res.status, 200, `${c.name}: ${res.text}`);
      assert.equal(res.headers.get('access-control-allow-origin'), `https://${ORIGIN_HOST}`);
    }
    for (const c of acknowledged.filter((t) => t.kind === 'oauth')) {
      // A made-up code with the right client secret: the client is accepted, the code is not.
      const res = await call(node.url, '/@app/auth/1/token/access.json', {
        method: 'POST',
        headers: { Authorization: basic(c.key, c.secret!), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: `gth_ac_${'0'.repeat(64)}`, redirect_uri: `https://${ORIGIN_HOST}/cb` }).toString(),
        json: false,
      });
      assert.equal(res.status, 400, `${c.name}: ${res.text}`);
      assert.equal(res.json.error, 'invalid_grant', `${c.name}: the client secret is accepted`);
    }
  });

  test('nothing is half-made: every row is complete, its secret decrypts and works, and its creation is audited', async () => {
    const names = new Set([...acknowledged.map((c) => c.name), ...unanswered]);
    const keys = loadMasterKeys([], dataDir); // the node made master.key in the data directory
    assert.ok(rows.length >= acknowledged.length);
    for (const row of rows) {
      assert.ok(names.has(row.name), `row ${row.id} '${row.name}' was asked for`);
      assert.ok(auditedCreates.has(String(row.id)), `row ${row.id} has its token.create audit entry (written in the same transaction)`);
      const jwtFields = [row.jwt_user_id, row.jwt_key_id, row.jwt_issued_at].filter((v) => v !== null).length;
      assert.ok(jwtFields === 0 || jwtFields === 3, `row ${row.id}: JWT fields all set or all empty`);
      if (row.type === 'browser') {
        assert.equal(row.secret_enc, null);
        assert.equal(row.host, ORIGIN_HOST);
        continue;
      }
      assert.ok(row.secret_enc, `row ${row.id} has its secret`);
      const secret = openSecret(keys, row.key, row.secret_enc);
      assert.match(secret, /^[0-9a-f]{64}$/);
      if (row.type === 'server') {
        // Including the ones created by requests whose answer was lost in the kill.
        const res = await call(node.url, '/@api/deki/users/current', {
          headers: { 'X-Deki-Token': signServerToken({ key: row.key, secret, user: '=admin' }) },
        });
        assert.equal(res.status, 200, `row ${row.id}: ${res.text}`);
      }
    }
    assert.equal(auditedCreates.size, rows.length, 'no token.create audit entry without its token');
  });

  test('after the restart, creating and using a token works as before', async () => {
    const res = await call(node.url, '/@api/deki/site/developer-tokens', {
      method: 'POST',
      headers: { ...bearer(admin), 'Content-Type': 'application/json' },
      body: JSON.stringify(body('server+jwt', 'after the restart')),
    });
    assert.equal(res.status, 200, res.text);
    const jwt = (res.json.authorization as string).slice('Bearer '.length);
    assert.equal((await call(node.url, '/@api/deki/users/current', { headers: bearer(jwt) })).json.username, 'admin');
    assert.ok(Number(res.json['@id']) > Math.max(...rows.map((r) => r.id)), 'no id is reused');
  });
});
