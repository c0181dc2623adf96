/**
 * OAuth errors on the wire. Codes, statuses and messages live in the one registry (`errors.ts`);
 * this file adds each code's RFC `error` name, and renders `{error, error_description}` (RFC 6749
 * §5.2) for the JSON endpoints or the query of a redirect (§4.1.2.1).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toDekiError } from '../dream/to-deki-error.js';
import { DekiError, ERROR_CODE_HEADER, type ErrorCode } from '../errors.js';
import { sendOAuthJson } from './send.js';

type RfcError =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'login_required'
  | 'consent_required'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'temporarily_unavailable'
  | 'server_error';

const RFC_ERROR: Partial<Record<ErrorCode, RfcError>> = {
  OAUTH_CLIENT_INVALID: 'invalid_client',
  OAUTH_GRANT_TYPE_UNSUPPORTED: 'unsupported_grant_type',
  OAUTH_RESPONSE_TYPE_UNSUPPORTED: 'unsupported_response_type',
  OAUTH_SCOPE_INVALID: 'invalid_scope',
  OAUTH_SCOPE_WIDENED: 'invalid_scope',
  OAUTH_ACCESS_DENIED: 'access_denied',
  OAUTH_DEVICE_DENIED: 'access_denied',
  OAUTH_LOGIN_REQUIRED: 'login_required',
  OAUTH_CONSENT_REQUIRED: 'consent_required',
  OAUTH_CODE_INVALID: 'invalid_grant',
  OAUTH_CODE_REDIRECT_MISMATCH: 'invalid_grant',
  OAUTH_PKCE_VERIFIER_INVALID: 'invalid_grant',
  OAUTH_PKCE_VERIFIER_UNEXPECTED: 'invalid_grant',
  OAUTH_REFRESH_INVALID: 'invalid_grant',
  OAUTH_REFRESH_REUSED: 'invalid_grant',
  OAUTH_GRANT_USER_INVALID: 'invalid_grant',
  OAUTH_DEVICE_CODE_INVALID: 'invalid_grant',
  OAUTH_DEVICE_PENDING: 'authorization_pending',
  OAUTH_DEVICE_SLOW_DOWN: 'slow_down',
  OAUTH_DEVICE_EXPIRED: 'expired_token',
  STORE_UNAVAILABLE: 'temporarily_unavailable',
  INTERNAL: 'server_error',
};

/** OAuth requests are forms: a body the wire layer could not take is one that was not a form. */
const NOT_A_FORM: readonly ErrorCode[] = ['BODY_NOT_DOCUMENT', 'BAD_REQUEST_BODY'];

/** The RFC `error` name of a registry code; anything unlisted is the client's malformed request. */
function rfcError(code: ErrorCode): RfcError {
  return RFC_ERROR[code] ?? 'invalid_request';
}

/** The site's error as OAuth parameters for a redirect back to the client. */
export function errorParams(err: DekiError): Record<string, string> {
  return { error: rfcError(err.code), error_description: err.message };
}

/** Whatever was thrown, as the registry error an OAuth client sees; what it must not see goes to the log. */
export function asDekiError(err: unknown, request: FastifyRequest, bodyLimit: number): DekiError {
  const deki = toDekiError(err, { bodyLimit });
  if (deki.status >= 500) request.log.error({ err }, deki.code === 'INTERNAL' ? 'unhandled error' : deki.message);
  return NOT_A_FORM.includes(deki.code) ? new DekiError('OAUTH_BODY_NOT_FORM') : deki;
}

/**
 * Whether the client asked for RFC 8628's device-flow errors with `?errors=rfc8628` on the
 * token endpoint's URL (the URL RFC 8414 metadata advertises): 400 `authorization_pending` instead
 * of Expert's 428, and `slow_down` enforced.
 */
export function wantsRfc8628(request: FastifyRequest): boolean {
  return (request.query as Record<string, string | undefined>).errors === 'rfc8628';
}

/** Error handler for the JSON endpoints (access.json, device.json, introspect.json, revoke.json). */
export function sendOAuthError(err: unknown, request: FastifyRequest, reply: FastifyReply, bodyLimit: number): FastifyReply {
  const deki = asDekiError(err, request, bodyLimit);
  reply.header(ERROR_CODE_HEADER, deki.code);
  if (deki.retryAfter !== undefined) reply.header('Retry-After', String(deki.retryAfter));
  if (deki.code === 'OAUTH_CLIENT_INVALID') reply.header('WWW-Authenticate', 'Basic realm="OAuth client", charset="UTF-8"');
  // Expert answers a pending device poll with 428; a client that asks for RFC 8628 gets its 400.
  const standard = deki.code === 'OAUTH_DEVICE_PENDING' && wantsRfc8628(request);
  return sendOAuthJson(reply, errorParams(deki), standard ? 400 : deki.status);
}
