/** The sign-in form shown when an OAuth page needs a signed-in user (authId 1: Gatehouse's own sign-in). */
import { type Page, html } from './html.js';

export interface SignInView {
  /** The path to come back to after signing in (already checked to be one of ours). */
  readonly returnTo: string;
  readonly formToken: string;
  /** Who is asking, when an app is: "Sign in to continue to <app>". */
  readonly appName?: string | undefined;
  readonly error?: string | undefined;
  readonly username?: string | undefined;
  /** Origins the form's answer may redirect on to (an app's, after an authorization request). */
  readonly formTargets?: readonly string[];
}

const SIGNIN_PATH = '/@app/auth/1/token/signin';

export function signInPage(view: SignInView): Page {
  return {
    title: 'Sign in',
    status: view.error ? 401 : 200,
    formTargets: view.formTargets,
    body: html`<h1>Sign in</h1>
${view.appName ? html`<p>Sign in to continue to <strong>${view.appName}</strong>.</p>` : ''}
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
<form method="post" action="${SIGNIN_PATH}">
<input type="hidden" name="return" value="${view.returnTo}">
<input type="hidden" name="form_token" value="${view.formToken}">
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" required value="${view.username ?? ''}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  };
}
