/**
 * `grant_type=refresh_token` (RFC 6749 §6), rotating: each refresh token works once and is replaced.
 * One presented again means two parties hold it, so its whole family is revoked (RFC 9700 §4.14.2).
 */
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import type { TokenRow } from '../store/schema.js';
import { findUserById } from '../users/store.js';
import { type TokenResponse, issueTokens } from './issue.js';
import { hashOpaque, isOpaque } from './opaque.js';
import { type Params, required } from './params.js';
import { includesAll, parseScope, storedScope, userMayHold } from './scopes.js';
import { findLiveToken, revokeFamily, useRefreshToken } from './token-store.js';

export async function refreshTokens(ctx: AppContext, app: TokenRow, params: Params): Promise<TokenResponse> {
  const value = required(params, 'refresh_token');
  const tokenHash = hashOpaque(value);
  const row = isOpaque('refresh', value) ? await findLiveToken(ctx.db, tokenHash) : undefined;
  const now = ctx.config.now();
  if (!row || row.kind !== 'refresh' || row.token_id !== app.id) throw new DekiError('OAUTH_REFRESH_INVALID');
  if (row.used_at !== null) {
    await revokeFamily(ctx.changes, row.family_id);
    throw new DekiError('OAUTH_REFRESH_REUSED');
  }
  if (row.expires_at <= now) throw new DekiError('OAUTH_REFRESH_INVALID');
  const granted = storedScope(row.scope);
  const asked = params.has('scope') ? parseScope(params.get('scope')) : granted;
  if (!includesAll(granted, asked)) throw new DekiError('OAUTH_SCOPE_WIDENED');
  if (!userMayHold(await findUserById(ctx.db, row.user_id), asked)) throw new DekiError('OAUTH_GRANT_USER_INVALID');
  if (!(await useRefreshToken(ctx.db, tokenHash, now))) {
    await revokeFamily(ctx.changes, row.family_id);
    throw new DekiError('OAUTH_REFRESH_REUSED');
  }
  return issueTokens(ctx, { grantId: row.grant_id, tokenId: app.id, scopes: granted, accessScopes: asked, familyId: row.family_id });
}
