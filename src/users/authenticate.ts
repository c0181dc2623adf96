/**
 * Sign-in and sign-out: `users/authenticate` with HTTP Basic, or with a server signature in
 * `x-deki-token` (creating the named user on first sight); `users/logout` ends the session.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { auditFrom, signInAudit } from '../audit/entry.js';
import { DekiError } from '../errors.js';
import type { Stages } from '../auth/stages.js';
import { readBasic } from '../auth/basic.js';
import { checkServerSignature } from '../auth/server-signature.js';
import { endSession } from '../auth/session.js';
import { startBrowserSession } from '../auth/session-cookie.js';
import { AUTHTOKEN_COOKIE } from '../auth/session-cookie.js';
import { verifyPassword } from '../crypto/password.js';
import type { UserRow } from '../store/schema.js';
import { originMatches } from '../tokens/host-pattern.js';
import { validUsername } from './input.js';
import { ANONYMOUS_ID, findUserByName, insertUserOnce } from './store.js';

type AuthQuery = { Querystring: Record<string, string | undefined> };

/**
 * The absolute URL to redirect to, or a 400 when it leaves the site for a host the admin did not
 * allow. Decided on the URL a browser will follow, never on the raw string: the URL parser drops
 * tabs and newlines and reads `\\` as `/`, so `/\t/evil.example` is `//evil.example`.
 */
function checkRedirect(ctx: AppContext, redirect: string): string {
  const site = new URL(ctx.config.siteUrl);
  let target: URL;
  try {
    target = new URL(redirect, site);
  } catch {
    throw new DekiError('REDIRECT_NOT_ALLOWED');
  }
  const httpish = target.protocol === 'http:' || target.protocol === 'https:';
  // User-info only serves to disguise a host (`https://site@evil.example`).
  const plain = target.username === '' && target.password === '';
  if (httpish && plain && (target.origin === site.origin || originMatches(ctx.config.redirectHosts, target))) return target.href;
  throw new DekiError('REDIRECT_NOT_ALLOWED');
}

export function authenticateRoutes(ctx: AppContext, stages: Stages) {
  async function signInUser(request: FastifyRequest<AuthQuery>): Promise<UserRow> {
    const signature = request.query['x-deki-token'];
    if (signature) {
      // The same failure limits as a signature in a header: this is the same credential.
      const result = await checkServerSignature(ctx, signature).catch(async (err: unknown) => {
        throw await stages.countFailure(request, err);
      });
      if (result.user) return result.user;
      if (result.requestedName === undefined) throw new DekiError('USER_INVALID');
      // First sight of this username: create it, active and unseated with role None.
      const username = validUsername(result.requestedName);
      const provisioned = (row: UserRow) =>
        auditFrom(request, 'user.create', { type: 'user', id: row.id }, { username: row.username, via: 'x-deki-token', tokenId: result.token.id });
      return insertUserOnce(
        ctx.changes,
        {
          username,
          username_key: username.toLowerCase(),
          email: '',
          fullname: '',
          status: 'active',
          seat: 0,
          role: 'None',
          password_hash: null,
          created_at: ctx.config.now(),
        },
        provisioned,
      );
    }
    const credentials = readBasic(request.headers.authorization);
    if (!credentials) throw new DekiError('LOGIN_REQUIRED');
    const basic = { username: credentials.user, password: credentials.password };
    // Counted before the password is looked at: a guesser learns nothing more once over the limit,
    // and guesses sent at once cannot overtake it.
    const attempt = await ctx.limits.signIn.begin(basic.username, request.ip);
    if (attempt.retryAfter !== undefined) throw new DekiError('LOGIN_THROTTLED').retryIn(attempt.retryAfter);
    const user = await findUserByName(ctx.db, basic.username);
    // Always run the hash, so timing does not tell which usernames exist.
    const ok = await verifyPassword(basic.password, user?.password_hash ?? null);
    if (!user || !ok) {
      await ctx.changes.audit(signInAudit(request, 'signin.failure', user, { username: basic.username.slice(0, 255), method: 'basic' }));
      throw new DekiError('LOGIN_FAILED');
    }
    await attempt.succeeded();
    return user;
  }

  async function authenticate(request: FastifyRequest<AuthQuery>, reply: FastifyReply) {
    const redirect = request.query.redirect ? checkRedirect(ctx, request.query.redirect) : undefined;
    const user = await signInUser(request);
    if (user.id === ANONYMOUS_ID) throw new DekiError('ANONYMOUS_IMMUTABLE');
    if (user.status !== 'active') {
      await ctx.changes.audit(signInAudit(request, 'signin.failure', user, { reason: 'inactive' }));
      throw new DekiError('USER_INVALID');
    }
    const authtoken = await startBrowserSession(ctx, reply, user);
    await ctx.changes.audit(signInAudit(request, 'signin.success', user, { method: request.query['x-deki-token'] ? 'x-deki-token' : 'basic' }));
    reply.header('Cache-Control', 'no-store');
    if (redirect) return reply.redirect(redirect, 302);
    return reply.code(200).type('text/plain; charset=utf-8').send(authtoken);
  }

  return async (app: FastifyInstance) => {
    // Credentials come in the Basic header or the query, not the cookie: the CSRF rule does not apply.
    app.get<AuthQuery>('/users/authenticate', { config: { csrf: false } }, authenticate);
    app.post<AuthQuery>('/users/authenticate', { config: { csrf: false } }, authenticate);

    app.post('/users/logout', async (request, reply) => {
      const { credential } = request.principal;
      if (credential.kind === 'session') await endSession(ctx, credential.authtoken);
      reply.clearCookie(AUTHTOKEN_COOKIE, { path: '/' });
      return reply.code(200).type('text/plain; charset=utf-8').send('');
    });
  };
}
