/**
 * `grant_type=authorization_code` (RFC 6749 §4.1.3): the code is one use, lives 60 s, and is
 * bound to the client, the `redirect_uri` and the PKCE challenge it was issued with. A code
 * presented twice revokes what the first exchange bought (RFC 6749 §4.1.2).
 */
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import type { TokenRow } from '../store/schema.js';
import { findUserById } from '../users/store.js';
import { findCode, useCode } from './code-store.js';
import { findGrantById } from './grant-store.js';
import { type TokenResponse, issueTokens } from './issue.js';
import { hashOpaque, isOpaque, newFamilyId } from './opaque.js';
import { type Params, required } from './params.js';
import { checkVerifier } from './pkce.js';
import { storedScope, userMayHold } from './scopes.js';
import { revokeFamily } from './token-store.js';

export async function exchangeCode(ctx: AppContext, app: TokenRow, params: Params): Promise<TokenResponse> {
  const code = required(params, 'code');
  const codeHash = hashOpaque(code);
  const row = isOpaque('code', code) ? await findCode(ctx.db, codeHash) : undefined;
  const now = ctx.config.now();
  if (!row || row.token_id !== app.id) throw new DekiError('OAUTH_CODE_INVALID');
  if (row.used_at !== null) {
    if (row.family_id !== null) await revokeFamily(ctx.changes, row.family_id);
    throw new DekiError('OAUTH_CODE_INVALID');
  }
  if (row.expires_at <= now) throw new DekiError('OAUTH_CODE_INVALID');
  if (params.get('redirect_uri') !== row.redirect_uri) throw new DekiError('OAUTH_CODE_REDIRECT_MISMATCH');
  checkVerifier(row.code_challenge, params.get('code_verifier'));
  const scopes = storedScope(row.scope);
  const grant = await findGrantById(ctx.db, row.grant_id);
  if (!grant) throw new DekiError('OAUTH_CODE_INVALID');
  if (!userMayHold(await findUserById(ctx.db, grant.user_id), scopes)) throw new DekiError('OAUTH_GRANT_USER_INVALID');
  const familyId = newFamilyId();
  // Two exchanges racing: only one marks the code used; the other is a replay.
  if (!(await useCode(ctx.db, codeHash, familyId, now))) throw new DekiError('OAUTH_CODE_INVALID');
  return issueTokens(ctx, { grantId: grant.id, tokenId: app.id, scopes, familyId });
}
