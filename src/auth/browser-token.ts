/**
 * Browser tokens: `X-Deki-Token: <64 hex>` equal to a browser token's key admits a
 * cross-origin request whose `Origin` matches the token's hosts. It says nothing about identity.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError, ERROR_CODE_HEADER } from '../errors.js';
import { originMatches, parseOrigin, storedPatterns } from '../tokens/host-pattern.js';

const KEY = /^[0-9a-fA-F]{64}$/;

export const CORS_ALLOW_METHODS = 'GET, POST, PUT, DELETE';
export const CORS_ALLOW_HEADERS = 'X-Deki-Token, Content-Type, X-Requested-With, X-Deki-Requested-With, Authorization';

function isSameSite(ctx: AppContext, origin: string): boolean {
  return origin === new URL(ctx.config.siteUrl).origin;
}

function allowOrigin(reply: FastifyReply, origin: string): void {
  reply.header('Access-Control-Allow-Origin', origin);
  reply.header('Access-Control-Allow-Credentials', 'true');
  reply.header('Vary', 'Origin');
  // A cross-origin script may read the error's code and the request id of any answer.
  reply.header('Access-Control-Expose-Headers', `${ERROR_CODE_HEADER}, X-Request-Id`);
}

/**
 * If `value` is a browser token's key, checks the `Origin` and adds CORS headers; returns the token's id.
 * Returns false when the value is not a browser key (it may be a server signature).
 */
export async function admitBrowserToken(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, value: string): Promise<number | false> {
  if (!KEY.test(value)) return false;
  const token = await ctx.cache.tokenByKey(value.toLowerCase());
  if (!token || token.type !== 'browser') return false;
  if (token.expires_at !== null && token.expires_at <= ctx.config.now()) throw new DekiError('TOKEN_EXPIRED').about(token.id);
  const origin = request.headers.origin;
  const url = parseOrigin(origin);
  if (!origin || !url || !(isSameSite(ctx, origin) || originMatches(storedPatterns(token.host), url))) throw new DekiError('BROWSER_ORIGIN_REFUSED').about(token.id);
  allowOrigin(reply, origin);
  return token.id;
}

/**
 * Answers a CORS preflight. A preflight carries no token value, so the origin must match the hosts
 * of some browser token (or be the site itself).
 */
export async function answerPreflight(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const origin = request.headers.origin;
  const url = parseOrigin(origin);
  const asked = String(request.headers['access-control-request-headers'] ?? '').toLowerCase();
  if (!origin || !url || !asked.split(',').some((h) => h.trim() === 'x-deki-token')) throw new DekiError('BROWSER_ORIGIN_REFUSED');
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
