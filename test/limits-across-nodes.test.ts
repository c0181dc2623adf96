/**
 * The failed-credential limits and the sign-in throttle hold for the whole site, not per node:
 * counted in the database, an attempt at sign-in before its password is checked, so guesses spread
 * over nodes or sent at once cannot overtake them; a valid credential is never refused by the
 * failure limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signServerToken } from '../client/sign.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from './helpers/server.js';
import { basic, bearer, call, createToken, createUser, signIn } from './helpers/http.js';
import { type NodeProcess, startNode } from './helpers/node-process.js';
import { createOAuthApp, readForm } from './helpers/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from './helpers/postgres.js';

const skip = await postgresSkipReason();
const PASSWORD = 'the right password 42';

/** 40 wrong passwords and the right one for `username`, all sent at once, spread over `bases`. */
async function burst(
  bases: string[],
  username: string,
): Promise<{ failed: number; throttled: number; unavailable: number; rightOne: number; other: number[] }> {
  const passwords = Array.from({ length: 41 }, (_, i) => (i === 20 ? PASSWORD : `wrong guess ${i}`));
  const answers = await Promise.all(
    passwords.map((password, i) =>
      call(bases[i % bases.length]!, '/@api/deki/users/authenticate', { headers: { Authorization: basic(username, password) } }).then((res) => ({
        password,
        res,
      })),
    ),
  );
  const out = { failed: 0, throttled: 0, unavailable: 0, rightOne: 0, other: [] as number[] };
  for (const { password, res } of answers) {
    if (password === PASSWORD) out.rightOne = res.status;
    if (res.status === 401) out.failed++;
    else if (res.status === 429) {
      assert.equal(res.json.message, 'too many failed sign-in attempts for this user or from this client: retry later');
      out.throttled++;
    } else if (res.status === 503 && res.json.message === 'authentication store unavailable') {
      // On a machine loaded far past its cores a pool connection can time out (1 s): not a check either.
      out.unavailable++;
    } else if (res.status !== 200) out.other.push(res.status);
  }
  return out;
}

/** What a burst must show: at most 10 wrong passwords checked, the rest throttled, the right one 200 or 429. */
function assertThrottledBurst(b: Awaited<ReturnType<typeof burst>>): void {
  assert.deepEqual(b.other, []);
  assert.ok(b.failed <= 10, `${b.failed} wrong passwords were checked`);
  assert.ok(b.failed >= 1);
  assert.ok(b.rightOne === 200 || b.rightOne === 429 || b.rightOne === 503, `the right password got ${b.rightOne}`);
  assert.ok(b.unavailable <= 5, `${b.unavailable} answers were 503`);
  // The right one, when it was among those checked, gave its count back: then one more wrong one may be checked.
  assert.equal(b.failed + b.throttled + b.unavailable + (b.rightOne === 200 ? 1 : 0), 41);
}

describe('one node: sign-in attempts sent at once', () => {
  let server: TestServer;
  let admin: string;
  before(async () => {
    server = await startServer({ env: { GATEHOUSE_SIGNIN_FAILURE_LIMIT: '10' } });
    admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  });
  after(() => server.close());

  test('40 wrong passwords and the right one at once: at most 10 are checked, the rest 429', async () => {
    await createUser(server.url, admin, { username: 'burst-one-node', password: PASSWORD });
    assertThrottledBurst(await burst([server.url], 'burst-one-node'));
  });

  test('a right password gives its count back: nine failures, a success, and the next guess is still checked', async () => {
    await createUser(server.url, admin, { username: 'gives-back', password: PASSWORD });
    const attempt = (password: string) => call(server.url, '/@api/deki/users/authenticate', { headers: { Authorization: basic('gives-back', password) } });
    for (let i = 0; i < 9; i++) assert.equal((await attempt(`wrong ${i}`)).status, 401);
    assert.equal((await attempt(PASSWORD)).status, 200);
    assert.equal((await attempt('wrong 9')).status, 401, 'the tenth failure is checked');
    assert.equal((await attempt(PASSWORD)).status, 429, 'past ten failures, the right one too is refused');
  });
});

describe('three nodes on one PostgreSQL database', { skip }, () => {
  let database: TestDatabase;
  let nodes: NodeProcess[] = [];
  let admin: string;

  before(async () => {
    database = await createTestDatabase();
    const env = {
      GATEHOUSE_DATABASE_URL: database.url,
      GATEHOUSE_MASTER_KEY: Buffer.alloc(32, 11).toString('base64'),
      GATEHOUSE_SITE_URL: 'http://gatehouse.test',
      GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      GATEHOUSE_AUTH_FAILURE_LIMIT: '20',
      GATEHOUSE_SIGNIN_FAILURE_LIMIT: '10',
    };
    // One after the other: the first runs the migrations.
    for (let i = 0; i < 3; i++) nodes.push(await startNode(env));
    admin = await signIn(nodes[0]!.url, 'admin', ADMIN_PASSWORD);
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    nodes = [];
    await database?.drop();
  });

  test('wrong signatures round-robin over the nodes: the first 429 comes after 20 to 22 failures; a valid signature still passes', async () => {
    const t = await createToken(nodes[0]!.url, admin, { '@type': 'server', name: 'guessed at on every node' });
    const sign = (secret: string) => signServerToken({ key: t.key!, secret, user: '=admin' });
    let failures = 0;
    for (let i = 0; ; i++) {
      const res = await call(nodes[i % 3]!.url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': sign(`${i}`.padStart(64, 'e')) } });
      if (res.status === 429) {
        assert.equal(res.json.message, 'too many failed authentication attempts from this client or for this token: retry later');
        assert.match(res.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
        break;
      }
      assert.equal(res.status, 403, res.text);
      failures++;
      assert.ok(failures <= 22, 'no 429 after 22 failures spread over three nodes');
    }
    assert.ok(failures >= 20, `refused after only ${failures} failures`);
    for (const node of nodes) {
      const res = await call(node.url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': sign(t.secret!) } });
      assert.equal(res.status, 200, 'a valid credential is never refused by the limit');
      assert.equal(res.json.username, 'admin');
    }
  });

  test('40 wrong passwords and the right one at once, spread over three nodes: at most 10 are checked', async () => {
    await createUser(nodes[0]!.url, admin, { username: 'burst-three-nodes', password: PASSWORD });
    // Each node's pool opens its connections now, not during the burst: on a loaded machine a new
    // PostgreSQL connection can take longer than the pool's 1 s timeout, which would be a 503.
    await Promise.all(nodes.flatMap((n) => Array.from({ length: 10 }, () => call(n.url, '/@api/deki/pages/home/info'))));
    assertThrottledBurst(
      await burst(
        nodes.map((n) => n.url),
        'burst-three-nodes',
      ),
    );
  });

  test('wrong device user codes from one session, round-robin over the nodes: at most 20 are looked up, then 429', async () => {
    await createUser(nodes[0]!.url, admin, { username: 'code-guesser', password: PASSWORD });
    const session = await signIn(nodes[0]!.url, 'code-guesser', PASSWORD);
    await createOAuthApp(nodes[0]!.url, admin, 'Lobby display');
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      // Codes from the user-code alphabet that no device was given.
      const code = `BBBB-${'BCDFGHJKLMNPQRSTVWXZ'[i % 20]}${'BCDFGHJKLMNPQRSTVWXZ'[Math.floor(i / 20)]}BB`;
      const res = await fetch(`${nodes[i % 3]!.url}/@app/auth/1/token/device?user_code=${code}`, { headers: { Cookie: `authtoken=${session}` } });
      statuses.push(res.status);
      if (res.status === 429) assert.match(await res.text(), /too many codes entered from this session or this client/);
      else await res.body?.cancel();
    }
    assert.deepEqual(
      statuses,
      Array.from({ length: 30 }, (_, i) => (i < 20 ? 400 : 429)),
      'the limit of 20 a minute holds for the three nodes together',
    );
  });

  test("wrong passwords on one node's API close the OAuth sign-in page on another", async () => {
    await createUser(nodes[0]!.url, admin, { username: 'page-across-nodes', password: PASSWORD });
    for (let i = 0; i < 10; i++) {
      const res = await call(nodes[i % 2]!.url, '/@api/deki/users/authenticate', { headers: { Authorization: basic('page-across-nodes', `wrong ${i}`) } });
      assert.equal(res.status, 401);
    }
    const page = await fetch(`${nodes[2]!.url}/@app/oauth/authorized-apps`);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
    const { action, fields } = readForm(await page.text());
    fields.set('username', 'page-across-nodes');
    fields.set('password', PASSWORD);
    const res = await fetch(new URL(action, nodes[2]!.url), {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: fields,
      redirect: 'manual',
    });
    assert.match(await res.text(), /too many failed sign-in attempts/);
    assert.ok(!(res.headers.get('set-cookie') ?? '').includes('authtoken='), 'no session while throttled');
    // Other users and existing credentials are untouched.
    assert.equal((await call(nodes[2]!.url, '/@api/deki/users/current', { headers: bearer(admin) })).json.username, 'admin');
  });
});
