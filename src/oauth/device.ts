/**
 * The device flow (RFC 8628): `POST .../token/device.json` starts it; the device then polls the
 * token endpoint with `grant_type=urn:ietf:params:oauth:grant-type:device_code` while a signed-in
 * user approves the code on the verification page (`device-verification.ts`).
 *
 * While the user has not decided, Expert answers a poll with HTTP 428, and its clients wait on
 * that; so do we. A client that adds `?errors=rfc8628` to the token endpoint's URL gets RFC 8628
 * instead: 400 `authorization_pending`, and 400 `slow_down` when it polls faster than `interval`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import type { TokenRow } from '../store/schema.js';
import { findUserById } from '../users/store.js';
import { authenticateClient } from './client-auth.js';
import { findByDeviceCode, insertDeviceCode, recordPoll, useDeviceCode } from './device-store.js';
import { findGrantById } from './grant-store.js';
import { type TokenResponse, issueTokens } from './issue.js';
import { TOKEN_BASE } from './metadata.js';
import { hashOpaque, isOpaque, newFamilyId, newOpaque, newUserCode, normalizeUserCode } from './opaque.js';
import { type Params, formParams, required } from './params.js';
import { formatScope, parseScope, storedScope, userMayHold } from './scopes.js';
import { sendOAuthJson } from './send.js';

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** How long a user has to approve (RFC 8628 §3.2 `expires_in`), and the polling interval. */
const DEVICE_TTL_SECONDS = 600;
const INTERVAL_SECONDS = 5;
/** Allowance for network jitter before a poll counts as too fast. */
const POLL_LEEWAY_MS = 250;

export function deviceAuthorization(ctx: AppContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const params = formParams(request);
    const app = await authenticateClient(ctx, request, params);
    const scopes = parseScope(params.get('scope'));
    const deviceCode = newOpaque('device');
    const userCode = newUserCode();
    const now = ctx.config.now();
    await insertDeviceCode(ctx.db, {
      device_code_hash: hashOpaque(deviceCode),
      user_code_hash: hashOpaque(normalizeUserCode(userCode)!),
      token_id: app.id,
      scope: formatScope(scopes),
      status: 'pending',
      grant_id: null,
      family_id: null,
      interval_s: INTERVAL_SECONDS,
      last_polled_at: null,
      created_at: now,
      expires_at: now + DEVICE_TTL_SECONDS * 1000,
    });
    const verification = `${ctx.config.siteUrl}${TOKEN_BASE}/device`;
    return sendOAuthJson(reply, {
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: verification,
      verification_uri_complete: `${verification}?user_code=${userCode}`,
      expires_in: DEVICE_TTL_SECONDS,
      interval: INTERVAL_SECONDS,
    });
  };
}

/** One poll of the token endpoint with the device code. */
export async function pollDevice(ctx: AppContext, app: TokenRow, params: Params, standard: boolean): Promise<TokenResponse> {
  const deviceCode = required(params, 'device_code');
  const codeHash = hashOpaque(deviceCode);
  const row = isOpaque('device', deviceCode) ? await findByDeviceCode(ctx.db, codeHash) : undefined;
  const now = ctx.config.now();
  if (!row || row.token_id !== app.id || row.status === 'used') throw new DekiError('OAUTH_DEVICE_CODE_INVALID');
  if (row.expires_at <= now) throw new DekiError('OAUTH_DEVICE_EXPIRED');
  if (row.status === 'denied') throw new DekiError('OAUTH_DEVICE_DENIED');
  if (row.status === 'pending') {
    const tooFast = standard && row.last_polled_at !== null && now - row.last_polled_at < row.interval_s * 1000 - POLL_LEEWAY_MS;
    const interval = tooFast ? row.interval_s + 5 : row.interval_s;
    await recordPoll(ctx.db, codeHash, now, interval);
    if (tooFast) throw new DekiError('OAUTH_DEVICE_SLOW_DOWN', String(interval));
    throw new DekiError('OAUTH_DEVICE_PENDING');
  }
  const scopes = storedScope(row.scope);
  const grant = row.grant_id === null ? undefined : await findGrantById(ctx.db, row.grant_id);
  if (!grant) throw new DekiError('OAUTH_DEVICE_CODE_INVALID');
  if (!userMayHold(await findUserById(ctx.db, grant.user_id), scopes)) throw new DekiError('OAUTH_GRANT_USER_INVALID');
  const familyId = newFamilyId();
  if (!(await useDeviceCode(ctx.db, codeHash, familyId))) throw new DekiError('OAUTH_DEVICE_CODE_INVALID');
  return issueTokens(ctx, { grantId: grant.id, tokenId: app.id, scopes, familyId });
}
