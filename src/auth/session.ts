/**
 * Sessions: an `authtoken` names one. Only its SHA-256 is stored. It works as the `authtoken`
 * cookie or as `Authorization: Bearer`, and ends on sign-out, deactivation or password change.
 */
import { hash, randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import type { Principal } from './principal.js';
import type { UserRow } from '../store/schema.js';

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

/**
 * Starts a session for `user` as it was read when its credential was checked. The session is
 * written only if the user is still active with the same password hash, and the check holds the
 * user's row until the insert commits (an update of it, taking the row lock), so a password change
 * or deactivation racing the sign-in either comes first and refuses it, or comes after and ends
 * the new session with the others. The update also makes a new version of the row, which is how
 * a deactivation made as one statement knows a sign-in came in between (users/store.ts).
 */
export async function startSession(ctx: AppContext, user: UserRow): Promise<string> {
  const authtoken = `${user.id}_${randomBytes(32).toString('hex')}`;
  const now = ctx.config.now();
  await ctx.db.transaction().execute(async (trx) => {
    const unchanged = await trx
      .updateTable('users')
      .set((eb) => ({ id: eb.ref('id') }))
      .where('id', '=', user.id)
      .where('status', '=', 'active')
      .where((eb) => (user.password_hash === null ? eb('password_hash', 'is', null) : eb('password_hash', '=', user.password_hash)))
      .executeTakeFirst();
    if (Number(unchanged.numUpdatedRows) !== 1) throw new DekiError('LOGIN_FAILED');
    await trx
      .insertInto('sessions')
      .values({ token_hash: hashAuthtoken(authtoken), user_id: user.id, created_at: now, expires_at: now + ctx.config.sessionTtlSeconds * 1000 })
      .execute();
  });
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
