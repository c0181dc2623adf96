/** Username and password, sent once as HTTP Basic to `users/authenticate`; the server sets the cookie. */
import { useRef, useState } from 'preact/hooks';
import { signIn } from '../api';
import { describe } from '../messages';

export function SignInPage({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const username = useRef<HTMLInputElement>(null);
  const password = useRef<HTMLInputElement>(null);

  async function submit(event: Event) {
    event.preventDefault();
    const name = username.current!.value.trim();
    const secret = password.current!.value;
    if (!name || !secret) {
      setError('Enter your username and your password.');
      (name ? password : username).current!.focus();
      return;
    }
    setBusy(true);
    setError('');
    try {
      await signIn(name, secret);
      await onSignedIn();
    } catch (err) {
      setError(describe(err));
      setBusy(false);
      password.current!.select();
      password.current!.focus();
    }
  }

  return (
    <main id="main" class="page sign-in">
      <p class="brand brand-large">Gatehouse</p>
      <h1>Sign in</h1>
      <p class="muted">Sign in as a site admin to manage API tokens.</p>
      <form onSubmit={(e) => void submit(e)} noValidate aria-describedby={error ? 'sign-in-error' : undefined}>
        <div class="field">
          <label for="sign-in-username">Username</label>
          <input ref={username} id="sign-in-username" name="username" autocomplete="username" autocapitalize="none" spellcheck={false} required />
        </div>
        <div class="field">
          <label for="sign-in-password">Password</label>
          <input ref={password} id="sign-in-password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <div role="alert" id="sign-in-error" class={error ? 'error-box' : undefined}>
          {error}
        </div>
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
