/**
 * Registers the OAuth server. Outside `/@api/deki`, under
 * `/@app/auth/{authId}/token/` (authId 1, Gatehouse's own sign-in):
 *
 *   JSON, RFC 6749 errors     POST access.json · device.json · introspect.json · revoke.json
 *                             GET  /.well-known/oauth-authorization-server/@app/auth/1 (RFC 8414)
 *   HTML pages for people     GET|POST authorize · device · /@app/oauth/authorized-apps; POST signin
 *
 * `authorizationRoutes` (users/{id}/authorizations) is registered inside `/@api/deki`, where every
 * API stage applies to it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError, ERROR_CODE_HEADER } from '../errors.js';
import { authorizeHandlers } from './authorize.js';
import { authorizedAppsHandlers } from './authorized-apps.js';
import { deviceAuthorization } from './device.js';
import { deviceVerificationHandlers } from './device-verification.js';
import { introspectEndpoint } from './introspect.js';
import { METADATA_PATH, metadata } from './metadata.js';
import { asDekiError, sendOAuthError } from './oauth-error.js';
import { APPS_PATH } from './pages/apps-page.js';
import { errorPage } from './pages/error-page.js';
import { sendPage } from './pages/html.js';
import { revokeEndpoint } from './revoke.js';
import { sendOAuthJson } from './send.js';
import { signInRoute } from './signin.js';
import { tokenEndpoint } from './token-endpoint.js';

export { authorizationRoutes } from './authorizations.js';

const BASE = '/@app/auth/:authId/token';

/** Only authId 1 exists: Gatehouse has no external identity providers. Expert answers others 404. */
async function knownAuthId(request: FastifyRequest): Promise<void> {
  const { authId } = request.params as { authId?: string };
  if (authId !== undefined && authId !== '1') throw new DekiError('OAUTH_AUTH_ID_UNKNOWN');
}

export function oauthRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    await app.register(async (api) => {
      api.setErrorHandler((err, request, reply) => sendOAuthError(err, request, reply, ctx.config.bodyLimit));
      api.addHook('onRequest', knownAuthId);
      api.post(`${BASE}/access.json`, tokenEndpoint(ctx));
      api.post(`${BASE}/device.json`, deviceAuthorization(ctx));
      api.post(`${BASE}/introspect.json`, introspectEndpoint(ctx));
      api.post(`${BASE}/revoke.json`, revokeEndpoint(ctx));
      api.get(METADATA_PATH, async (_request, reply) => sendOAuthJson(reply, metadata(ctx)));
    });

    await app.register(async (pages) => {
      pages.setErrorHandler((err, request, reply: FastifyReply) => {
        const deki = asDekiError(err, request, ctx.config.bodyLimit);
        return sendPage(reply.header(ERROR_CODE_HEADER, deki.code), errorPage(deki));
      });
      pages.addHook('onRequest', knownAuthId);
      const authorize = authorizeHandlers(ctx);
      pages.get(`${BASE}/authorize`, authorize.get);
      pages.post(`${BASE}/authorize`, authorize.post);
      pages.post(`${BASE}/signin`, signInRoute(ctx));
      const device = deviceVerificationHandlers(ctx);
      pages.get(`${BASE}/device`, device.get);
      pages.post(`${BASE}/device`, device.post);
      const apps = authorizedAppsHandlers(ctx);
      pages.get(APPS_PATH, apps.get);
      pages.post(APPS_PATH, apps.post);
    });
  };
}
