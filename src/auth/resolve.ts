/**
 * Turns a request into a principal or a DekiError: `resolvePrincipal`, the one function every
 * route that takes credentials calls (through the `resolveCredential` stage). Each credential has
 * one verifier of the same shape, in a file of its own, returning a principal or throwing:
 *
 *   0. X-Deki-Token: <browser key>              → auth/browser-token.ts  verifyBrowserToken
 *      (independent of identity: checked first, so its CORS headers are on every answer that follows)
 *   1. Authorization: Bearer <jwt>              → auth/jwt.ts            verifyJwt
 *   2. X-Deki-Token: <signature>                → auth/server-signature.ts  verifyServerSignature
 *   3. Authorization: Bearer gth_at_…           → auth/oauth-access-token.ts  verifyOAuthAccessToken
 *   4. Authorization: Bearer <authtoken>, or the authtoken cookie → auth/session.ts  verifySession
 *   5. nothing                                  → auth/anonymous.ts      verifyAnonymous
 *
 * Identity comes from the first credential present, and a present-but-invalid credential never
 * falls back to Anonymous, with one exception: a stale authtoken cookie is treated as absent.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import { verifyAnonymous } from './anonymous.js';
import { allowOrigin, looksLikeBrowserKey, verifyBrowserToken } from './browser-token.js';
import { looksLikeJwt, verifyJwt } from './jwt.js';
import { looksLikeOAuthAccessToken, verifyOAuthAccessToken } from './oauth-access-token.js';
import { allowOAuthOrigin } from './oauth-cors.js';
import type { Principal } from './principal.js';
import { verifyServerSignature } from './server-signature.js';
import { verifySession } from './session.js';
import { AUTHTOKEN_COOKIE } from './session-cookie.js';

/** The credentials a request presents, read from its headers once; nothing is verified yet. */
interface Presented {
  readonly jwt?: string | undefined;
  readonly oauth?: string | undefined;
  readonly authtoken?: string | undefined;
  readonly dekiToken?: string | undefined;
  readonly cookie?: string | undefined;
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

const BEARER = /^bearer +/i;

/** What follows `Bearer ` and its spaces, trimmed; undefined for other schemes. No match arrays: it runs on every request. */
function bearerValue(header: string): string | undefined {
  if (!BEARER.test(header)) return undefined;
  let start = 7;
  while (header.charCodeAt(start) === 32) start++;
  return header.slice(start).trim();
}

/** The Authorization header split into what it carries; other schemes (Basic) are not ours here. */
function readAuthorization(header: string | undefined): Pick<Presented, 'jwt' | 'oauth' | 'authtoken'> {
  if (!header) return NOTHING;
  const trimmed = header.trim();
  const value = bearerValue(trimmed);
  if (value !== undefined) {
    if (looksLikeOAuthAccessToken(value)) return { oauth: value };
    return looksLikeJwt(value) ? { jwt: value } : { authtoken: value };
  }
  // The seed's "works in Postman, not in code": a bare JWT with the prefix forgotten.
  if (/^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\./.test(trimmed)) throw new DekiError('AUTH_HEADER_NOT_BEARER');
  return NOTHING;
}

const NOTHING: Pick<Presented, 'jwt' | 'oauth' | 'authtoken'> = Object.freeze({});

function readPresented(request: FastifyRequest): Presented {
  const { jwt, oauth, authtoken } = readAuthorization(singleHeader(request.headers.authorization));
  return {
    jwt,
    oauth,
    authtoken,
    dekiToken: singleHeader(request.headers['x-deki-token'])?.trim() || undefined,
    cookie: request.cookies[AUTHTOKEN_COOKIE] || undefined,
  };
}

export async function resolvePrincipal(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<Principal> {
  const presented = readPresented(request);
  // Only a value shaped like a browser key is looked up as one: a server signature goes on without waiting.
  const { dekiToken } = presented;
  const browser = dekiToken !== undefined && looksLikeBrowserKey(dekiToken) ? await verifyBrowserToken(ctx, dekiToken, request.headers.origin) : undefined;
  if (browser) allowOrigin(reply, browser.origin);
  const identity = await verifyIdentity(ctx, presented, browser?.principal, reply);
  // A browser key's CORS headers (with credentials) stand; otherwise an access token's app may allow the Origin.
  const { origin } = request.headers;
  if (!browser && origin !== undefined && identity.credential.kind === 'oauth') await allowOAuthOrigin(ctx, reply, origin, identity.credential.tokenId);
  return browser ? { ...identity, browserTokenId: browser.principal.browserTokenId } : identity;
}

/**
 * Rules 1 to 5: the first credential present decides who the request acts as. Not itself async:
 * the verifier's promise is handed on as it is, one promise a request rather than two.
 */
function verifyIdentity(ctx: AppContext, presented: Presented, browser: Principal | undefined, reply: FastifyReply): Promise<Principal> {
  if (presented.jwt !== undefined) return verifyJwt(ctx, presented.jwt);
  // An X-Deki-Token that is not a browser key is a server signature.
  if (presented.dekiToken !== undefined && !browser) return verifyServerSignature(ctx, presented.dekiToken);
  if (presented.oauth !== undefined) return verifyOAuthAccessToken(ctx, presented.oauth);
  if (presented.authtoken !== undefined) return verifySession(ctx, presented.authtoken, 'bearer');
  if (presented.cookie !== undefined) return verifyCookie(ctx, presented.cookie, browser, reply);
  return browser ? Promise.resolve(browser) : verifyAnonymous(ctx);
}

async function verifyCookie(ctx: AppContext, cookie: string, browser: Principal | undefined, reply: FastifyReply): Promise<Principal> {
  try {
    return await verifySession(ctx, cookie, 'cookie');
  } catch (err) {
    if (!(err instanceof DekiError) || err.code !== 'AUTHTOKEN_INVALID') throw err;
    // A stale cookie must not lock a visitor out of public pages: treat it as absent, and clear it.
    reply.clearCookie(AUTHTOKEN_COOKIE, { path: '/' });
  }
  return browser ?? verifyAnonymous(ctx);
}
