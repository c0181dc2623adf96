/**
 * The token endpoint, `POST .../token/access.json` (RFC 6749 §3.2): authenticates the client,
 * then runs one of three grants. Answers in RFC 6749's JSON, errors included (`oauth-error.ts`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import { authenticateClient } from './client-auth.js';
import { exchangeCode } from './code-grant.js';
import { DEVICE_GRANT, pollDevice } from './device.js';
import { wantsRfc8628 } from './oauth-error.js';
import { formParams, required } from './params.js';
import { refreshTokens } from './refresh-grant.js';
import { sendOAuthJson } from './send.js';

export function tokenEndpoint(ctx: AppContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const params = formParams(request);
    const app = await authenticateClient(ctx, request, params);
    const grantType = required(params, 'grant_type');
    const tokens =
      grantType === 'authorization_code'
        ? await exchangeCode(ctx, app, params)
        : grantType === 'refresh_token'
          ? await refreshTokens(ctx, app, params)
          : grantType === DEVICE_GRANT
            ? await pollDevice(ctx, app, params, wantsRfc8628(request))
            : undefined;
    if (!tokens) throw new DekiError('OAUTH_GRANT_TYPE_UNSUPPORTED');
    return sendOAuthJson(reply, tokens);
  };
}
