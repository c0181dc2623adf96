/**
 * Named route stages (STYLE 6), in the order a request meets them:
 *   onRequest:  resolveCredential → refuseCrossSiteForms
 *   preHandler: requireAdmin (admin routes) → route's own checks → handler
 * See docs/request-path.md.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import { isAdmin } from '../users/store.js';
import { refuseCrossSiteForm } from './csrf.js';
import { resolvePrincipal } from './resolve.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false on routes that take their own credentials in the body or Basic header (users/authenticate). */
    csrf?: boolean;
  }
}

export function stages(ctx: AppContext) {
  return {
    async resolveCredential(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      request.principal = await resolvePrincipal(ctx, request, reply);
    },
    async refuseCrossSiteForms(request: FastifyRequest): Promise<void> {
      if (request.routeOptions.config.csrf === false) return;
      refuseCrossSiteForm(ctx, request);
    },
    async requireAdmin(request: FastifyRequest): Promise<void> {
      if (!isAdmin(request.principal.user)) throw new DekiError('ADMIN_REQUIRED');
    },
  };
}

export type Stages = ReturnType<typeof stages>;
