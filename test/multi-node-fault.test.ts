/**
 * A PostgreSQL outage under traffic. Node B reaches the database through a TCP
 * proxy the test cuts (the shared PostgreSQL keeps running for every other test); node A keeps its
 * connection and revokes credentials while B is cut off. Clients keep B busy the whole time with
 * valid and revoked JWTs, signatures and sessions, anonymous page reads and token creations.
 *
 * What must hold: before the outage every answer is right; during it B answers 503
 * `authentication store unavailable` (never a 500); at no time is a revoked credential given a 200
 * or a valid one a 403; and B recovers by itself, without a restart, refusing what was revoked
 * while it was cut off. (kill -9 of a node during creations: fault.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signServerToken } from '../client/sign.js';
import { sleep } from '../scripts/lib/system.js';
import { ADMIN_PASSWORD } from './helpers/server.js';
import { bearer, call, createToken, createUser, signIn } from './helpers/http.js';
import { type NodeProcess, startNode } from './helpers/node-process.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from './helpers/postgres.js';
import { proxyDatabase, type TcpProxy } from './helpers/tcp-proxy.js';

const skip = await postgresSkipReason();
const USER = 'outage-user';
const PASSWORD = 'outage password 123';
const UNAVAILABLE = 'authentication store unavailable';

/** One kind of request the clients send, and the answer it must get. */
interface Probe {
  name: string;
  send(): Promise<{ status: number; json: Record<string, unknown>; text: string }>;
  /** The right answer when the store is reachable, at the time the request was sent. */
  expect(sentAt: number): { status: number; message?: string; username?: string };
}

interface Observation {
  probe: string;
  sentAt: number;
  doneAt: number;
  status: number;
  message: unknown;
  username: unknown;
  expected: { status: number; message?: string; username?: string };
}

let database: TestDatabase;
let proxy: TcpProxy;
let a: NodeProcess;
let b: NodeProcess;
let bPid: number;
const observations: Observation[] = [];
const created: { id: string; key: string; secret: string }[] = [];
/** performance.now() at each step. */
const at = { cut: 0, first503: 0, revoked: Infinity, restored: 0, recovered: 0, end: 0 };

before(async () => {
  if (skip) return;
  database = await createTestDatabase();
  let viaProxy: string;
  ({ proxy, url: viaProxy } = await proxyDatabase(database.url));
  const shared = {
    GATEHOUSE_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    GATEHOUSE_SITE_URL: 'http://gatehouse.test',
    GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // The clients send revoked credentials hundreds of times a minute on purpose: this test is about
    // the answers to them, not the failure limit (attacks.test.ts covers that).
    GATEHOUSE_AUTH_FAILURE_LIMIT: '1000000',
  };
  a = await startNode({ ...shared, GATEHOUSE_DATABASE_URL: database.url });
  b = await startNode({ ...shared, GATEHOUSE_DATABASE_URL: viaProxy });
  bPid = b.pid;

  const admin = await signIn(a.url, 'admin', ADMIN_PASSWORD);
  const userId = await createUser(a.url, admin, { username: USER, password: PASSWORD });
  const jwtToken = async (name: string) => {
    const t = await createToken(a.url, admin, { '@type': 'server', name, 'restricted-by-user-id': String(userId) });
    return { id: t['@id']!, key: t.key!, secret: t.secret!, jwt: t.authorization!.slice('Bearer '.length) };
  };
  const valid = await jwtToken('valid');
  const revokedBefore = await jwtToken('revoked before');
  const revokedDuring = await jwtToken('revoked during');
  const session = await signIn(a.url, USER, PASSWORD);
  const endedBefore = await signIn(a.url, USER, PASSWORD);
  const endedDuring = await signIn(a.url, USER, PASSWORD);
  const adminOnB = await signIn(b.url, 'admin', ADMIN_PASSWORD);
  await call(a.url, `/@api/deki/site/developer-tokens/${revokedBefore.id}`, { method: 'DELETE', headers: bearer(admin) });
  await call(a.url, '/@api/deki/users/logout', { method: 'POST', headers: bearer(endedBefore) });

  const me = (headers: Record<string, string>) => () => call(b.url, '/@api/deki/users/current', { headers });
  const sig = (t: { key: string; secret: string }) => signServerToken({ key: t.key, secret: t.secret, user: `=${USER}` });
  const ok = { status: 200, username: USER };
  const refused = (message: string) => ({ status: 403, message });
  const probes: Probe[] = [
    { name: 'valid JWT', send: me(bearer(valid.jwt)), expect: () => ok },
    { name: 'valid signature', send: () => me({ 'X-Deki-Token': sig(valid) })(), expect: () => ok },
    { name: 'valid session', send: me(bearer(session)), expect: () => ok },
    { name: 'JWT revoked before', send: me(bearer(revokedBefore.jwt)), expect: () => refused('invalid json web token') },
    { name: 'signature revoked before', send: () => me({ 'X-Deki-Token': sig(revokedBefore) })(), expect: () => refused('invalid server token signature') },
    { name: 'session ended before', send: me(bearer(endedBefore)), expect: () => refused('invalid authtoken') },
    // Revoked while B is cut off: right until then, refused from then on.
    { name: 'JWT revoked during', send: me(bearer(revokedDuring.jwt)), expect: (t) => (t < at.revoked ? ok : refused('invalid json web token')) },
    {
      name: 'signature revoked during',
      send: () => me({ 'X-Deki-Token': sig(revokedDuring) })(),
      expect: (t) => (t < at.revoked ? ok : refused('invalid server token signature')),
    },
    { name: 'session ended during', send: me(bearer(endedDuring)), expect: (t) => (t < at.revoked ? ok : refused('invalid authtoken')) },
    { name: 'anonymous page read', send: () => call(b.url, '/@api/deki/pages/home/info'), expect: () => ({ status: 200 }) },
    {
      name: 'token creation',
      send: async () => {
        const res = await call(b.url, '/@api/deki/site/developer-tokens', {
          method: 'POST',
          headers: { ...bearer(adminOnB), 'Content-Type': 'application/json' },
          body: JSON.stringify({ '@type': 'server', name: `during traffic ${created.length}` }),
        });
        if (res.status === 200) created.push({ id: res.json['@id'] as string, key: res.json.key as string, secret: res.json.secret as string });
        return res;
      },
      expect: () => ({ status: 200 }),
    },
  ];

  let stop = false;
  const client = async (offset: number) => {
    for (let i = offset; !stop; i++) {
      const probe = probes[i % probes.length]!;
      const sentAt = performance.now();
      const res = await probe.send();
      observations.push({
        probe: probe.name,
        sentAt,
        doneAt: performance.now(),
        status: res.status,
        message: res.json.message,
        username: res.json.username,
        expected: probe.expect(sentAt),
      });
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const clients = [0, 3, 7].map((offset) => client(offset));

  await sleep(2000); // normal traffic
  at.cut = performance.now();
  proxy.cut();
  // B notices within its 1 s bound; a loaded machine gets 10 s.
  for (;;) {
    const res = await call(b.url, '/@api/deki/users/current', { headers: bearer(valid.jwt) });
    if (res.status === 503) break;
    assert.ok(performance.now() - at.cut < 10_000, `B still answers ${res.status} 10 s into the outage`);
    await sleep(20);
  }
  at.first503 = performance.now();
  // Revocations that B cannot hear about while it is cut off.
  await call(a.url, `/@api/deki/site/developer-tokens/${revokedDuring.id}`, { method: 'DELETE', headers: bearer(admin) });
  await call(a.url, '/@api/deki/users/logout', { method: 'POST', headers: bearer(endedDuring) });
  at.revoked = performance.now();
  await sleep(2000); // the outage goes on under traffic
  at.restored = performance.now();
  proxy.restore();
  for (;;) {
    const res = await call(b.url, '/@api/deki/users/current', { headers: bearer(valid.jwt) });
    if (res.status === 200) break;
    assert.ok(performance.now() - at.restored < 20_000, `B has not recovered 20 s after the database came back: ${res.status} ${res.text}`);
    await sleep(50);
  }
  at.recovered = performance.now();
  await sleep(2000); // traffic after recovery
  stop = true;
  await Promise.all(clients);
  at.end = performance.now();
});

after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await proxy?.close();
  await database?.drop();
});

const describeObs = (o: Observation) =>
  `${o.probe} sent ${(o.sentAt - at.cut).toFixed(0)} ms after the cut: ${o.status} ${String(o.message ?? o.username ?? '')} (expected ${o.expected.status} ${o.expected.message ?? o.expected.username ?? ''})`;

function isRight(o: Observation): boolean {
  if (o.status !== o.expected.status) return false;
  if (o.expected.message !== undefined && o.message !== o.expected.message) return false;
  if (o.expected.username !== undefined && o.username !== o.expected.username) return false;
  return true;
}

function isUnavailable(o: Observation): boolean {
  return o.status === 503 && o.message === UNAVAILABLE;
}

test('the traffic covered every phase', { skip }, (t) => {
  const phase = (from: number, to: number) => observations.filter((o) => o.sentAt >= from && o.doneAt <= to).length;
  const counts = { before: phase(0, at.cut), outage: phase(at.first503, at.restored), after: phase(at.recovered, at.end) };
  t.diagnostic(
    `${observations.length} requests: ${counts.before} before the cut, ${counts.outage} during the outage, ${counts.after} after recovery; B noticed in ${(at.first503 - at.cut).toFixed(0)} ms, recovered in ${(at.recovered - at.restored).toFixed(0)} ms`,
  );
  for (const [phaseName, n] of Object.entries(counts)) assert.ok(n >= 20, `${n} requests ${phaseName}`);
});

test('before the outage, every answer is right', { skip }, () => {
  const wrong = observations.filter((o) => o.doneAt < at.cut && !isRight(o));
  assert.deepEqual(wrong.map(describeObs), []);
});

test("during the outage, B answers 503 'authentication store unavailable' to every request", { skip }, () => {
  const during = observations.filter((o) => o.sentAt >= at.first503 && o.doneAt <= at.restored);
  assert.deepEqual(during.filter((o) => !isUnavailable(o)).map(describeObs), []);
});

test('no wrong answer at any time: nothing revoked gets a 200, nothing valid a 403, nothing a 500', { skip }, () => {
  const wrong = observations.filter((o) => !isRight(o) && !isUnavailable(o));
  assert.deepEqual(wrong.map(describeObs), []);
});

test('B recovered by itself (same process), and after recovery every answer is right', { skip }, () => {
  assert.equal(b.child.exitCode, null);
  assert.equal(b.pid, bPid);
  const afterRecovery = observations.filter((o) => o.sentAt >= at.recovered);
  assert.deepEqual(afterRecovery.filter((o) => !isRight(o)).map(describeObs), []);
  assert.ok(
    afterRecovery.some((o) => o.probe === 'JWT revoked during' && o.status === 403),
    'what was revoked during the outage is refused after it',
  );
});

test('every token B created with a 200 exists and works on A', { skip }, async () => {
  assert.ok(created.length > 0);
  for (const t of created) {
    const res = await call(a.url, '/@api/deki/users/current', {
      headers: { 'X-Deki-Token': signServerToken({ key: t.key, secret: t.secret, user: '=admin' }) },
    });
    assert.equal(res.status, 200, `token ${t.id}: ${res.text}`);
    assert.equal(res.json.username, 'admin');
  }
});
