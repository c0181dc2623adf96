/**
 * `/@gatehouse/metrics`: after known traffic (signatures, JWTs, a refusal of each kind, both limits)
 * a scrape finds exactly the counts that traffic caused; `promtool check metrics` accepts the
 * output; it holds no secret, key, JWT or IP; and who may read it: loopback clients, others only
 * with `Authorization: Bearer <GATEHOUSE_METRICS_TOKEN>`. "Non-loopback" is real here: the server
 * listens on every address and the test connects to this machine's own non-loopback address, so the
 * server's socket sees a peer outside 127.0.0.0/8.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import { signServerToken } from '../client/sign.js';
import { basic, bearer, call, createToken, signIn } from './helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from './helpers/server.js';

const METRICS = '/@gatehouse/metrics';
const FORBIDDEN = 'metrics are served to loopback clients, and to others with Authorization: Bearer and the metrics token';
const METRICS_TOKEN = 'scrape-token-4f9c2a7e81d3b6';

/** Series name with its labels sorted → value. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels =
      (m[2] ?? '')
        .match(/\w+="(?:[^"\\]|\\.)*"/g)
        ?.sort()
        .join(',') ?? '';
    out.set(labels ? `${m[1]}{${labels}}` : m[1]!, Number(m[3]));
  }
  return out;
}

async function scrape(base: string): Promise<{ text: string; series: Map<string, number> }> {
  const res = await fetch(base + METRICS);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, series: parse(text) };
}

/** This machine's first non-loopback IPv4 address, if it has one. */
const outside = Object.values(os.networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
const noOutside = outside ? undefined : 'this machine has no non-loopback IPv4 address to connect from';
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

describe('metrics after known traffic', () => {
  let server: TestServer;
  const secrets: string[] = [];

  before(async () => {
    server = await startServer({ env: { GATEHOUSE_AUTH_FAILURE_LIMIT: '2', GATEHOUSE_SIGNIN_FAILURE_LIMIT: '2' } });
  });
  after(() => server.close());

  test('a scrape finds the counts the traffic caused', async () => {
    const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
    const token = await createToken(server.url, admin, { '@type': 'server', name: 'metrics', 'generate-jwt': 'true' });
    const doomed = await createToken(server.url, admin, { '@type': 'server', name: 'revoked' });
    const jwt = token.authorization!.slice('Bearer '.length);
    secrets.push(admin, token.key!, token.secret!, jwt, doomed.secret!, ADMIN_PASSWORD);
    const signature = () => ({ 'X-Deki-Token': signServerToken({ key: token.key!, secret: token.secret!, user: 1 }) });
    const before = (await scrape(server.url)).series;

    const current = '/@api/deki/users/current';
    for (let i = 0; i < 3; i++) assert.equal((await call(server.url, current, { headers: signature() })).status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await call(server.url, current, { headers: bearer(jwt) })).status, 200);
    const wrongSecret = { 'X-Deki-Token': signServerToken({ key: token.key!, secret: 'f'.repeat(64), user: 1 }) };
    assert.equal((await call(server.url, current, { headers: wrongSecret })).status, 403);
    assert.equal((await call(server.url, current, { headers: bearer(`${jwt.slice(0, -4)}AAAA`) })).status, 403);
    // The third failure from this client within the minute is over the limit of 2.
    assert.equal((await call(server.url, current, { headers: wrongSecret })).status, 429);
    // Signatures on users/authenticate count against the same limit, in the route's own handler.
    assert.equal((await call(server.url, '/@api/deki/users/authenticate', { headers: wrongSecret })).status, 429);
    for (let i = 0; i < 2; i++) {
      assert.equal((await call(server.url, '/@api/deki/users/authenticate', { headers: { Authorization: basic('admin', 'wrong password') } })).status, 401);
    }
    assert.equal((await call(server.url, '/@api/deki/users/authenticate', { headers: { Authorization: basic('admin', 'wrong password') } })).status, 429);
    assert.equal((await call(server.url, `/@api/deki/site/developer-tokens/${doomed['@id']}`, { method: 'DELETE', headers: bearer(admin) })).status, 200);
    await server.built.usage.flush();

    const { text, series: afterwards } = await scrape(server.url);
    const delta = (name: string) => (afterwards.get(name) ?? 0) - (before.get(name) ?? 0);
    const expected: Record<string, number> = {
      'gatehouse_credential_checks_total{kind="server-signature",outcome="ok"}': 3,
      'gatehouse_credential_checks_total{kind="jwt",outcome="ok"}': 2,
      'gatehouse_credential_checks_total{kind="server-signature",outcome="SIGNATURE_INVALID"}': 1,
      'gatehouse_credential_checks_total{kind="jwt",outcome="JWT_INVALID"}': 1,
      'gatehouse_credential_checks_total{kind="server-signature",outcome="AUTH_RATE_LIMITED"}': 2,
      'gatehouse_rate_limit_refusals_total{limiter="failure_limit"}': 2,
      'gatehouse_rate_limit_refusals_total{limiter="sign_in_throttle"}': 1,
      'gatehouse_http_requests_total{method="GET",route="/@api/deki/users/:id",status="200"}': 5,
      'gatehouse_http_requests_total{method="GET",route="/@api/deki/users/:id",status="403"}': 2,
      'gatehouse_http_requests_total{method="GET",route="/@api/deki/users/:id",status="429"}': 1,
      'gatehouse_http_requests_total{method="GET",route="/@api/deki/users/authenticate",status="401"}': 2,
      'gatehouse_http_requests_total{method="GET",route="/@api/deki/users/authenticate",status="429"}': 2,
      'gatehouse_http_requests_total{method="DELETE",route="/@api/deki/site/developer-tokens/:id",status="200"}': 1,
      'gatehouse_http_request_duration_seconds_count{method="GET",route="/@api/deki/users/:id"}': 8,
      'gatehouse_store_errors_total{source="request"}': 0,
    };
    assert.deepEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, delta(k)])), expected);
    // The signatures and JWTs after the first of each were answered from the cache.
    assert.ok(delta('gatehouse_verification_cache_lookups_total{kind="tokens",result="hit"}') >= 2, 'token cache hits');
    assert.ok(delta('gatehouse_verification_cache_lookups_total{kind="jwts",result="hit"}') >= 1, 'JWT cache hits');
    assert.ok(delta('gatehouse_verification_cache_lookups_total{kind="tokens",result="miss"}') >= 1, 'token cache misses');
    assert.ok((afterwards.get('gatehouse_verification_cache_entries{kind="tokens"}') ?? 0) >= 1);
    assert.ok(delta('gatehouse_usage_flush_duration_seconds_count') >= 1, 'usage was flushed');
    assert.equal(delta('gatehouse_usage_flush_failures_total'), 0);
    assert.ok(delta('gatehouse_change_feed_lag_seconds_count') >= 1, 'the revocation came through the feed');
    assert.ok((afterwards.get('gatehouse_change_feed_staleness_seconds') ?? Infinity) < 1, 'the feed is current');
    assert.equal(afterwards.get('gatehouse_tokens{type="server"}'), 2, 'both tokens, counted at the first scrape after they were made');
    assert.ok(afterwards.has('process_resident_memory_bytes') && afterwards.has('nodejs_eventloop_lag_seconds'), 'default process metrics');

    for (const secret of secrets) assert.ok(!text.includes(secret), `a credential appears in the metrics: ${secret.slice(0, 6)}…`);
    assert.doesNotMatch(text, /eyJ[\w-]{8,}/, 'no JWT');
    assert.doesNotMatch(text, /\b\d{1,3}(?:\.\d{1,3}){3}\b|::1|::ffff:/, 'no IP address');
    assert.doesNotMatch(text, /users\/(?:current|\d)|developer-tokens\/\d/, 'no raw URL');
    const ours = text
      .split('\n')
      .filter((l) => l.startsWith('gatehouse_'))
      .join('\n');
    assert.doesNotMatch(ours, new RegExp(`(?<!\\ble)="(?:${token['@id']}|${doomed['@id']}|1)"`), 'no token or user id as a label');
  });

  test(
    'promtool check metrics accepts the output',
    { skip: !hasPromtool && process.env.CI !== 'true' ? 'promtool is not installed (apt-get install prometheus)' : undefined },
    async () => {
      const { text } = await scrape(server.url);
      // execFileSync throws on a non-zero exit, with promtool's findings in the message.
      const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(out.trim(), '');
    },
  );
});

describe('who may read the metrics', () => {
  let open: TestServer;
  let tokened: TestServer;
  const at = (server: TestServer, host: string) => `http://${host}:${new URL(server.url).port}`;
  const get = async (base: string, headers: Record<string, string> = {}) => {
    const res = await call(base, METRICS, { headers, json: false });
    return { status: res.status, message: /<message>(.*)<\/message>/.exec(res.text)?.[1] };
  };

  before(async () => {
    // Every address, so a client can reach it from outside the loopback range.
    open = await startServer({ config: { host: '0.0.0.0' } });
    tokened = await startServer({ config: { host: '0.0.0.0' }, env: { GATEHOUSE_METRICS_TOKEN: METRICS_TOKEN } });
  });
  after(async () => {
    await open.close();
    await tokened.close();
  });

  test('loopback clients get them without a token, on 127.0.0.1 and on another loopback address', async () => {
    assert.equal((await get(at(open, '127.0.0.1'))).status, 200);
    assert.equal((await get(at(open, '127.0.0.2'))).status, 200);
  });

  test('a request through a proxy (X-Forwarded-For or Forwarded) is not loopback, even from this host', async () => {
    assert.deepEqual(await get(at(open, '127.0.0.1'), { 'X-Forwarded-For': '127.0.0.1' }), { status: 403, message: FORBIDDEN });
    assert.deepEqual(await get(at(open, '127.0.0.1'), { Forwarded: 'for=127.0.0.1' }), { status: 403, message: FORBIDDEN });
  });

  test('a non-loopback client without the token gets 403; with it, 200', { skip: noOutside }, async () => {
    assert.deepEqual(await get(at(open, outside!)), { status: 403, message: FORBIDDEN });
    assert.deepEqual(await get(at(open, outside!), bearer(METRICS_TOKEN)), { status: 403, message: FORBIDDEN }, 'no token is configured: none is accepted');
    assert.deepEqual(await get(at(tokened, outside!)), { status: 403, message: FORBIDDEN });
    assert.deepEqual(await get(at(tokened, outside!), bearer(`${METRICS_TOKEN}x`)), { status: 403, message: FORBIDDEN });
    assert.equal((await get(at(tokened, outside!), bearer(METRICS_TOKEN))).status, 200);
    assert.equal(
      (await get(at(tokened, '127.0.0.1'), { 'X-Forwarded-For': '203.0.113.9', ...bearer(METRICS_TOKEN) })).status,
      200,
      'a proxy that passes the token on',
    );
  });
});
