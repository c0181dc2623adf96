/**
 * Feeds the metrics from the request path without changing it: every answered request by route
 * pattern, and the credential stage's outcome by the kind of credential the request presented.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { looksLikeJwt } from '../auth/jwt.js';
import { looksLikeOAuthAccessToken } from '../auth/oauth-access-token.js';
import { DekiError } from '../errors.js';
import type { CredentialKind, Metrics } from './metrics.js';

const STORE_UNAVAILABLE = new DekiError('STORE_UNAVAILABLE').status;

/** Counts every answer by route pattern (never the raw URL: an unmatched path is `unmatched`). */
export function instrumentHttp(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onError', async (request, _reply, err) => {
    if (!(err instanceof DekiError) || err.code === 'STORE_UNAVAILABLE') request.storeFailed = true;
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
    if (request.storeFailed && reply.statusCode === STORE_UNAVAILABLE) metrics.storeError('request');
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request failed on something other than a DekiError of its own: a 503 then means the store. */
    storeFailed?: boolean;
  }
}

function bearerValue(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const m = typeof header === 'string' ? /^bearer +(.*)$/is.exec(header.trim()) : null;
  return m?.[1]?.trim();
}

/** The kind of credential a request presented, read from its headers the way the credential stage reads them. */
export function presentedCredential(request: FastifyRequest, refusal: string): CredentialKind {
  if (request.headers['x-deki-token'] && refusal.startsWith('BROWSER_')) return 'browser-token';
  const bearer = bearerValue(request);
  if (bearer !== undefined && looksLikeJwt(bearer)) return 'jwt';
  if (request.headers['x-deki-token']) return 'server-signature';
  if (bearer !== undefined) return looksLikeOAuthAccessToken(bearer) ? 'oauth' : 'session';
  if (request.headers.authorization) return 'jwt'; // a bare JWT without "Bearer ", refused as such
  return request.cookies?.authtoken ? 'session' : 'none';
}

type Stage = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Wraps the credential stage: counts `ok` with the principal's kind, or the refusal's code. */
export function meteredCredentialStage(metrics: Metrics, stage: Stage): Stage {
  return async (request, reply) => {
    try {
      await stage(request, reply);
    } catch (err) {
      const code = err instanceof DekiError ? err.code : 'INTERNAL';
      metrics.credentialChecked(presentedCredential(request, code), code);
      throw err;
    }
    const { principal } = request;
    const kind = principal.credential.kind;
    metrics.credentialChecked(kind === 'anonymous' ? 'none' : kind, 'ok');
    if (principal.browserTokenId !== undefined) metrics.credentialChecked('browser-token', 'ok');
  };
}
