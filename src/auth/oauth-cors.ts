/**
 * CORS for OAuth access tokens (docs/oauth.md#calling-the-api-from-a-browser): a single-page app on
 * one of an OAuth app's origins — its host patterns, or the origin of one of its registered
 * redirect URIs — calls the API with `Authorization: Bearer gth_at_…`.
 *
 *  - A preflight asking for `Authorization` is answered when the `Origin` is one of *some* app's
 *    (a preflight carries no token, so it cannot say whose).
 *  - An answer to an access token gets `Access-Control-Allow-Origin` only when the `Origin` is one
 *    of *that token's* app's.
 *
 * Never with credentials: no `Access-Control-Allow-Credentials`, so a browser neither exposes an
 * answer to a request that carried cookies nor lets a page use a visitor's session through this.
 * The token is the credential, and the page already holds it.
 */
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import { registeredRedirectUris } from '../oauth/redirect-uri.js';
import type { TokenRow } from '../store/schema.js';
import { originMatches, parseOrigin, storedPatterns } from '../tokens/host-pattern.js';

export const OAUTH_CORS_ALLOW_METHODS = 'GET, POST, PUT, DELETE';
export const OAUTH_CORS_ALLOW_HEADERS = 'Authorization, Content-Type, X-Requested-With, X-Deki-Requested-With';

/** Whether `url` is one of the app's origins: matched by its host patterns, or a registered redirect URI's origin. */
function isAppOrigin(app: Pick<TokenRow, 'host' | 'redirect_uris'>, url: URL): boolean {
  return originMatches(storedPatterns(app.host), url) || registeredRedirectUris(app).some((u) => new URL(u).origin === url.origin);
}

/** Adds CORS headers to an answer to an access token of the app `appId`, when the `Origin` is one of the app's. */
export async function allowOAuthOrigin(ctx: AppContext, reply: FastifyReply, origin: string | undefined, appId: number): Promise<void> {
  const url = parseOrigin(origin);
  if (!origin || !url) return;
  reply.header('Vary', 'Origin');
  const app = await ctx.cache.tokenById(appId);
  if (app?.type === 'oauth' && isAppOrigin(app, url)) reply.header('Access-Control-Allow-Origin', origin);
}

/** Answers a preflight that asks for `Authorization` (and not `X-Deki-Token`): 204 for an origin of some OAuth app, else 403. */
export async function answerOAuthPreflight(ctx: AppContext, reply: FastifyReply, origin: string, url: URL): Promise<void> {
  const apps = await ctx.db.selectFrom('developer_tokens').select(['host', 'redirect_uris']).where('type', '=', 'oauth').execute();
  if (!apps.some((app) => isAppOrigin(app, url))) throw new DekiError('OAUTH_ORIGIN_REFUSED');
  reply.header('Access-Control-Allow-Origin', origin);
  reply.header('Vary', 'Origin');
  reply.header('Access-Control-Allow-Methods', OAUTH_CORS_ALLOW_METHODS);
  reply.header('Access-Control-Allow-Headers', OAUTH_CORS_ALLOW_HEADERS);
  reply.header('Access-Control-Max-Age', '600');
  await reply.code(204).send();
}
