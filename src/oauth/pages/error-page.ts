/** The page shown when an OAuth request cannot be sent back to the app (unknown client, bad redirect_uri, a stale form). */
import type { DekiError } from '../../errors.js';
import { type Page, html } from './html.js';

export function errorPage(err: DekiError): Page {
  return {
    title: 'Request refused',
    status: err.status,
    body: html`<h1>This request was refused</h1><p class="error" role="alert">${err.message}</p>
<p class="note">If an app sent you here, tell its developer. Nothing was shared with it.</p>`,
  };
}
