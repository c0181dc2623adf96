/**
 * The developer-token document (SPEC 4.1), built from an allow-list (STYLE 9). `secret` and
 * `authorization` exist only in `toCreatedDocument`, used once, by the create response.
 */
import { el, textEl } from '../dream/document.js';
import { rfc1123 } from '../dream/reply.js';
import type { TokenRow } from '../store/schema.js';
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
    textEl('host', token.host),
    textEl('key', token.key),
    textEl('name', token.name),
    textEl('restricted-by-user-id', token.restricted_user_id),
    textEl('secret', secret),
  ]);
}

/** A token as listed and fetched: no secret, no JWT; Gatehouse's own extras say who and whether. */
export function toTokenDocument(token: TokenListing, siteUrl: string) {
  return el('developer-token', attrs(token, siteUrl), [
    textEl('created-by-user-id', token.created_by),
    textEl('created-by-username', token.created_by_username),
    textEl('host', token.host),
    el('jwt', { issued: String(token.jwt_user_id !== null), 'user-id': token.jwt_user_id === null ? undefined : String(token.jwt_user_id) }),
    textEl('key', token.key),
    textEl('name', token.name),
    textEl('restricted-by-user-id', token.restricted_user_id),
    textEl('restricted-by-username', token.restricted_username),
  ]);
}
