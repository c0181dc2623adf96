/** "Authorized apps": the apps the signed-in user has authorized, each with a Revoke button. */
import { rfc1123 } from '../../dream/reply.js';
import type { GrantListing } from '../grant-store.js';
import { storedScope } from '../scopes.js';
import { type Page, html } from './html.js';

export const APPS_PATH = '/@app/oauth/authorized-apps';

export function authorizedAppsPage(view: { username: string; grants: readonly GrantListing[]; formToken: string; revoked?: string | undefined }): Page {
  const rows = view.grants.map(
    (g) => html`<tr><td>${g.app_name}</td><td>${storedScope(g.scope).join(', ')}</td><td>${rfc1123(g.created_at)}</td><td>${rfc1123(g.last_issued_at)}</td>
<td><form method="post" action="${APPS_PATH}"><input type="hidden" name="grant_id" value="${g.id}"><input type="hidden" name="form_token" value="${view.formToken}">
<button type="submit" class="secondary" aria-label="Revoke ${g.app_name}">Revoke</button></form></td></tr>`,
  );
  return {
    title: 'Authorized apps',
    body: html`<h1>Authorized apps</h1>
<p>Signed in as <strong>${view.username}</strong>. These apps can act as you until you revoke them.</p>
${view.revoked ? html`<p class="note" role="status">Revoked <strong>${view.revoked}</strong>: its tokens no longer work.</p>` : ''}
${
  view.grants.length === 0
    ? html`<p>You have not authorized any apps.</p>`
    : html`<table><caption class="note">Apps with access to your account</caption><thead><tr><th scope="col">App</th><th scope="col">Access</th><th scope="col">Authorized</th><th scope="col">Last token issued</th><th scope="col"><span>Revoke</span></th></tr></thead><tbody>${rows}</tbody></table>`
}`,
  };
}
