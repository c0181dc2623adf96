/** `site/developer-tokens`: create, list, fetch, change and revoke tokens (SPEC 4.1). Admins only. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { requireDocument } from '../dream/body.js';
import { el } from '../dream/document.js';
import { parseIntegerId } from '../dream/path-id.js';
import { sendDocument } from '../dream/reply.js';
import { DekiError } from '../errors.js';
import type { Stages } from '../auth/stages.js';
import { assertTokenAllowed, createToken } from './create.js';
import { toCreatedDocument, toTokenDocument } from './document.js';
import { readCreateInput, readUpdateInput } from './input.js';
import { deleteToken, findTokenListing, listTokens, updateToken } from './store.js';

type IdParams = { Params: { id: string } };

export function tokenRoutes(ctx: AppContext, stages: Stages) {
  const site = ctx.config.siteUrl;

  async function existing(request: FastifyRequest<IdParams>) {
    const token = await findTokenListing(ctx.db, parseIntegerId(request.params.id));
    if (!token) throw new DekiError('TOKEN_NOT_FOUND');
    return token;
  }

  return async (app: FastifyInstance) => {
    app.addHook('preHandler', stages.requireAdmin);
    app.addHook('preHandler', async (request) => assertTokenAllowed(ctx, request.method === 'POST'));

    app.post('/site/developer-tokens', async (request, reply) => {
      const input = await readCreateInput(ctx.db, requireDocument(request.body, 'developer-token'));
      const { token, secret, jwt } = await createToken(ctx, input, request.principal.user.id);
      reply.header('Cache-Control', 'no-store');
      return sendDocument(request, reply, toCreatedDocument(token, site, secret, jwt));
    });

    app.get('/site/developer-tokens', async (request, reply) => {
      const tokens = await listTokens(ctx.db);
      const doc = el('developer-tokens', { count: String(tokens.length) }, tokens.map((t) => toTokenDocument(t, site)));
      return sendDocument(request, reply, doc);
    });

    app.get<IdParams>('/site/developer-tokens/:id', async (request, reply) => {
      return sendDocument(request, reply, toTokenDocument(await existing(request), site));
    });

    app.put<IdParams>('/site/developer-tokens/:id', async (request, reply) => {
      const token = await existing(request);
      const patch = await readUpdateInput(ctx.db, token.type, requireDocument(request.body, 'developer-token'));
      await updateToken(ctx.db, token.id, patch);
      return sendDocument(request, reply, toTokenDocument((await findTokenListing(ctx.db, token.id))!, site));
    });

    app.delete<IdParams>('/site/developer-tokens/:id', async (request, reply) => {
      const token = await existing(request);
      if (!(await deleteToken(ctx.db, token.id))) throw new DekiError('TOKEN_NOT_FOUND');
      return sendDocument(request, reply, toTokenDocument(token, site));
    });
  };
}
