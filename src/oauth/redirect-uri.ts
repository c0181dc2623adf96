/**
 * `redirect_uri`: an absolute http(s) URL whose hostname matches the app's host
 * patterns (`tokens/host-pattern.ts`; scheme and port are not part of a pattern). No fragment
 * (RFC 6749 §3.1.2) and no user-info, which only serves to disguise a host.
 */
import { DekiError } from '../errors.js';
import type { TokenRow } from '../store/schema.js';
import { originMatches, storedPatterns } from '../tokens/host-pattern.js';

/** Returns the URL to redirect to, or throws OAUTH_REDIRECT_URI_INVALID. */
export function checkRedirectUri(app: TokenRow, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DekiError('OAUTH_REDIRECT_URI_INVALID');
  }
  const ok =
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    url.hash === '' &&
    !raw.includes('#') &&
    url.username === '' &&
    url.password === '' &&
    originMatches(storedPatterns(app.host), url);
  if (!ok) throw new DekiError('OAUTH_REDIRECT_URI_INVALID');
  return url;
}

/** `redirect_uri` with the response parameters added to its query (RFC 6749 §4.1.2). */
export function withParams(redirect: URL, params: Record<string, string | undefined>): string {
  const url = new URL(redirect.href);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(name, value);
  return url.href;
}
