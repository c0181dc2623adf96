/** `site/developer-tokens/{id}/usage`: a token's usage over time, by hour and by day (admins only). */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { parseIntegerId } from '../dream/path-id.js';
import { sendDocument } from '../dream/reply.js';
import { DekiError } from '../errors.js';
import type { Stages } from '../auth/stages.js';
import { tokenHref } from '../tokens/document.js';
import { findTokenById } from '../tokens/store.js';
import type { UsageRecorder } from './recorder.js';
import { toSeries, toSeriesDocument } from './series.js';

export function usageRoutes(ctx: AppContext, stages: Stages, usage: UsageRecorder) {
  return async (app: FastifyInstance) => {
    app.get<{ Params: { id: string } }>(
      '/site/developer-tokens/:id/usage',
      { preHandler: [stages.requireAdmin, stages.requireTokenManagement] },
      async (request, reply) => {
        const token = await findTokenById(ctx.db, parseIntegerId(request.params.id));
        if (!token) throw new DekiError('TOKEN_NOT_FOUND');
        const now = ctx.config.now();
        const series = toSeries(await usage.hours(token.id), now);
        return sendDocument(request, reply, toSeriesDocument(series, token.id, `${tokenHref(ctx.config.siteUrl, token.id)}/usage`, now));
      },
    );
  };
}
