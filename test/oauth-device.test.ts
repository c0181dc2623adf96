/**
 * The device flow (RFC 8628): device code, pending polls, approval by a signed-in
 * user on the verification page, token. Polled first as Expert's own device example does (HTTP 428
 * while pending), then by openid-client with `?errors=rfc8628` (400 authorization_pending, slow_down).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { errors } from '../src/errors.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from './helpers/server.js';
import { basic, bearer, call, createUser, signIn } from './helpers/http.js';
import { type OAuthApp, createOAuthApp, oauthClient, readForm } from './helpers/oauth.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

let server: TestServer;
let app: OAuthApp;
let bob: string;

before(async () => {
  server = await startServer();
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  await createUser(server.url, admin, { username: 'bob', seat: false, role: 'None', password: 'bob-password-12' });
  bob = await signIn(server.url, 'bob', 'bob-password-12');
  // A device app needs no redirect host.
  const res = await call(server.url, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { ...bearer(admin), 'Content-Type': 'application/xml' },
    body: '<developer-token type="oauth"><name>Kitchen display</name></developer-token>',
  });
  app = { id: res.json['@id'] as string, key: res.json.key as string, secret: res.json.secret as string };
});
after(() => server.close());

/** POST a form with the app's Basic credentials, as the ESP8266 example does. */
function post(path: string, form: Record<string, string>, creds = app) {
  return call(server.url, path, {
    method: 'POST',
    json: false,
    headers: { Authorization: basic(creds.key, creds.secret), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

/** The user's part: open the page (as a link or by typing the code), see the app, press a button. */
async function userDecides(pageUrl: string, decision: 'approve' | 'deny'): Promise<string> {
  const cookie = { Cookie: `authtoken=${bob}` };
  const page = await fetch(pageUrl, { headers: cookie });
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /Kitchen display/);
  const { action, fields } = readForm(html);
  fields.set('decision', decision);
  const done = await fetch(new URL(action, server.url), {
    method: 'POST',
    headers: { ...cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: fields,
  });
  assert.equal(done.status, 200);
  return done.text();
}

test("Expert's way: device.json, 428 while pending, approval on the verification page, then the token", async () => {
  const start = await post('/@app/auth/1/token/device.json', { scope: 'profile' });
  assert.equal(start.status, 200, start.text);
  const d = start.json as Record<string, string | number>;
  assert.match(d.device_code as string, /^gth_dc_[0-9a-f]{64}$/);
  assert.match(d.user_code as string, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
  assert.equal(d.verification_uri, `${server.url}/@app/auth/1/token/device`);
  assert.equal(d.verification_uri_complete, `${d.verification_uri}?user_code=${d.user_code}`);
  assert.equal(d.expires_in, 600);
  assert.equal(d.interval, 5);

  const poll = () => post('/@app/auth/1/token/access.json', { grant_type: DEVICE_GRANT, device_code: d.device_code as string });
  for (let i = 0; i < 2; i++) {
    const pending = await poll();
    assert.equal(pending.status, 428);
    assert.deepEqual(pending.json, { error: 'authorization_pending', error_description: errors.OAUTH_DEVICE_PENDING[1] });
  }

  // A visitor without a session is asked to sign in first.
  const anonymous = await fetch(d.verification_uri_complete as string);
  assert.match(await anonymous.text(), /<h1>Sign in<\/h1>/);

  assert.match(await userDecides(d.verification_uri_complete as string, 'approve'), /Device connected/);
  const granted = await poll();
  assert.equal(granted.status, 200, granted.text);
  assert.equal(granted.json.token_type, 'Bearer');
  assert.equal(granted.json.scope, 'profile');
  const me = await call(server.url, '/@api/deki/users/current', { headers: bearer(granted.json.access_token as string) });
  assert.equal(me.json.username, 'bob');

  // The device code is spent.
  const again = await poll();
  assert.equal(again.status, 400);
  assert.deepEqual(again.json, { error: 'invalid_grant', error_description: errors.OAUTH_DEVICE_CODE_INVALID[1] });
});

test('RFC 8628 on request: openid-client polls through authorization_pending to the token; the code is typed by hand', async () => {
  const config = await oauthClient(server.url, app);
  const d = await client.initiateDeviceAuthorization(config, { scope: 'profile' });
  const raw = await post('/@app/auth/1/token/access.json?errors=rfc8628', { grant_type: DEVICE_GRANT, device_code: d.device_code });
  assert.equal(raw.status, 400);
  assert.equal(raw.json.error, 'authorization_pending');

  // The user types the code, in lower case and without the dash, on the verification page.
  const typed = d.user_code.replace('-', '').toLowerCase();
  const entry = await fetch(d.verification_uri, { headers: { Cookie: `authtoken=${bob}` } });
  assert.match(await entry.text(), /<label for="user_code">Code<\/label>/);
  assert.match(await userDecides(`${d.verification_uri}?user_code=${typed}`, 'approve'), /Device connected/);

  const tokens = await client.pollDeviceAuthorizationGrant(config, d);
  assert.match(tokens.access_token, /^gth_at_/);
  const me = await call(server.url, '/@api/deki/users/current', { headers: bearer(tokens.access_token) });
  assert.equal(me.json.username, 'bob');
});

test('RFC 8628 slow_down: a poll sooner than the interval adds 5 seconds', async () => {
  const d = (await post('/@app/auth/1/token/device.json', {})).json;
  const poll = () => post('/@app/auth/1/token/access.json?errors=rfc8628', { grant_type: DEVICE_GRANT, device_code: d.device_code as string });
  assert.equal((await poll()).json.error, 'authorization_pending');
  const fast = await poll();
  assert.equal(fast.status, 400);
  assert.deepEqual(fast.json, { error: 'slow_down', error_description: 'polling too fast: wait 10 seconds between polls' });
});

test('denied, expired, seated for an unseated user, and another client', async () => {
  const denied = (await post('/@app/auth/1/token/device.json', {})).json;
  assert.match(await userDecides(denied.verification_uri_complete as string, 'deny'), /Device refused/);
  const deniedPoll = await post('/@app/auth/1/token/access.json', { grant_type: DEVICE_GRANT, device_code: denied.device_code as string });
  assert.deepEqual(deniedPoll.json, { error: 'access_denied', error_description: errors.OAUTH_DEVICE_DENIED[1] });

  const late = (await post('/@app/auth/1/token/device.json', {})).json;
  server.clock.now = Date.now() + 601_000;
  try {
    const expired = await post('/@app/auth/1/token/access.json', { grant_type: DEVICE_GRANT, device_code: late.device_code as string });
    assert.deepEqual(expired.json, { error: 'expired_token', error_description: errors.OAUTH_DEVICE_EXPIRED[1] });
    const page = await fetch(late.verification_uri_complete as string, { headers: { Cookie: `authtoken=${bob}` } });
    assert.equal(page.status, 400);
  } finally {
    server.clock.now = undefined;
  }

  // Bob has no seat: a device asking for `seated` gets `profile`, and the page says so.
  const seated = (await post('/@app/auth/1/token/device.json', { scope: 'profile seated' })).json;
  assert.match(await userDecides(seated.verification_uri_complete as string, 'approve'), /Device connected/);
  const other = await createOAuthApp(server.url, await signIn(server.url, 'admin', ADMIN_PASSWORD), 'Other device app');
  const stolen = await post('/@app/auth/1/token/access.json', { grant_type: DEVICE_GRANT, device_code: seated.device_code as string }, other);
  assert.equal(stolen.json.error, 'invalid_grant');
  const tokens = await post('/@app/auth/1/token/access.json', { grant_type: DEVICE_GRANT, device_code: seated.device_code as string });
  assert.equal(tokens.json.scope, 'profile');

  const noClient = await call(server.url, '/@app/auth/1/token/device.json', {
    method: 'POST',
    json: false,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'scope=profile',
  });
  assert.equal(noClient.status, 401);
  assert.equal(noClient.json.error, 'invalid_client');
});

test('wrong user codes are limited per session and per client IP: 300 at once get at most the limit of 400s, then 429 even for the right code', async () => {
  // A server of its own, with a limit of 20 a minute and client IPs read from X-Forwarded-For.
  const limited = await startServer({ env: { GATEHOUSE_AUTH_FAILURE_LIMIT: '20', GATEHOUSE_TRUST_PROXY: 'on' } });
  try {
    const admin = await signIn(limited.url, 'admin', ADMIN_PASSWORD);
    await createUser(limited.url, admin, { username: 'carol', seat: true, password: 'carol-password-1' });
    const [guesser, other] = [await signIn(limited.url, 'carol', 'carol-password-1'), await signIn(limited.url, 'carol', 'carol-password-1')];
    const device = await createOAuthApp(limited.url, admin, 'Hall display');
    const start = await call(limited.url, '/@app/auth/1/token/device.json', {
      method: 'POST',
      json: false,
      headers: { Authorization: basic(device.key, device.secret), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'scope=profile',
    });
    const userCode = start.json.user_code as string;
    const enter = (code: string, session: string, ip: string) =>
      fetch(`${limited.url}/@app/auth/1/token/device?user_code=${code}`, { headers: { Cookie: `authtoken=${session}`, 'X-Forwarded-For': ip } });
    const letters = 'BCDFGHJKLMNPQRSTVWXZ';
    /** The i-th code in the alphabet's counting order, `BBBB-BBBB` onwards. */
    const wrong = (i: number) => {
      let code = '';
      for (let n = i, k = 0; k < 8; k++, n = Math.floor(n / letters.length)) code += letters[n % letters.length];
      return `${code.slice(0, 4)}-${code.slice(4)}`;
    };

    // The guesser's consent form for the right code, opened before the burst (one code entered).
    const consent = await enter(userCode, guesser, '198.51.100.9');
    assert.equal(consent.status, 200);
    const { action, fields } = readForm(await consent.text());

    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => enter(wrong(i), guesser, '198.51.100.1')));
    const statuses = answers.map((r) => r.status);
    const checked = statuses.filter((s) => s === 400).length;
    assert.ok(checked <= 20, `at most 20 codes were looked up, not ${checked}`);
    assert.equal(statuses.filter((s) => s === 429).length, 300 - checked, `the rest are 429: ${[...new Set(statuses)].join(', ')}`);
    const throttled = answers.find((r) => r.status === 429)!;
    assert.match(throttled.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    assert.match(await throttled.text(), /too many codes entered from this session or this client: wait a minute, then enter the code your device shows/);

    // The right code is refused too while over the limit: per session (from another IP), and per IP (from another session).
    const sameSession = await enter(userCode, guesser, '198.51.100.2');
    assert.equal(sameSession.status, 429);
    assert.doesNotMatch(await sameSession.text(), /Hall display/);
    const sameIp = await enter(userCode, other, '198.51.100.1');
    assert.equal(sameIp.status, 429);
    // Approving with the form opened before is refused too, and approves nothing.
    fields.set('decision', 'approve');
    const approve = await fetch(new URL(action, limited.url), {
      method: 'POST',
      headers: { Cookie: `authtoken=${guesser}`, 'X-Forwarded-For': '198.51.100.1', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: fields,
    });
    assert.equal(approve.status, 429);
    assert.doesNotMatch(await approve.text(), /Device connected/);
    const poll = await call(limited.url, '/@app/auth/1/token/access.json', {
      method: 'POST',
      json: false,
      headers: { Authorization: basic(device.key, device.secret), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: DEVICE_GRANT, device_code: start.json.device_code as string }).toString(),
    });
    assert.equal(poll.status, 428, 'still pending: the refused approval approved nothing');
    // Another session from another client is not held back.
    const elsewhere = await enter(userCode, other, '198.51.100.3');
    assert.equal(elsewhere.status, 200);
    assert.match(await elsewhere.text(), /Hall display/);
    // After the window, the guesser's session may enter a code again.
    limited.clock.now = Date.now() + 61_000;
    const later = await enter(userCode, guesser, '198.51.100.1');
    assert.equal(later.status, 200);
    assert.match(await later.text(), /Hall display/);
  } finally {
    await limited.close();
  }
});
