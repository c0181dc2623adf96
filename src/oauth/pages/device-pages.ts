/** Device verification (RFC 8628 §3.3): enter the code the device shows, then approve it; and the result. */
import { type Page, html } from './html.js';

export const DEVICE_PATH = '/@app/auth/1/token/device';

export function deviceCodeEntryPage(view: { error?: string | undefined; userCode?: string | undefined; status?: number }): Page {
  return {
    title: 'Connect a device',
    status: view.status ?? (view.error ? 400 : 200),
    body: html`<h1>Connect a device</h1>
<p>Enter the code your device shows.</p>
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
<form method="get" action="${DEVICE_PATH}">
<label for="user_code">Code</label>
<input type="text" id="user_code" name="user_code" autocomplete="off" autocapitalize="characters" spellcheck="false" required value="${view.userCode ?? ''}">
<button type="submit">Continue</button>
</form>`,
  };
}

export function deviceDonePage(view: { appName: string; approved: boolean }): Page {
  return {
    title: view.approved ? 'Device connected' : 'Device refused',
    body: view.approved
      ? html`<h1>Device connected</h1><p><strong>${view.appName}</strong> can now use your account. Return to your device.</p>`
      : html`<h1>Device refused</h1><p><strong>${view.appName}</strong> was not given access. You can close this page.</p>`,
  };
}
