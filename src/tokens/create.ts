/**
 * Creating a developer token: used by the API and the CLI alike. Returns the only
 * copy of the secret and the JWT the server will ever hand out.
 */
import type { AppContext } from '../context.js';
import { issueJwt } from '../auth/jwt.js';
import { DekiError } from '../errors.js';
import type { AuditEntry } from '../audit/entry.js';
import type { TokenRow } from '../store/schema.js';
import type { TokenInput } from './input.js';
import { newKeyMaterial, sealSecret } from './secret.js';
import { countTokens, insertToken } from './store.js';

export interface CreatedToken {
  readonly token: TokenRow;
  readonly secret: string | undefined;
  readonly jwt: string | undefined;
}

/** Throws TOKENS_DISABLED or TOKEN_ALLOWANCE_REACHED when the site does not allow another token. */
export async function assertTokenAllowed(ctx: AppContext, creating: boolean): Promise<void> {
  if (!ctx.config.tokenManagementEnabled) throw new DekiError('TOKENS_DISABLED');
  const allowance = ctx.config.tokenAllowance;
  if (creating && allowance !== undefined && (await countTokens(ctx.db)) >= allowance) throw new DekiError('TOKEN_ALLOWANCE_REACHED');
}

export interface CreateOptions {
  /** The audit entry for the new row (built once its id is known). */
  audit?: (token: TokenRow) => (AuditEntry | undefined)[];
  /** A roll: the token being replaced, and when it stops working. */
  retire?: { id: number; at: number };
  /** For a roll: the user the old JWT was bound to, so the new one acts as the same user. */
  jwtUserId?: number;
  rolledFrom?: number;
}

export async function createToken(ctx: AppContext, input: TokenInput, creatorId: number, opts: CreateOptions = {}): Promise<CreatedToken> {
  const key = newKeyMaterial();
  const secret = input.type === 'browser' ? undefined : newKeyMaterial();
  // Whole seconds, so the document's date and the JWT's iat agree exactly.
  const now = Math.floor(ctx.config.now() / 1000) * 1000;
  const token = await insertToken(
    ctx.changes,
    {
      type: input.type,
      name: input.name,
      key,
      secret_enc: secret === undefined ? null : sealSecret(ctx.keys, key, secret),
      host: input.host,
      restricted_user_id: input.restrictedUserId,
      // Bound at issue, to the restricted user or else the creating admin; later edits don't move it.
      jwt_user_id: input.generateJwt ? (opts.jwtUserId ?? input.restrictedUserId ?? creatorId) : null,
      jwt_key_id: input.generateJwt ? ctx.keys.current.id : null,
      jwt_issued_at: input.generateJwt ? now : null,
      created_at: now,
      created_by: creatorId,
      expires_at: input.expiresAt,
      rolled_from: opts.rolledFrom ?? null,
      redirect_uris: input.redirectUris ?? null,
    },
    opts.audit,
    opts.retire,
  );
  const jwt = input.generateJwt ? await issueJwt(ctx, token) : undefined;
  return { token, secret, jwt };
}
