/**
 * Issuing tokens (RFC 6749 §5.1): an access token and a refresh token, both opaque, in one family.
 * Lifetimes come from the scopes (`scopes.ts`); a rotated refresh token starts a fresh lifetime.
 */
import type { AppContext } from '../context.js';
import { touchGrant } from './grant-store.js';
import { hashOpaque, newOpaque } from './opaque.js';
import { formatScope, type Scope, scopeTtl } from './scopes.js';
import { insertTokens, purgeExpiredTokens } from './token-store.js';

/** The token response body, in RFC 6749's shape (numbers as numbers, unlike DReAM documents). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_token_expires_in: number;
  scope: string;
}

interface IssueFor {
  readonly grantId: number;
  readonly tokenId: number;
  /** The refresh token's scopes: what the code or the earlier refresh token carried. */
  readonly scopes: readonly Scope[];
  /** A narrower scope for the access token, when a refresh asked for one (RFC 6749 §6). */
  readonly accessScopes?: readonly Scope[] | undefined;
  readonly familyId: string;
}

export async function issueTokens(ctx: AppContext, to: IssueFor): Promise<TokenResponse> {
  const now = ctx.config.now();
  const accessScopes = to.accessScopes ?? to.scopes;
  const accessTtl = scopeTtl(accessScopes).accessSeconds;
  const refreshTtl = scopeTtl(to.scopes).refreshSeconds;
  const scope = formatScope(accessScopes);
  const access = newOpaque('access');
  const refresh = newOpaque('refresh');
  const common = { family_id: to.familyId, grant_id: to.grantId, token_id: to.tokenId, created_at: now, used_at: null };
  await purgeExpiredTokens(ctx.db, now);
  await insertTokens(ctx.db, [
    { ...common, token_hash: hashOpaque(access), kind: 'access', scope, expires_at: now + accessTtl * 1000 },
    { ...common, token_hash: hashOpaque(refresh), kind: 'refresh', scope: formatScope(to.scopes), expires_at: now + refreshTtl * 1000 },
  ]);
  await touchGrant(ctx.db, to.grantId, now);
  return {
    access_token: access,
    token_type: 'Bearer',
    expires_in: accessTtl,
    refresh_token: refresh,
    refresh_token_expires_in: refreshTtl,
    scope,
  };
}
