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
  | { readonly ok: true; readonly token: LiveToken; readonly user: UserRow; readonly scopes: readonly Scope[] }
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
  if (!token) return UNKNOWN;
  return tokenRefusal(ctx, token) ?? userState(token, await ctx.cache.userById(token.user_id));
}

/**
 * `tokenState` of the access token `value`, for an API request: a token and user the node has
 * cached are checked without waiting on anything (no promise, no turn of the event loop).
 */
export function accessTokenState(ctx: AppContext, value: string): TokenState | Promise<TokenState> {
  const cached = isOpaque('access', value) ? ctx.cache.cachedOAuthToken(ctx.cache.digestOf(value, hashOpaque)) : undefined;
  if (cached?.kind !== 'access') return findAccessToken(ctx, value).then((token) => tokenState(ctx, token));
  const user = ctx.cache.cachedUserById(cached.user_id);
  if (!user) return tokenState(ctx, cached);
  return tokenRefusal(ctx, cached) ?? userState(cached, user);
}

const UNKNOWN: TokenState = { ok: false, code: 'OAUTH_ACCESS_TOKEN_INVALID' };

/** The checks on the token itself: a refresh token not yet rotated, and not expired. */
function tokenRefusal(ctx: AppContext, token: LiveToken): TokenState | undefined {
  if (token.kind === 'refresh' && token.used_at !== null) return { ok: false, code: 'OAUTH_ACCESS_TOKEN_INVALID', token };
  if (token.expires_at <= ctx.config.now()) return { ok: false, code: 'OAUTH_ACCESS_TOKEN_EXPIRED', token };
  return undefined;
}

/** The last check: the user active, and seated when the scope needs it. */
function userState(token: LiveToken, user: UserRow | undefined): TokenState {
  const scopes = storedScope(token.scope);
  if (!userMayHold(user, scopes)) return { ok: false, code: 'USER_INVALID', token };
  return { ok: true, token, user, scopes };
}
