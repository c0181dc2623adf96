/** `site/developer-tokens`: create, list, fetch, change, roll and revoke tokens. Admins only. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { auditFrom } from '../audit/entry.js';
import { bodyText, readText, requireDocument } from '../dream/body.js';
import { el } from '../dream/document.js';
import { parseIntegerId } from '../dream/path-id.js';
import { rfc1123, sendDocument } from '../dream/reply.js';
import type { TokenRow } from '../store/schema.js';
import { DekiError } from '../errors.js';
import type { Stages } from '../auth/stages.js';
import type { UsageRecorder } from '../usage/recorder.js';
import { createToken } from './create.js';
import { toCreatedDocument, toTokenDocument } from './document.js';
import { readCreateInput, readUpdateInput } from './input.js';
import { readTokenListQuery } from './list-query.js';
import { sendAllTokens } from './list-stream.js';
import { pageTokens } from './listing.js';
import { deleteTokenListing, findTokenListing, updateToken } from './store.js';

type IdParams = { Params: { id: string } };
type RollRequest = IdParams & { Querystring: Record<string, string | undefined> };

const DAY = 86_400;

/** The roll's overlap in seconds: `?overlap=` or `<roll><overlap>`; 24 h when absent. */
function readOverlap(request: FastifyRequest<RollRequest>): number {
  const fromBody = bodyText(request.body).trim() === '' ? undefined : readText(requireDocument(request.body, 'roll'), 'overlap');
  const raw = (request.query.overlap ?? fromBody)?.trim();
  if (raw === undefined || raw === '') return DAY;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) > 7 * DAY) throw new DekiError('TOKEN_ROLL_OVERLAP_INVALID');
  return Number(raw);
}

/** What a creation's audit entry says: never the secret, the key or the JWT. */
function createdDetails(t: TokenRow): Record<string, unknown> {
  return {
    name: t.name,
    type: t.type,
    jwt: t.jwt_user_id !== null,
    restrictedUserId: t.restricted_user_id,
    host: t.host,
    redirectUris: t.redirect_uris,
    expires: t.expires_at === null ? null : rfc1123(t.expires_at),
  };
}

export function tokenRoutes(ctx: AppContext, stages: Stages, usage: UsageRecorder) {
  async function existing(request: FastifyRequest<IdParams>) {
    const token = await findTokenListing(ctx.db, parseIntegerId(request.params.id));
    if (!token) throw new DekiError('TOKEN_NOT_FOUND');
    return token;
  }

  return async (app: FastifyInstance) => {
    app.addHook('preHandler', stages.requireAdmin);
    app.addHook('preHandler', stages.requireTokenManagement);

    app.post('/site/developer-tokens', { preHandler: [stages.requireTokenAllowance] }, async (request, reply) => {
      const input = await readCreateInput(ctx.db, requireDocument(request.body, 'developer-token'), ctx.config.now());
      const { token, secret, jwt } = await createToken(ctx, input, request.principal.user.id, {
        audit: (t) => [auditFrom(request, 'token.create', { type: 'token', id: t.id }, createdDetails(t))],
      });
      reply.header('Cache-Control', 'no-store');
      return sendDocument(request, reply, toCreatedDocument(token, ctx.config.siteUrl, secret, jwt));
    });

    app.get<{ Querystring: Record<string, string | undefined> }>('/site/developer-tokens', async (request, reply) => {
      const { filter, page } = readTokenListQuery(request.query);
      const clock = { now: ctx.config.now(), unusedDays: ctx.config.unusedDays };
      if (!page) return sendAllTokens(request, reply, { db: ctx.db, usage, siteUrl: ctx.config.siteUrl }, filter, clock);
      const { tokens, total } = await pageTokens(ctx.db, filter, page, clock);
      const figures = await usage.figures(tokens);
      const docs = tokens.map((t) => toTokenDocument(t, ctx.config.siteUrl, figures.get(t.id)));
      return sendDocument(request, reply, el('developer-tokens', { count: String(tokens.length), querycount: String(total) }, docs));
    });

    app.get<IdParams>('/site/developer-tokens/:id', async (request, reply) => {
      const token = await existing(request);
      return sendDocument(request, reply, toTokenDocument(token, ctx.config.siteUrl, (await usage.figures([token])).get(token.id)));
    });

    app.put<IdParams>('/site/developer-tokens/:id', async (request, reply) => {
      const token = await existing(request);
      const patch = await readUpdateInput(ctx.db, token.type, requireDocument(request.body, 'developer-token'));
      await updateToken(ctx.changes, token.id, patch, auditFrom(request, 'token.update', { type: 'token', id: token.id }, { name: token.name, ...patch }));
      const updated = (await findTokenListing(ctx.db, token.id))!;
      return sendDocument(request, reply, toTokenDocument(updated, ctx.config.siteUrl, (await usage.figures([updated])).get(token.id)));
    });

    // A roll: a new key, secret and (if the old one had one) JWT with the same name, type, hosts and
    // restriction; the old token keeps working for the overlap, then dies. The new token inherits
    // the old one's expiry, so a roll never turns an expiring token into a permanent one.
    app.post<RollRequest>('/site/developer-tokens/:id/roll', async (request, reply) => {
      const old = await existing(request);
      const now = ctx.config.now();
      if (old.expires_at !== null && old.expires_at <= now) throw new DekiError('TOKEN_ROLL_EXPIRED');
      const overlap = readOverlap(request);
      const retireAt = Math.min(old.expires_at ?? Infinity, now + overlap * 1000);
      const input = {
        type: old.type,
        name: old.name,
        host: old.host,
        restrictedUserId: old.restricted_user_id,
        generateJwt: old.jwt_user_id !== null,
        expiresAt: old.expires_at,
        redirectUris: old.redirect_uris,
      };
      const { token, secret, jwt } = await createToken(ctx, input, request.principal.user.id, {
        retire: { id: old.id, at: retireAt },
        jwtUserId: old.jwt_user_id ?? undefined,
        rolledFrom: old.id,
        // Both tokens' histories show the roll: the old one ends, the new one begins.
        audit: (t) => [
          auditFrom(
            request,
            'token.roll',
            { type: 'token', id: old.id },
            { name: old.name, newTokenId: t.id, overlapSeconds: overlap, oldExpires: rfc1123(retireAt) },
          ),
          auditFrom(request, 'token.create', { type: 'token', id: t.id }, { ...createdDetails(t), rolledFrom: old.id }),
        ],
      });
      reply.header('Cache-Control', 'no-store');
      return sendDocument(request, reply, toCreatedDocument(token, ctx.config.siteUrl, secret, jwt));
    });

    app.delete<IdParams>('/site/developer-tokens/:id', async (request, reply) => {
      const id = parseIntegerId(request.params.id);
      const token = await deleteTokenListing(
        ctx.changes,
        ctx.db,
        id,
        (row) => auditFrom(request, 'token.delete', { type: 'token', id: row.id }, { name: row.name, type: row.type }),
        ctx.cache.cachedTokenById(id), // its name, if this node has it: the delete checks it is still the name
      );
      if (!token) throw new DekiError('TOKEN_NOT_FOUND');
      return sendDocument(request, reply, toTokenDocument(token, ctx.config.siteUrl, undefined));
    });
  };
}
