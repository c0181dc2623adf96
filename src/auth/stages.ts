/**
 * Named route stages, in the order a request meets them:
 *   onRequest:  resolveCredential → refuseCrossSiteForms
 *   preHandler: requireAdmin (admin routes) → requireTokenManagement (token routes) →
 *               requireTokenAllowance (token creation) → handler
 * See docs/request-path.md.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { CREDENTIAL_REFUSALS, DekiError } from '../errors.js';
import { assertTokenAllowed } from '../tokens/create.js';
import { isAdmin } from '../users/store.js';
import { refuseCrossSiteForm } from './csrf.js';
import { reasonOf } from '../usage/failure-reason.js';
import type { UsageRecorder } from '../usage/recorder.js';
import type { Principal } from './principal.js';
import { resolvePrincipal } from './resolve.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false on routes that take their own credentials in the body or Basic header (users/authenticate). */
    csrf?: boolean;
  }
}

export function stages(ctx: AppContext, usage: UsageRecorder) {
  /** Counts a refused credential for its token's usage and the failure limits; past them, a 429. */
  async function countFailure(request: FastifyRequest, err: unknown): Promise<unknown> {
    if (!(err instanceof DekiError) || !CREDENTIAL_REFUSALS.has(err.code)) return err;
    // Refused either way: a limit that cannot be counted (the database gone) leaves the refusal as it is.
    const wait = await ctx.limits.failures.failed(request.ip, err.tokenId).catch(() => undefined);
    if (err.tokenId !== undefined) usage.failure(err.tokenId, request.ip, reasonOf(wait === undefined ? err.code : 'AUTH_RATE_LIMITED'));
    if (wait === undefined) return err;
    ctx.metrics.refused('failure_limit');
    return new DekiError('AUTH_RATE_LIMITED').retryIn(wait);
  }

  return {
    countFailure,
    async resolveCredential(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      let principal: Principal;
      try {
        principal = await resolvePrincipal(ctx, request, reply);
      } catch (err) {
        throw await countFailure(request, err);
      }
      request.principal = principal;
      const { credential } = principal;
      const tokenId = credential.kind === 'jwt' || credential.kind === 'server-signature' ? credential.tokenId : principal.browserTokenId;
      if (tokenId !== undefined) usage.success(tokenId, request.ip, request.headers['user-agent'], principal.user.id);
    },
    async refuseCrossSiteForms(request: FastifyRequest): Promise<void> {
      if (request.routeOptions.config.csrf === false) return;
      refuseCrossSiteForm(ctx, request);
    },
    async requireAdmin(request: FastifyRequest): Promise<void> {
      if (request.principal.browserTokenId !== undefined) throw new DekiError('BROWSER_TOKEN_NOT_ADMIN');
      if (!isAdmin(request.principal.user)) throw new DekiError('ADMIN_REQUIRED');
    },
    /** Token management is switched on for this site (every token route, after requireAdmin). */
    async requireTokenManagement(): Promise<void> {
      await assertTokenAllowed(ctx, false);
    },
    /** The site's allowance has room for one more token (creation only: a roll replaces a token). */
    async requireTokenAllowance(): Promise<void> {
      await assertTokenAllowed(ctx, true);
    },
  };
}

export type Stages = ReturnType<typeof stages>;
