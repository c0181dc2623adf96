/** The user document, through an allow-list: no password hash can leave by accident. */
import { el, textEl, textElWithAttrs } from '../dream/document.js';
import { rfc1123 } from '../dream/reply.js';
import type { UserRow } from '../store/schema.js';
import { extrasElements, type UserExtras } from './extras.js';
import { ADMIN_ID, ANONYMOUS_ID } from './store.js';

export function userHref(siteUrl: string, id: number): string {
  return `${siteUrl}/@api/deki/users/${id}`;
}

/** `showEmail` is for admins and the user themself only; `extras` (sessions, dependent tokens) for admins. */
export function toUserDocument(user: UserRow, siteUrl: string, showEmail: boolean, extras?: UserExtras) {
  const x = extras ? extrasElements(extras, siteUrl) : undefined;
  return el('user', { id: String(user.id), href: userHref(siteUrl, user.id), anonymous: String(user.id === ANONYMOUS_ID) }, [
    textEl('date.created', rfc1123(user.created_at)),
    x?.tokens,
    showEmail ? textEl('email', user.email) : undefined,
    textEl('fullname', user.fullname),
    textElWithAttrs('license.seat', { owner: String(user.id === ADMIN_ID) }, String(user.seat === 1)),
    textEl('nick', user.username),
    el('permissions.user', {}, [textEl('role', user.role)]),
    x?.sessions,
    textEl('status', user.status),
    textEl('username', user.username),
  ]);
}
