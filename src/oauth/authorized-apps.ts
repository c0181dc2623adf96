/** The "Authorized apps" page for people: the same list as `users/current/authorizations`, with Revoke buttons. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import { type BrowserSession, browserSession } from './browser-session.js';
import { checkSessionFormToken, sessionFormToken } from './form-token.js';
import { deleteGrant, findGrantListing, listGrants } from './grant-store.js';
import { formParams } from './params.js';
import { APPS_PATH, authorizedAppsPage } from './pages/apps-page.js';
import { sendPage } from './pages/html.js';
import { showSignIn } from './signin.js';

export function authorizedAppsHandlers(ctx: AppContext) {
  async function get(request: FastifyRequest, reply: FastifyReply) {
    const session = await browserSession(ctx, request);
    if (!session) return showSignIn(ctx, request, reply, APPS_PATH);
    return showApps(reply, session);
  }

  async function showApps(reply: FastifyReply, session: BrowserSession, revoked?: string) {
    const grants = await listGrants(ctx.db, session.user.id);
    return sendPage(reply, authorizedAppsPage({ username: session.user.username, grants, formToken: sessionFormToken(ctx, session.authtoken), revoked }));
  }

  async function post(request: FastifyRequest, reply: FastifyReply) {
    const form = formParams(request);
    const session = await browserSession(ctx, request);
    if (!session) return showSignIn(ctx, request, reply, APPS_PATH);
    checkSessionFormToken(ctx, request, session.authtoken, form.get('form_token'));
    const id = form.get('grant_id');
    const grant = id !== undefined && /^\d{1,15}$/.test(id) ? await findGrantListing(ctx.db, session.user.id, Number(id)) : undefined;
    if (!grant) throw new DekiError('OAUTH_AUTHORIZATION_NOT_FOUND');
    await deleteGrant(ctx.changes, grant.id);
    // Answered in place rather than redirected: a "Revoked X" notice taken from the URL could be forged.
    return showApps(reply, session, grant.app_name);
  }

  return { get, post };
}
