/**
 * Sign-in for the OAuth pages (authId 1 is Gatehouse's own sign-in): the form that
 * `authorize`, the device page and the authorized-apps page show to a visitor without a session.
 * On success it sets the `authtoken` cookie and returns to the page that asked.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { startBrowserSession } from '../auth/session-cookie.js';
import type { AppContext } from '../context.js';
import { verifyPassword } from '../crypto/password.js';
import { signInAudit } from '../audit/entry.js';
import { DekiError } from '../errors.js';
import { ANONYMOUS_ID, findUserByName } from '../users/store.js';
import { checkPreSessionFormToken, preSessionFormToken } from './form-token.js';
import { formParams } from './params.js';
import { findOAuthApp } from './grant-store.js';
import { TOKEN_BASE } from './metadata.js';
import { checkRedirectUri } from './redirect-uri.js';
import { sendPage } from './pages/html.js';
import { signInPage } from './pages/signin-page.js';

/** Where sign-in may send the browser back to: our own OAuth pages, nothing else. */
function safeReturn(path: string | undefined): string {
  const ok = path !== undefined && /^\/@app\/(auth\/1\/token|oauth)\/[A-Za-z0-9._~%!$&'()*+,;=:@/?-]*$/.test(path) && !path.includes('..');
  return ok ? path : '/@app/oauth/authorized-apps';
}

/**
 * The app origin a sign-in for an authorization request may end on. A browser applies the sign-in
 * page's CSP `form-action` to every redirect after the form is sent, and when the user consented
 * before, the form's answer leads straight on to the app's `redirect_uri`: that origin must be
 * allowed, once the redirect_uri is known good for the app.
 */
async function signInTargets(ctx: AppContext, returnTo: string): Promise<string[]> {
  if (!returnTo.startsWith(`${TOKEN_BASE}/authorize?`)) return [];
  const query = new URLSearchParams(returnTo.slice(returnTo.indexOf('?') + 1));
  const app = await findOAuthApp(ctx.db, query.get('client_id') ?? '');
  try {
    return app ? [checkRedirectUri(app, query.get('redirect_uri') ?? '').origin] : [];
  } catch {
    return [];
  }
}

/** Answers with the sign-in form for the page at `returnTo`. */
export async function showSignIn(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, returnTo: string, appName?: string): Promise<FastifyReply> {
  const safe = safeReturn(returnTo);
  return sendPage(
    reply,
    signInPage({ returnTo: safe, formToken: preSessionFormToken(ctx, request, reply), appName, formTargets: await signInTargets(ctx, safe) }),
  );
}

export function signInRoute(ctx: AppContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const params = formParams(request);
    checkPreSessionFormToken(ctx, request, params.get('form_token'));
    const returnTo = safeReturn(params.get('return'));
    const formTargets = await signInTargets(ctx, returnTo);
    const username = params.get('username') ?? '';
    // The same throttle and audit as users/authenticate: this form is another door to the same passwords.
    const attempt = await ctx.limits.signIn.begin(username, request.ip);
    if (attempt.retryAfter !== undefined) {
      const formToken = preSessionFormToken(ctx, request, reply);
      return sendPage(
        reply,
        signInPage({ returnTo, formToken, error: new DekiError('LOGIN_THROTTLED').message, username: username.slice(0, 255), formTargets }),
      );
    }
    const user = await findUserByName(ctx.db, username);
    // Always run the hash, so timing does not tell which usernames exist.
    const ok = await verifyPassword(params.get('password') ?? '', user?.password_hash ?? null);
    if (user && ok) await attempt.succeeded(); // the password was right: only failures use the allowance
    const refusal =
      !user || !ok ? new DekiError('LOGIN_FAILED') : user.id === ANONYMOUS_ID || user.status !== 'active' ? new DekiError('USER_INVALID') : undefined;
    if (refusal) {
      await ctx.changes.audit(signInAudit(request, 'signin.failure', user, { username: username.slice(0, 255), method: 'oauth-page' }));
    } else {
      await ctx.changes.audit(signInAudit(request, 'signin.success', user, { method: 'oauth-page' }));
    }
    if (refusal || !user) {
      const formToken = preSessionFormToken(ctx, request, reply);
      return sendPage(reply, signInPage({ returnTo, formToken, error: refusal?.message, username: username.slice(0, 255), formTargets }));
    }
    await startBrowserSession(ctx, reply, user);
    return reply.redirect(returnTo, 303);
  };
}
