/**
 * Turns a request into a principal or a DekiError. Identity comes from the first credential
 * present, and a present-but-invalid credential never falls back to Anonymous:
 *
 *   1. Authorization: Bearer <jwt>        → auth/jwt.ts
 *   2. X-Deki-Token: <signature>          → auth/server-signature.ts
 *      Authorization: Bearer gth_at_…     → auth/oauth-access-token.ts (OAuth app)
 *   3. Authorization: Bearer <authtoken>, or the authtoken cookie → auth/session.ts
 *   4. nothing                             → Anonymous
 *
 * Independently, `X-Deki-Token: <browser key>` admits a cross-origin request (auth/browser-token.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import { admitBrowserToken } from './browser-token.js';
import { looksLikeJwt, verifyJwt } from './jwt.js';
import { looksLikeOAuthAccessToken, verifyOAuthAccessToken } from './oauth-access-token.js';
import type { Principal } from './principal.js';
import { verifyServerSignature } from './server-signature.js';
import { findSessionUser } from './session.js';

export const AUTHTOKEN_COOKIE = 'authtoken';

/** The Authorization header split into what rule 1 or 3 needs; other schemes (Basic) are not ours here. */
function readAuthorization(header: string | undefined): { jwt?: string; oauth?: string; authtoken?: string } {
  if (!header) return {};
  const bearer = /^bearer +(.*)$/is.exec(header.trim());
  if (bearer) {
    const value = bearer[1]!.trim();
    if (looksLikeOAuthAccessToken(value)) return { oauth: value };
    return looksLikeJwt(value) ? { jwt: value } : { authtoken: value };
  }
  // The seed's "works in Postman, not in code": a bare JWT with the prefix forgotten.
  if (/^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\./.test(header.trim())) throw new DekiError('AUTH_HEADER_NOT_BEARER');
  return {};
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

export async function resolvePrincipal(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<Principal> {
  const auth = readAuthorization(singleHeader(request.headers.authorization));
  // The browser-key check is independent of identity: it runs first, so its CORS headers
  // are there whichever credential then decides who the request acts as.
  const dekiToken = singleHeader(request.headers['x-deki-token'])?.trim();
  const browserTokenId = dekiToken ? await admitBrowserToken(ctx, request, reply, dekiToken) : false;

  if (auth.jwt !== undefined) {
    const { user, token } = await verifyJwt(ctx, auth.jwt);
    return { user, credential: { kind: 'jwt', tokenId: token.id }, browserTokenId: browserTokenId === false ? undefined : browserTokenId };
  }

  if (dekiToken && browserTokenId === false) {
    const { user, token } = await verifyServerSignature(ctx, dekiToken);
    return { user: user ?? ctx.anonymous, credential: { kind: 'server-signature', tokenId: token.id } };
  }
  const principal = await sessionOrAnonymous(ctx, request, reply, auth);
  return browserTokenId === false ? principal : { ...principal, browserTokenId };
}

/** Rules 3 and 4 (and OAuth access tokens, which like sessions act as the user who signed in). */
async function sessionOrAnonymous(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, auth: ReturnType<typeof readAuthorization>): Promise<Principal> {
  if (auth.oauth !== undefined) return verifyOAuthAccessToken(ctx, auth.oauth);

  if (auth.authtoken !== undefined) {
    const user = await findSessionUser(ctx, auth.authtoken);
    if (!user) throw new DekiError('AUTHTOKEN_INVALID');
    return { user, credential: { kind: 'session', via: 'bearer', authtoken: auth.authtoken } };
  }

  const cookie = request.cookies[AUTHTOKEN_COOKIE];
  if (cookie) {
    const user = await findSessionUser(ctx, cookie);
    if (user) return { user, credential: { kind: 'session', via: 'cookie', authtoken: cookie } };
    // A stale cookie must not lock a visitor out of public pages: treat it as absent, and clear it.
    reply.clearCookie(AUTHTOKEN_COOKIE, { path: '/' });
  }
  return { user: ctx.anonymous, credential: { kind: 'anonymous' } };
}
