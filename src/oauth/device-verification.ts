/**
 * The device verification page (RFC 8628 §3.3), the `verification_uri` of device.json: a signed-in
 * user enters (or follows a link with) the code the device shows, sees which app asks for what,
 * and approves or denies it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import { findTokenById } from '../tokens/store.js';
import { type BrowserSession, browserSession } from './browser-session.js';
import { grantableScopes, recordConsent } from './consent.js';
import { decideDevice, findByUserCode } from './device-store.js';
import { checkSessionFormToken, sessionFormToken } from './form-token.js';
import { hashOpaque, normalizeUserCode } from './opaque.js';
import { formParams, queryParams } from './params.js';
import { sendPage } from './pages/html.js';
import { consentPage } from './pages/consent-page.js';
import { DEVICE_PATH, deviceCodeEntryPage, deviceDonePage } from './pages/device-pages.js';
import { formatScope, storedScope } from './scopes.js';
import { showSignIn } from './signin.js';

/** The pending request for a typed code, with its app; undefined when there is none to decide. */
async function pendingRequest(ctx: AppContext, typed: string) {
  const code = normalizeUserCode(typed);
  const row = code === undefined ? undefined : await findByUserCode(ctx.db, hashOpaque(code));
  const app = row ? await findTokenById(ctx.db, row.token_id) : undefined;
  if (!row || !app || app.type !== 'oauth' || row.status !== 'pending' || row.expires_at <= ctx.config.now()) return undefined;
  return { row, app, userCode: `${code!.slice(0, 4)}-${code!.slice(4)}` };
}

export function deviceVerificationHandlers(ctx: AppContext) {
  /**
   * Sends the entry page saying "wait" when the session or client is over the limit, and says
   * whether it did. (A boolean, not the reply: a Fastify reply is thenable, so an async function
   * returning it would resolve to what the reply resolves to, not to the reply.)
   */
  async function refusedOverLimit(request: FastifyRequest, reply: FastifyReply, session: BrowserSession): Promise<boolean> {
    const wait = await ctx.limits.userCodes.entered(session.authtoken, request.ip);
    if (wait === undefined) return false;
    reply.header('Retry-After', String(wait));
    const err = new DekiError('OAUTH_USER_CODE_RATE_LIMITED');
    sendPage(reply, deviceCodeEntryPage({ error: err.message, status: err.status }));
    return true;
  }

  async function get(request: FastifyRequest, reply: FastifyReply) {
    const session = await browserSession(ctx, request);
    if (!session) return showSignIn(ctx, request, reply, request.url);
    const typed = queryParams(request).get('user_code');
    if (typed === undefined) return sendPage(reply, deviceCodeEntryPage({}));
    if (await refusedOverLimit(request, reply, session)) return reply;
    const pending = await pendingRequest(ctx, typed);
    if (!pending) return sendPage(reply, deviceCodeEntryPage({ error: new DekiError('OAUTH_USER_CODE_INVALID').message, userCode: typed.slice(0, 20) }));
    const asked = storedScope(pending.row.scope);
    const scopes = grantableScopes(asked, session.user);
    return sendPage(
      reply,
      consentPage({
        appName: pending.app.name,
        username: session.user.username,
        scopes,
        seatDropped: scopes.length < asked.length,
        formAction: DEVICE_PATH,
        fields: [['user_code', pending.userCode]],
        formToken: sessionFormToken(ctx, session.authtoken),
        userCode: pending.userCode,
      }),
    );
  }

  async function post(request: FastifyRequest, reply: FastifyReply) {
    const form = formParams(request);
    const session = await browserSession(ctx, request);
    const typed = form.get('user_code') ?? '';
    if (!session) return showSignIn(ctx, request, reply, `${DEVICE_PATH}?${new URLSearchParams({ user_code: typed })}`);
    checkSessionFormToken(ctx, request, session.authtoken, form.get('form_token'));
    if (await refusedOverLimit(request, reply, session)) return reply;
    const pending = await pendingRequest(ctx, typed);
    if (!pending) return sendPage(reply, deviceCodeEntryPage({ error: new DekiError('OAUTH_USER_CODE_INVALID').message }));
    const deviceHash = pending.row.device_code_hash;
    if (form.get('decision') !== 'approve') {
      await decideDevice(ctx.db, deviceHash, { status: 'denied' });
      return sendPage(reply, deviceDonePage({ appName: pending.app.name, approved: false }));
    }
    const scopes = grantableScopes(storedScope(pending.row.scope), session.user);
    const grant = await recordConsent(ctx, pending.app.id, session.user.id, scopes);
    await decideDevice(ctx.db, deviceHash, { status: 'approved', grantId: grant.id, scope: formatScope(scopes) });
    return sendPage(reply, deviceDonePage({ appName: pending.app.name, approved: true }));
  }

  return { get, post };
}
