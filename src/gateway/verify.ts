/**
 * `/@gatehouse/verify`, any method: the forward-auth decision for nginx `auth_request`, Caddy
 * `forward_auth` and Traefik ForwardAuth (`?require=LEVEL`), and Envoy `ext_authz`
 * (`/@gatehouse/verify/<original path>` with `X-Gatehouse-Require: LEVEL`). 200 with the
 * `X-Gatehouse-*` identity headers, or the error document the API would answer (401, 403, 429, 503).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import { type CredentialStage, checkGatewayRequest, originalRequest } from './check.js';
import { identityHeaders } from './identity.js';
import { DEFAULT_LEVEL, LEVELS, isLevel } from './requirement.js';

export const VERIFY_PATH = '/@gatehouse/verify';

/**
 * A refusal also carries its message in `X-Gatehouse-Error-Message` (beside the code in
 * `X-Gatehouse-Error`): nginx `auth_request` drops the body of the decision and can show only what
 * a header tells it (deploy/nginx.conf).
 */
async function sayWhy(_request: FastifyRequest, reply: FastifyReply, error: Error): Promise<void> {
  if (error instanceof DekiError) reply.header('X-Gatehouse-Error-Message', error.message.replace(/[^\x20-\x7e]/g, '?'));
}

export function verifyRoute(ctx: AppContext, resolveCredential: CredentialStage) {
  const decide = (levelOf: (request: FastifyRequest) => string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const level = levelOf(request);
    if (!isLevel(level)) throw new DekiError('BAD_QUERY', 'require', `use one of ${LEVELS.join(', ')}`);
    checkGatewayRequest(ctx, request, level, originalRequest(request));
    // A decision is about this request only: no cache in between may keep it.
    return reply.code(200).header('Cache-Control', 'no-store').headers(identityHeaders(request.principal)).send();
  };
  const hooks = { onRequest: [resolveCredential], onError: sayWhy };
  return async (app: FastifyInstance) => {
    // nginx, Caddy, Traefik: the gateway builds this URL, so its query is the operator's.
    app.all(
      VERIFY_PATH,
      hooks,
      decide((request) => (request.query as Record<string, string>).require ?? DEFAULT_LEVEL),
    );
    // Envoy's ext_authz appends the original path and query to a path prefix: that query is the
    // client's, so here the level comes only from the header Envoy adds (headers_to_add overrides
    // any a client sends).
    app.all(
      `${VERIFY_PATH}/*`,
      hooks,
      decide((request) => String(request.headers['x-gatehouse-require'] ?? DEFAULT_LEVEL)),
    );
  };
}
