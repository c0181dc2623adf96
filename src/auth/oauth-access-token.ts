/**
 * OAuth access tokens on the API: `Authorization: Bearer gth_at_…`, issued by
 * the token endpoint (`oauth/`). Opaque, so never taken for a JWT or an authtoken. Read through
 * the node's verification cache, kept current by the change feed: deleting the app, deactivating
 * the user (or taking the seat a `seated` token needs), revoking the token, its family or the grant
 * is refused by every node once the revoking answer has returned (docs/security.md#revocation).
 */
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import { PREFIX } from '../oauth/opaque.js';
import { actingUser } from '../oauth/scopes.js';
import { accessTokenState } from '../oauth/token-state.js';
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
  const pending = accessTokenState(ctx, value);
  const state = pending instanceof Promise ? await pending : pending;
  if (!state.ok) throw new DekiError(state.code);
  return {
    user: actingUser(state.user, state.scopes),
    credential: { kind: 'oauth', tokenId: state.token.token_id, grantId: state.token.grant_id, scope: state.token.scope },
  };
}
