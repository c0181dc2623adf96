/**
 * The one check behind forward-auth and the built-in proxy. The credential was already resolved by
 * the API's own `resolveCredential` stage (same verifiers, usage, failure limits); this adds the
 * cross-site-form rule for the original request and the route's required level.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { refuseCrossSiteForm } from '../auth/csrf.js';
import { type Level, requireLevel } from './requirement.js';

/** The API's `resolveCredential` stage (with its metrics): sets `request.principal` or throws the refusal. */
export type CredentialStage = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** The request a gateway asks about; the proxy's is the request itself. */
export interface OriginalRequest {
  readonly method: string;
  /** `proto://host` of the site the gateway serves, when it says so. */
  readonly origin: string | undefined;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const first = (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
  return first || undefined;
}

/** From `X-Original-Method` (nginx) or `X-Forwarded-Method`/`-Host`/`-Proto` (Caddy, Traefik); else the request's own. */
export function originalRequest(request: FastifyRequest): OriginalRequest {
  const method = (header(request, 'x-original-method') ?? header(request, 'x-forwarded-method') ?? request.method).toUpperCase();
  const host = header(request, 'x-forwarded-host');
  const proto = header(request, 'x-forwarded-proto') ?? 'http';
  return { method, origin: host && /^https?$/i.test(proto) ? `${proto.toLowerCase()}://${host.toLowerCase()}` : undefined };
}

export function checkGatewayRequest(ctx: AppContext, request: FastifyRequest, level: Level, original: OriginalRequest): void {
  refuseCrossSiteForm(ctx, request, original);
  requireLevel(request.principal, level);
}
