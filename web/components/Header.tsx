/**
 * The top bar: a skip link, the product, who is signed in, the apps they authorized (OAuth:
 * a page of its own, outside the dashboard), and sign-out.
 */
import { useState } from 'preact/hooks';
import { signOut, type User } from '../api';
import { describe } from '../messages';

export function Header({ user, onSignedOut }: { user: User; onSignedOut: () => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function leave() {
    setBusy(true);
    setError('');
    try {
      await signOut();
      onSignedOut();
    } catch (err) {
      setError(describe(err));
      setBusy(false);
    }
  }

  return (
    <header class="topbar">
      <a class="skip-link" href="#main">
        Skip to main content
      </a>
      <span class="brand">Gatehouse</span>
      <div class="account">
        <span>
          Signed in as <strong>{user.fullname || user.username}</strong>
          {user.fullname && user.fullname !== user.username ? <span class="muted"> ({user.username})</span> : null}
        </span>
        <a class="topbar-link" href="/@app/oauth/authorized-apps">
          Your authorized apps
        </a>
        <button type="button" class="button secondary small" onClick={() => void leave()} disabled={busy}>
          Sign out
        </button>
      </div>
      {error ? (
        <p role="alert" class="error-box topbar-error">
          {error}
        </p>
      ) : null}
    </header>
  );
}
