/**
 * Sessions: an `authtoken` names one. Only its SHA-256 is stored. It works as the `authtoken`
 * cookie or as `Authorization: Bearer`, and ends on sign-out, deactivation or password change.
 */
import { hash, randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import type { Principal } from './principal.js';

/** One-shot: no Hash object per request, which costs more than the SHA-256 itself and burdens the GC. */
function hashAuthtoken(authtoken: string): string {
  return hash('sha256', authtoken, 'hex');
}

/**
 * Authtokens are `<user id>_<64 hex>`: never three dot-separated parts and never starting with
 * `eyJ`, so they can't be mistaken for a JWT (a Bearer value starting `eyJ` is always read as one).
 */
export function looksLikeAuthtoken(value: string): boolean {
  return /^\d+_[0-9a-f]{64}$/.test(value);
}

export async function startSession(ctx: AppContext, userId: number): Promise<string> {
  const authtoken = `${userId}_${randomBytes(32).toString('hex')}`;
  const now = ctx.config.now();
  await ctx.db
    .insertInto('sessions')
    .values({ token_hash: hashAuthtoken(authtoken), user_id: userId, created_at: now, expires_at: now + ctx.config.sessionTtlSeconds * 1000 })
    .execute();
  return authtoken;
}

/**
 * Verifies an authtoken and returns the principal of its session, in order: the authtoken's form →
 * session known → not expired → its user active. Refused with AUTHTOKEN_INVALID; `via` says whether
 * it came as a cookie or as `Authorization: Bearer` (a stale cookie is then treated as absent).
 */
export async function verifySession(ctx: AppContext, authtoken: string, via: 'cookie' | 'bearer'): Promise<Principal> {
  if (!looksLikeAuthtoken(authtoken)) throw new DekiError('AUTHTOKEN_INVALID');
  const digest = ctx.cache.digestOf(authtoken, hashAuthtoken);
  // Cached rows are taken without waiting; only a miss reads (and waits).
  const session = ctx.cache.cachedSession(digest) ?? (await ctx.cache.session(digest));
  if (!session || session.expires_at <= ctx.config.now()) throw new DekiError('AUTHTOKEN_INVALID');
  const user = ctx.cache.cachedUserById(session.user_id) ?? (await ctx.cache.userById(session.user_id));
  if (!user || user.status !== 'active') throw new DekiError('AUTHTOKEN_INVALID');
  return { user, credential: { kind: 'session', via, authtoken } };
}

export async function endSession(ctx: AppContext, authtoken: string): Promise<void> {
  const hash = hashAuthtoken(authtoken);
  await ctx.changes.write({ changes: [{ kind: 'session', ref: hash }] }, (trx) => trx.deleteFrom('sessions').where('token_hash', '=', hash).execute());
}

export async function endUserSessions(ctx: AppContext, userId: number): Promise<void> {
  await ctx.changes.write({ changes: [{ kind: 'user-sessions', ref: userId }] }, (trx) => trx.deleteFrom('sessions').where('user_id', '=', userId).execute());
}
