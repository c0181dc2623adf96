/**
 * Token introspection (RFC 7662), `POST .../token/introspect.json` with client authentication.
 * A client learns about its own tokens only: anyone else's is `{"active":false}`, like an unknown one.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { authenticateClient } from './client-auth.js';
import { issuer } from './metadata.js';
import { formParams, required } from './params.js';
import { formatScope } from './scopes.js';
import { sendOAuthJson } from './send.js';
import { findIssuedToken, tokenState } from './token-state.js';

export function introspectEndpoint(ctx: AppContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const params = formParams(request);
    const app = await authenticateClient(ctx, request, params);
    const token = await findIssuedToken(ctx, required(params, 'token'));
    const state = await tokenState(ctx, token?.token_id === app.id ? token : undefined);
    if (!state.ok) return sendOAuthJson(reply, { active: false });
    return sendOAuthJson(reply, {
      active: true,
      scope: formatScope(state.scopes),
      client_id: state.token.client_id,
      username: state.user.username,
      sub: String(state.user.id),
      token_type: state.token.kind === 'access' ? 'Bearer' : 'refresh_token',
      exp: Math.floor(state.token.expires_at / 1000),
      iat: Math.floor(state.token.created_at / 1000),
      iss: issuer(ctx),
    });
  };
}
