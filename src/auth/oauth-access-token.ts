/**
 * OAuth access tokens on the API: `Authorization: Bearer gth_at_…`, issued by
 * the token endpoint (`oauth/`). Opaque, so never taken for a JWT or an authtoken. Checked
 * against the database on every request, so deleting the app, deactivating the user (or taking the
 * seat a `seated` token needs) or revoking the grant refuses the very next request.
 */
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import { PREFIX } from '../oauth/opaque.js';
import { actingUser } from '../oauth/scopes.js';
import { findIssuedToken, tokenState } from '../oauth/token-state.js';
import type { Principal } from './principal.js';

/** Any Bearer value with the access-token prefix is ours to accept or refuse. */
export function looksLikeOAuthAccessToken(value: string): boolean {
  return value.startsWith(PREFIX.access);
}

/**
 * Verifies an access token and returns who the request acts as: the user who authorized the app,
 * with their seat only when the token has the `seated` scope.
 */
export async function verifyOAuthAccessToken(ctx: AppContext, value: string): Promise<Principal> {
  const found = await findIssuedToken(ctx, value);
  const state = await tokenState(ctx, found?.kind === 'access' ? found : undefined);
  if (!state.ok) throw new DekiError(state.code);
  return {
    user: actingUser(state.user, state.scopes),
    credential: { kind: 'oauth', tokenId: state.token.token_id, grantId: state.token.grant_id, scope: state.token.scope },
  };
}
