/**
 * Where the OAuth endpoints live (under `/@app/auth/{authId}/token/`, authId 1 being
 * Gatehouse's own sign-in), and the RFC 8414 metadata document that lists them, so a standard
 * client library can discover them. The advertised token endpoint carries `?errors=rfc8628`: a
 * client that discovers is a standard client, and gets RFC 8628's device-flow errors.
 */
import type { AppContext } from '../context.js';
import { SCOPES } from './scopes.js';

const AUTH_BASE = '/@app/auth/1';
export const TOKEN_BASE = `${AUTH_BASE}/token`;
export const METADATA_PATH = `/.well-known/oauth-authorization-server${AUTH_BASE}`;

/** The `iss` of this authorization server (RFC 8414 §2, RFC 9207). */
export function issuer(ctx: AppContext): string {
  return ctx.config.siteUrl + AUTH_BASE;
}

export function metadata(ctx: AppContext): Record<string, unknown> {
  const base = ctx.config.siteUrl + TOKEN_BASE;
  const clientAuth = ['client_secret_basic', 'client_secret_post'];
  return {
    issuer: issuer(ctx),
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/access.json?errors=rfc8628`,
    device_authorization_endpoint: `${base}/device.json`,
    revocation_endpoint: `${base}/revoke.json`,
    introspection_endpoint: `${base}/introspect.json`,
    scopes_supported: [...SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: clientAuth,
    revocation_endpoint_auth_methods_supported: clientAuth,
    introspection_endpoint_auth_methods_supported: clientAuth,
    authorization_response_iss_parameter_supported: true,
    prompt_values_supported: ['consent', 'none'],
  };
}
