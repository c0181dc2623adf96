/**
 * Whether an issued token may act now, checked in SPEC order: known (its app and grant still
 * exist) → not expired (a refresh token also not yet rotated) → its user active, and seated when
 * the scope needs it. Used on every API request (`auth/oauth-access-token.ts`) and by
 * introspection, so the two can never disagree.
 */
import type { AppContext } from '../context.js';
import type { UserRow } from '../store/schema.js';
import { hashOpaque, isOpaque } from './opaque.js';
import { type Scope, storedScope, userMayHold } from './scopes.js';
import { type LiveToken, findLiveToken } from './token-store.js';

type TokenState =
  | { readonly ok: true; readonly token: LiveToken; readonly user: UserRow; readonly scopes: Scope[] }
  | { readonly ok: false; readonly code: 'OAUTH_ACCESS_TOKEN_INVALID' | 'OAUTH_ACCESS_TOKEN_EXPIRED' | 'USER_INVALID'; readonly token?: LiveToken };

/** Looks up an access or refresh token by its value, in the database. */
export async function findIssuedToken(ctx: AppContext, value: string): Promise<LiveToken | undefined> {
  if (!isOpaque('access', value) && !isOpaque('refresh', value)) return undefined;
  return findLiveToken(ctx.db, hashOpaque(value));
}

/**
 * Looks up an access token through the node's verification cache, kept current by the change feed
 * like JWTs and signatures: a warm API request with it reads nothing from the database. Refresh
 * tokens are never cached (rotation marks them used without a feed row).
 */
export async function findAccessToken(ctx: AppContext, value: string): Promise<LiveToken | undefined> {
  if (!isOpaque('access', value)) return undefined;
  const hash = ctx.cache.digestOf(value, hashOpaque);
  const token = await ctx.cache.oauthToken(hash, () => findLiveToken(ctx.db, hash));
  return token?.kind === 'access' ? token : undefined;
}

export async function tokenState(ctx: AppContext, token: LiveToken | undefined): Promise<TokenState> {
  if (!token) return { ok: false, code: 'OAUTH_ACCESS_TOKEN_INVALID' };
  if (token.kind === 'refresh' && token.used_at !== null) return { ok: false, code: 'OAUTH_ACCESS_TOKEN_INVALID', token };
  if (token.expires_at <= ctx.config.now()) return { ok: false, code: 'OAUTH_ACCESS_TOKEN_EXPIRED', token };
  const scopes = storedScope(token.scope);
  const user = await ctx.cache.userById(token.user_id);
  if (!userMayHold(user, scopes)) return { ok: false, code: 'USER_INVALID', token };
  return { ok: true, token, user, scopes };
}
