/**
 * `redirect_uri`, where the authorization endpoint sends a code. An app that has registered redirect
 * URIs gets codes only at one of them, compared as exact strings (RFC 9700 §2.1, RFC 6749 §3.1.2.2),
 * except that a loopback IP URI (`http://127.0.0.1/…`, `http://[::1]/…`) may name any port, as a
 * native app's ephemeral listener does (RFC 8252 §7.3). An app without any falls back to its host
 * patterns (`tokens/host-pattern.ts`): an absolute http(s) URL whose origin matches one.
 * Either way no fragment (RFC 6749 §3.1.2) and no user-info, which only serves to disguise a host.
 */
import { DekiError } from '../errors.js';
import type { TokenRow } from '../store/schema.js';
import { originMatches, storedPatterns } from '../tokens/host-pattern.js';

/** How many redirect URIs an app may register, and how long each may be. */
const MAX_URIS = 20;
const MAX_LENGTH = 2000;

/** An absolute http(s) URL without fragment or user-info, or undefined. */
function readAbsolute(raw: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const ok = (url.protocol === 'https:' || url.protocol === 'http:') && !raw.includes('#') && url.username === '' && url.password === '';
  return ok ? url : undefined;
}

/**
 * Validates a `redirect-uris` value (white-space separated: a URI has no unencoded space). Returns
 * the URIs joined by single spaces, exactly as given otherwise, null when empty, or the first bad one.
 */
export function parseRedirectUris(value: string): { uris: string | null } | { invalid: string } {
  const uris = [...new Set(value.split(/\s+/).filter(Boolean))];
  const invalid = uris.find((u) => u.length > MAX_LENGTH || readAbsolute(u) === undefined);
  if (invalid !== undefined) return { invalid };
  if (uris.length > MAX_URIS) return { invalid: uris[MAX_URIS]! };
  return { uris: uris.length === 0 ? null : uris.join(' ') };
}

/** The registered redirect URIs of an app, as stored. */
export function registeredRedirectUris(app: Pick<TokenRow, 'redirect_uris'>): string[] {
  return (app.redirect_uris ?? '').split(' ').filter(Boolean);
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]']);

function matchesRegistered(registered: string, raw: string, url: URL): boolean {
  if (registered === raw) return true;
  const r = new URL(registered);
  if (r.protocol !== 'http:' || !LOOPBACK.has(r.hostname) || url.protocol !== 'http:' || url.hostname !== r.hostname) return false;
  // Loopback: the same URI but for the port, compared as strings once both ports are dropped.
  const portless = (u: string) => {
    const copy = new URL(u);
    copy.port = '';
    return copy.href;
  };
  return raw === url.href && portless(raw) === portless(registered);
}

/** Returns the URL to redirect to, or throws OAUTH_REDIRECT_URI_UNREGISTERED or OAUTH_REDIRECT_URI_INVALID. */
export function checkRedirectUri(app: TokenRow, raw: string): URL {
  const url = readAbsolute(raw);
  const registered = registeredRedirectUris(app);
  if (registered.length > 0) {
    if (!url || !registered.some((r) => matchesRegistered(r, raw, url))) throw new DekiError('OAUTH_REDIRECT_URI_UNREGISTERED');
    return url;
  }
  if (!url || !originMatches(storedPatterns(app.host), url)) throw new DekiError('OAUTH_REDIRECT_URI_INVALID');
  return url;
}

/** `redirect_uri` with the response parameters added to its query (RFC 6749 §4.1.2). */
export function withParams(redirect: URL, params: Record<string, string | undefined>): string {
  const url = new URL(redirect.href);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(name, value);
  return url.href;
}
