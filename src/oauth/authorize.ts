/**
 * The authorization endpoint (RFC 6749 §4.1): `GET .../token/authorize` signs the user
 * in if needed, shows the consent page when consent is due, and sends the browser back to the
 * app's `redirect_uri` with a one-use code and `state`; `POST` carries the user's decision.
 *
 * Until `client_id` and `redirect_uri` are known good, errors are shown to the user and never
 * sent anywhere (RFC 6749 §4.1.2.1); after that they go back to the app as `error=...`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import type { TokenRow } from '../store/schema.js';
import { type BrowserSession, browserSession } from './browser-session.js';
import { insertCode } from './code-store.js';
import { checkSessionFormToken, sessionFormToken } from './form-token.js';
import { grantableScopes, recordConsent } from './consent.js';
import { findGrant, findOAuthApp } from './grant-store.js';
import { TOKEN_BASE, issuer } from './metadata.js';
import { errorParams } from './oauth-error.js';
import { hashOpaque, newOpaque } from './opaque.js';
import { type Params, formParams, queryParams, required } from './params.js';
import { sendPage } from './pages/html.js';
import { consentPage } from './pages/consent-page.js';
import { readChallenge } from './pkce.js';
import { checkRedirectUri, withParams } from './redirect-uri.js';
import { type Scope, formatScope, includesAll, parseScope, storedScope } from './scopes.js';
import { showSignIn } from './signin.js';

/** A code lives this long (RFC 6749 §4.1.2 recommends at most ten minutes; one is plenty). */
const CODE_TTL_MS = 60_000;
const AUTHORIZE_PATH = `${TOKEN_BASE}/authorize`;
/** The request parameters a consent form carries back (prompt is spent once the page is shown). */
const CARRIED = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method'];

interface AuthorizeRequest {
  readonly app: TokenRow;
  readonly redirect: URL;
  readonly redirectUri: string;
  readonly state: string | undefined;
  readonly params: Params;
}

/** client_id and redirect_uri: failures here are shown, not redirected. */
async function readClient(ctx: AppContext, params: Params): Promise<AuthorizeRequest> {
  const clientId = required(params, 'client_id');
  const app = await findOAuthApp(ctx.db, clientId);
  if (!app) throw new DekiError('OAUTH_CLIENT_UNKNOWN');
  const redirectUri = required(params, 'redirect_uri');
  return { app, redirect: checkRedirectUri(app, redirectUri), redirectUri, state: params.get('state'), params };
}

interface Wanted {
  readonly scopes: Scope[];
  readonly challenge: string | null;
  readonly prompt: 'consent' | 'none' | undefined;
}

/** The rest of the request: failures here go back to the app. */
function readWanted(params: Params): Wanted {
  if (required(params, 'response_type') !== 'code') throw new DekiError('OAUTH_RESPONSE_TYPE_UNSUPPORTED');
  const scopes = parseScope(params.get('scope'));
  const challenge = readChallenge(params.get('code_challenge'), params.get('code_challenge_method'));
  const prompt = params.get('prompt');
  if (prompt !== undefined && prompt !== 'consent' && prompt !== 'none') throw new DekiError('OAUTH_PROMPT_INVALID');
  return { scopes, challenge, prompt };
}

function back(ctx: AppContext, req: AuthorizeRequest, params: Record<string, string>): string {
  return withParams(req.redirect, { ...params, state: req.state, iss: issuer(ctx) });
}

function carried(params: Params): [string, string][] {
  return CARRIED.flatMap((name) => {
    const value = params.get(name);
    return value === undefined ? [] : [[name, value] as [string, string]];
  });
}

export function authorizeHandlers(ctx: AppContext) {
  async function sendCode(reply: FastifyReply, req: AuthorizeRequest, grantId: number, scopes: Scope[], challenge: string | null, status: 302 | 303) {
    const code = newOpaque('code');
    const now = ctx.config.now();
    await insertCode(ctx.db, {
      code_hash: hashOpaque(code),
      grant_id: grantId,
      token_id: req.app.id,
      redirect_uri: req.redirectUri,
      scope: formatScope(scopes),
      code_challenge: challenge,
      family_id: null,
      created_at: now,
      expires_at: now + CODE_TTL_MS,
      used_at: null,
    });
    reply.header('Cache-Control', 'no-store');
    return reply.redirect(back(ctx, req, { code }), status);
  }

  function showConsent(reply: FastifyReply, req: AuthorizeRequest, session: BrowserSession, wanted: Wanted) {
    const scopes = grantableScopes(wanted.scopes, session.user);
    return sendPage(
      reply,
      consentPage({
        appName: req.app.name,
        username: session.user.username,
        scopes,
        seatDropped: scopes.length < wanted.scopes.length,
        formAction: AUTHORIZE_PATH,
        fields: carried(req.params),
        formToken: sessionFormToken(ctx, session.authtoken),
        redirectHost: req.redirect.host,
        formTargets: [req.redirect.origin],
      }),
    );
  }

  /** Runs `step`; an error it throws goes back to the app as RFC 6749 error parameters. */
  async function orBack(reply: FastifyReply, req: AuthorizeRequest, status: 302 | 303, step: () => Promise<FastifyReply>) {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof DekiError) || err.status >= 500) throw err;
      reply.header('Cache-Control', 'no-store');
      return reply.redirect(back(ctx, req, errorParams(err)), status);
    }
  }

  async function get(request: FastifyRequest, reply: FastifyReply) {
    const req = await readClient(ctx, queryParams(request));
    return orBack(reply, req, 302, async () => {
      const wanted = readWanted(req.params);
      const session = await browserSession(ctx, request);
      if (!session) {
        if (wanted.prompt === 'none') throw new DekiError('OAUTH_LOGIN_REQUIRED');
        return showSignIn(ctx, request, reply, request.url, req.app.name);
      }
      const scopes = grantableScopes(wanted.scopes, session.user);
      const grant = await findGrant(ctx.db, req.app.id, session.user.id);
      // Consent is asked again when the app asks for it, for any seat (as Expert does), or for anything not yet granted.
      const consentDue = wanted.prompt === 'consent' || scopes.includes('seated') || !grant || !includesAll(storedScope(grant.scope), scopes);
      if (!consentDue) return sendCode(reply, req, grant.id, scopes, wanted.challenge, 302);
      if (wanted.prompt === 'none') throw new DekiError('OAUTH_CONSENT_REQUIRED');
      return showConsent(reply, req, session, wanted);
    });
  }

  async function post(request: FastifyRequest, reply: FastifyReply) {
    const form = formParams(request);
    const req = await readClient(ctx, form);
    const session = await browserSession(ctx, request);
    if (!session) return showSignIn(ctx, request, reply, `${AUTHORIZE_PATH}?${new URLSearchParams(carried(form))}`, req.app.name);
    checkSessionFormToken(ctx, request, session.authtoken, form.get('form_token'));
    return orBack(reply, req, 303, async () => {
      const wanted = readWanted(form);
      if (form.get('decision') !== 'approve') throw new DekiError('OAUTH_ACCESS_DENIED');
      const scopes = grantableScopes(wanted.scopes, session.user);
      const grant = await recordConsent(ctx, req.app.id, session.user.id, scopes);
      return sendCode(reply, req, grant.id, scopes, wanted.challenge, 303);
    });
  }

  return { get, post };
}
