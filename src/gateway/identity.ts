/**
 * The identity a gateway passes upstream, as `X-Gatehouse-*` headers: who the request acts as and by
 * which credential. Usernames may hold any Unicode character but a header may not, so the username
 * is percent-encoded (UTF-8) wherever it has `%` or a character outside printable ASCII:
 * `decodeURIComponent` gives it back, and a plain `john@x.com` stays readable.
 */
import type { Principal } from '../auth/principal.js';

export const IDENTITY_HEADERS = [
  'x-gatehouse-user-id',
  'x-gatehouse-username',
  'x-gatehouse-role',
  'x-gatehouse-seated',
  'x-gatehouse-credential',
  'x-gatehouse-token-id',
] as const;

/** Header values that say "this is not ours": any header a client sends with this prefix is dropped. */
export const IDENTITY_PREFIX = 'x-gatehouse-';

export function headerSafeUsername(username: string): string {
  return username.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) => encodeURIComponent(c));
}

/** The developer token that let the request in, if one did: its JWT or signature, OAuth app, or browser key. */
function tokenIdOf(principal: Principal): number | undefined {
  const c = principal.credential;
  if (c.kind === 'jwt' || c.kind === 'server-signature' || c.kind === 'oauth') return c.tokenId;
  return principal.browserTokenId;
}

export function identityHeaders(principal: Principal): Record<string, string> {
  const { user, credential } = principal;
  const headers: Record<string, string> = {
    'x-gatehouse-user-id': String(user.id),
    'x-gatehouse-username': headerSafeUsername(user.username),
    'x-gatehouse-role': user.role,
    'x-gatehouse-seated': user.seat === 1 ? 'true' : 'false',
    'x-gatehouse-credential': credential.kind,
  };
  // Present and empty when no developer token was used: Caddy 2.6's copy_headers would otherwise
  // pass its own placeholder text upstream. nginx and the built-in proxy send no empty header.
  headers['x-gatehouse-token-id'] = String(tokenIdOf(principal) ?? '');
  return headers;
}
