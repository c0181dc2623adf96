/**
 * Browser tokens: `X-Deki-Token: <64 hex>` equal to a browser token's key admits a
 * cross-origin request whose `Origin` matches the token's hosts. It says nothing about identity:
 * alone it acts as Anonymous; with a session (or a JWT) it acts as that credential's user, and never
 * with an admin's powers (`auth/principal.ts`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { verifyAnonymous } from './anonymous.js';
import type { Principal } from './principal.js';
import { DekiError, ERROR_CODE_HEADER } from '../errors.js';
import { originMatches, parseOrigin, storedPatterns } from '../tokens/host-pattern.js';
import { answerOAuthPreflight } from './oauth-cors.js';

const KEY = /^[0-9a-fA-F]{64}$/;

export const CORS_ALLOW_METHODS = 'GET, POST, PUT, DELETE';
export const CORS_ALLOW_HEADERS = 'X-Deki-Token, Content-Type, X-Requested-With, X-Deki-Requested-With, Authorization';

function isSameSite(ctx: AppContext, origin: string): boolean {
  return origin === new URL(ctx.config.siteUrl).origin;
}

/** CORS headers for an origin a browser token (or the site itself) admits. */
export function allowOrigin(reply: FastifyReply, origin: string): void {
  reply.header('Access-Control-Allow-Origin', origin);
  reply.header('Access-Control-Allow-Credentials', 'true');
  reply.header('Vary', 'Origin');
  // A cross-origin script may read the error's code and the request id of any answer.
  reply.header('Access-Control-Expose-Headers', `${ERROR_CODE_HEADER}, X-Request-Id`);
}

/** A principal admitted by a browser token, and the origin it admitted. */
export interface BrowserAdmission {
  readonly principal: Principal;
  readonly origin: string;
}

/** Whether an `X-Deki-Token` value has a browser key's shape (a server signature never does). */
export function looksLikeBrowserKey(value: string): boolean {
  return KEY.test(value);
}

/**
 * Verifies a browser key from `origin`, in order: a browser token's key → not expired → the origin
 * matches its hosts. Returns the Anonymous principal it admits, or undefined when `value` is not a
 * browser token's key (it may be a server signature); throws when it is one but refused.
 */
export async function verifyBrowserToken(ctx: AppContext, value: string, origin: string | undefined): Promise<BrowserAdmission | undefined> {
  if (!looksLikeBrowserKey(value)) return undefined;
  const token = await ctx.cache.tokenByKey(value.toLowerCase());
  if (!token || token.type !== 'browser') return undefined;
  if (token.expires_at !== null && token.expires_at <= ctx.config.now()) throw new DekiError('TOKEN_EXPIRED').about(token.id);
  const url = parseOrigin(origin);
  if (!origin || !url || !(isSameSite(ctx, origin) || originMatches(storedPatterns(token.host), url)))
    throw new DekiError('BROWSER_ORIGIN_REFUSED').about(token.id);
  return { principal: { ...(await verifyAnonymous(ctx)), browserTokenId: token.id }, origin };
}

/**
 * Answers a CORS preflight. A preflight carries no token value, so the origin must match the hosts
 * of some browser token (or be the site itself). One that asks for `Authorization` but not
 * `X-Deki-Token` is a page with an OAuth access token: `auth/oauth-cors.ts` answers it.
 */
export async function answerPreflight(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const origin = request.headers.origin;
  const url = parseOrigin(origin);
  const asked = String(request.headers['access-control-request-headers'] ?? '').toLowerCase();
  const asks = (name: string) => asked.split(',').some((h) => h.trim() === name);
  if (origin && url && !asks('x-deki-token') && asks('authorization')) return answerOAuthPreflight(ctx, reply, origin, url);
  if (!origin || !url || !asks('x-deki-token')) throw new DekiError('BROWSER_ORIGIN_REFUSED');
  if (!isSameSite(ctx, origin)) {
    const rows = await ctx.db.selectFrom('developer_tokens').select('host').where('type', '=', 'browser').execute();
    if (!rows.some((r) => originMatches(storedPatterns(r.host), url))) throw new DekiError('BROWSER_ORIGIN_REFUSED');
  }
  allowOrigin(reply, origin);
  reply.header('Access-Control-Allow-Methods', CORS_ALLOW_METHODS);
  reply.header('Access-Control-Allow-Headers', CORS_ALLOW_HEADERS);
  reply.header('Access-Control-Max-Age', '600');
  await reply.code(204).send();
}
