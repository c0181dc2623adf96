/**
 * Known traffic for the usage-over-time tests: a server token restricted to a seated user gets
 * successes and one or more failures of every reason a server token can meet, at a frozen clock so
 * the failure limit's one-minute window cannot roll over halfway. The server must run with
 * `GATEHOUSE_AUTH_FAILURE_LIMIT=5`: the sixth failure is the rate-limited one.
 */
import assert from 'node:assert/strict';
import { signServerToken } from '../../client/sign.js';
import { bearer, call, createToken, createUser, setUser } from './http.js';
import type { TestServer } from './server.js';

export const TRAFFIC_FAILURE_LIMIT = '5';

export interface KnownTraffic {
  tokenId: number;
  name: string;
  key: string;
  /** The clock the last request ran at (the server keeps it). */
  now: number;
  /** When each request ran, ms, with its reason (`undefined` for a success). */
  requests: { at: number; reason: string | undefined }[];
}

export async function makeKnownTraffic(server: TestServer, admin: string, name: string): Promise<KnownTraffic> {
  const start = Date.now();
  server.clock.now = start;
  const userId = await createUser(server.url, admin, { username: `${name}-bot`, seat: true });
  const created = await createToken(server.url, admin, {
    '@type': 'server',
    name,
    'restricted-by-user-id': String(userId),
    expires: new Date(start + 60_000).toISOString(),
  });
  const jwt = created.authorization!.slice('Bearer '.length);
  const sign = (opts: { secret?: string; user?: number; epoch?: number } = {}) =>
    signServerToken({
      key: created.key!,
      secret: opts.secret ?? created.secret!,
      user: opts.user ?? userId,
      epoch: opts.epoch ?? Math.floor(server.clock.now! / 1000),
    });
  const requests: KnownTraffic['requests'] = [];
  const send = async (headers: Record<string, string>, status: number, reason?: string) => {
    const res = await call(server.url, '/@api/deki/users/current', { headers });
    assert.equal(res.status, status, `${reason ?? 'success'}: ${res.text}`);
    requests.push({ at: server.clock.now!, reason });
  };

  await send(bearer(jwt), 200);
  await send(bearer(jwt), 200);
  await send({ 'X-Deki-Token': sign() }, 200);
  await send({ 'X-Deki-Token': sign({ secret: 'not the secret' }) }, 403, 'bad-signature');
  await send({ 'X-Deki-Token': sign({ epoch: Math.floor(start / 1000) - 3600 }) }, 403, 'expired-signature');
  await send({ 'X-Deki-Token': sign({ user: 1 }) }, 403, 'wrong-user');
  assert.equal((await setUser(server.url, admin, userId, { status: 'inactive' })).status, 200);
  await send(bearer(jwt), 403, 'inactive-user');
  await send({ 'X-Deki-Token': sign() }, 403, 'inactive-user');
  // Five failures within the minute: the sixth is refused for the limit, whatever else is wrong with it.
  await send(bearer(jwt), 429, 'rate-limited');
  assert.equal((await setUser(server.url, admin, userId, { status: 'active' })).status, 200);
  await send(bearer(jwt), 200);
  // Past the token's expiry (and the limit's window): the JWT of a reactivated user, refused only for that.
  server.clock.now = start + 61_000;
  await send(bearer(jwt), 403, 'expired-token');
  return { tokenId: Number(created['@id']), name, key: created.key!, now: server.clock.now, requests };
}

/** What the traffic adds up to in one bucket of `size` ms starting at `from`. */
export function countIn(traffic: KnownTraffic, from: number, size: number) {
  const inside = traffic.requests.filter((r) => r.at >= from && r.at < from + size);
  const reasons: Record<string, number> = {};
  for (const r of inside) if (r.reason) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
  return { requests: inside.filter((r) => !r.reason).length, failures: inside.filter((r) => r.reason).length, reasons };
}
