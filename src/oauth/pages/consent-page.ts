/** The consent page: names the app, the user, where the browser goes next, and what the app may do. */
import type { Scope } from '../scopes.js';
import { SCOPE_WORDS } from '../scopes.js';
import { type Html, type Page, hiddenFields, html } from './html.js';

export interface ConsentView {
  readonly appName: string;
  readonly username: string;
  readonly scopes: readonly Scope[];
  /** True when the app asked for `seated` and the user has no seat to give. */
  readonly seatDropped: boolean;
  readonly formAction: string;
  /** The request's own parameters, sent back with the decision. */
  readonly fields: Iterable<[string, string]>;
  readonly formToken: string;
  /** For the authorization code flow: the host the browser is sent back to. */
  readonly redirectHost?: string | undefined;
  /** For the device flow: the code the device shows. */
  readonly userCode?: string | undefined;
  readonly formTargets?: readonly string[];
}

function scopeList(scopes: readonly Scope[]): Html {
  return html`<ul>${scopes.map((s) => html`<li><strong>${s}</strong>: ${SCOPE_WORDS[s]}</li>`)}</ul>`;
}

export function consentPage(view: ConsentView): Page {
  return {
    title: `Authorize ${view.appName}`,
    formTargets: view.formTargets,
    body: html`<h1>Authorize <span>${view.appName}</span>?</h1>
<p>You are signed in as <strong>${view.username}</strong>.
${view.userCode ? html` A device showing the code <code>${view.userCode}</code> asks to use your account.` : ''}
<strong>${view.appName}</strong> asks to:</p>
${scopeList(view.scopes)}
${view.seatDropped ? html`<p class="note">It also asked to use a licence seat, but you have none: it gets the access above only.</p>` : ''}
${view.redirectHost ? html`<p class="note">After you decide, your browser goes to <strong>${view.redirectHost}</strong>.</p>` : ''}
<p class="note">You can revoke this at any time under <a href="/@app/oauth/authorized-apps">Authorized apps</a>.</p>
<form method="post" action="${view.formAction}">
${hiddenFields(view.fields)}
<input type="hidden" name="form_token" value="${view.formToken}">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`,
  };
}
