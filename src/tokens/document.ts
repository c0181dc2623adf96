/**
 * The developer-token document, built from an allow-list. `secret` and
 * `authorization` exist only in `toCreatedDocument`, used once, by the create response.
 */
import { el, textEl } from '../dream/document.js';
import { rfc1123 } from '../dream/reply.js';
import type { TokenRow } from '../store/schema.js';
import { FAILURE_REASONS } from '../usage/failure-reason.js';
import type { UsageFigures } from '../usage/recorder.js';
import type { TokenListing } from './store.js';

export function tokenHref(siteUrl: string, id: number): string {
  return `${siteUrl}/@api/deki/site/developer-tokens/${id}`;
}

function attrs(token: TokenRow, siteUrl: string) {
  return { id: String(token.id), type: token.type, date: rfc1123(token.created_at), href: tokenHref(siteUrl, token.id) };
}

/** The create response: exactly the seed's fields, with the secret and JWT shown this once. */
export function toCreatedDocument(token: TokenRow, siteUrl: string, secret: string | undefined, jwt: string | undefined) {
  return el('developer-token', attrs(token, siteUrl), [
    textEl('authorization', jwt ? `Bearer ${jwt}` : undefined),
    textEl('date.expires', token.expires_at === null ? undefined : rfc1123(token.expires_at)),
    textEl('host', token.host),
    textEl('key', token.key),
    textEl('name', token.name),
    textEl('redirect-uris', token.redirect_uris),
    textEl('restricted-by-user-id', token.restricted_user_id),
    textEl('secret', secret),
  ]);
}

function usageElement(u: UsageFigures) {
  return el('usage', { unused: String(u.unused) }, [
    textEl('clients.30d', u.clients30d),
    textEl('failures.30d', u.failures30d),
    textEl('last.ip', u.lastIp),
    textEl('last.user-agent', u.lastUserAgent),
    textEl('last.user-id', u.lastUserId),
    // Only the reasons that happened: `<refusals.24h origin-refused="3"/>`.
    u.refusals24h.some((n) => n > 0)
      ? el('refusals.24h', Object.fromEntries(FAILURE_REASONS.map((r, i) => [r, u.refusals24h[i] ? String(u.refusals24h[i]) : undefined])))
      : undefined,
    textEl('requests.24h', u.requests24h),
    textEl('requests.30d', u.requests30d),
  ]);
}

/**
 * A token as listed and fetched: no secret, no JWT. Gatehouse's own extras say who made it,
 * whether a JWT exists, when it expires, what it replaced, and how it is used.
 */
export function toTokenDocument(token: TokenListing, siteUrl: string, usage: UsageFigures | undefined) {
  return el('developer-token', attrs(token, siteUrl), [
    textEl('created-by-user-id', token.created_by),
    textEl('created-by-username', token.created_by_username),
    textEl('date.expires', token.expires_at === null ? undefined : rfc1123(token.expires_at)),
    textEl('date.lastused', usage?.lastUsedAt === undefined ? undefined : rfc1123(usage.lastUsedAt)),
    textEl('host', token.host),
    el('jwt', {
      issued: String(token.jwt_user_id !== null),
      'user-id': token.jwt_user_id === null ? undefined : String(token.jwt_user_id),
      'user-status': token.jwt_user_status ?? undefined,
      'user-seat': token.jwt_user_seat === null ? undefined : String(token.jwt_user_seat === 1),
    }),
    textEl('key', token.key),
    textEl('name', token.name),
    textEl('redirect-uris', token.redirect_uris),
    textEl('replaced-by', token.replaced_by),
    textEl('restricted-by-user-id', token.restricted_user_id),
    textEl('restricted-by-user-seat', token.restricted_seat === null ? undefined : String(token.restricted_seat === 1)),
    textEl('restricted-by-user-status', token.restricted_status),
    textEl('restricted-by-username', token.restricted_username),
    textEl('rolled-from', token.rolled_from),
    usage ? usageElement(usage) : undefined,
  ]);
}
