/**
 * `users/{id}/authorizations`: the apps a user has authorized, and revoking one.
 * `current` is the caller; another user's list is for admins. Revoking deletes the grant with every
 * code and token issued under it, so the app's tokens fail from the next request on.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { el, textEl } from '../dream/document.js';
import { parseIntegerId } from '../dream/path-id.js';
import { rfc1123, sendDocument } from '../dream/reply.js';
import { DekiError } from '../errors.js';
import type { UserRow } from '../store/schema.js';
import { findUserByPathId } from '../users/routes.js';
import { actsAsAdmin } from '../auth/principal.js';
import { ANONYMOUS_ID } from '../users/store.js';
import { type GrantListing, deleteGrant, findGrantListing, listGrants } from './grant-store.js';

type Params = { Params: { id: string; grantId?: string } };

function listHref(siteUrl: string, user: UserRow): string {
  return `${siteUrl}/@api/deki/users/${user.id}/authorizations`;
}

/** One authorization, from an allow-list of fields. */
function toAuthorizationDocument(grant: GrantListing, user: UserRow, siteUrl: string) {
  return el('authorization', { id: String(grant.id), href: `${listHref(siteUrl, user)}/${grant.id}` }, [
    el('app', { id: String(grant.token_id) }, [textEl('client-id', grant.app_key), textEl('name', grant.app_name)]),
    textEl('date.created', rfc1123(grant.created_at)),
    textEl('date.last-issued', rfc1123(grant.last_issued_at)),
    textEl('scope', grant.scope),
    el('user', { id: String(user.id) }, [textEl('username', user.username)]),
  ]);
}

export function authorizationRoutes(ctx: AppContext) {
  async function target(request: FastifyRequest<Params>): Promise<UserRow> {
    const viewer = request.principal.user;
    if (viewer.id === ANONYMOUS_ID) throw new DekiError('OAUTH_AUTHORIZATIONS_ANONYMOUS');
    const user = await findUserByPathId(ctx, request, request.params.id);
    if (user.id !== viewer.id && !actsAsAdmin(request.principal)) throw new DekiError('ADMIN_REQUIRED');
    return user;
  }

  return async (app: FastifyInstance) => {
    app.get<Params>('/users/:id/authorizations', async (request, reply) => {
      const user = await target(request);
      const grants = await listGrants(ctx.db, user.id);
      const doc = el(
        'authorizations',
        { count: String(grants.length), href: listHref(ctx.config.siteUrl, user) },
        grants.map((g) => toAuthorizationDocument(g, user, ctx.config.siteUrl)),
      );
      return sendDocument(request, reply, doc);
    });

    app.delete<Params>('/users/:id/authorizations/:grantId', async (request, reply) => {
      const user = await target(request);
      const grant = await findGrantListing(ctx.db, user.id, parseIntegerId(request.params.grantId ?? ''));
      if (!grant) throw new DekiError('OAUTH_AUTHORIZATION_NOT_FOUND');
      await deleteGrant(ctx.changes, grant.id);
      return sendDocument(request, reply, toAuthorizationDocument(grant, user, ctx.config.siteUrl));
    });
  };
}
