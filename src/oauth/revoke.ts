/**
 * Token revocation (RFC 7009), `POST .../token/revoke.json` with client authentication. Revoking
 * an access token ends that token; revoking a refresh token ends its whole family, access tokens
 * included (RFC 7009 §2.1). An unknown token is answered 200, as the RFC asks.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import { authenticateClient } from './client-auth.js';
import { formParams, required } from './params.js';
import { sendOAuthJson } from './send.js';
import { findIssuedToken } from './token-state.js';
import { revokeFamily, revokeToken } from './token-store.js';

export function revokeEndpoint(ctx: AppContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const params = formParams(request);
    const app = await authenticateClient(ctx, request, params);
    const token = await findIssuedToken(ctx, required(params, 'token'));
    if (token) {
      if (token.token_id !== app.id) throw new DekiError('OAUTH_TOKEN_NOT_YOURS');
      if (token.kind === 'refresh') await revokeFamily(ctx.changes, token.family_id);
      else await revokeToken(ctx.changes, token.token_hash);
    }
    return sendOAuthJson(reply, {});
  };
}
