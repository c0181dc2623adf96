/**
 * Decides what the visitor sees: sign-in for a visitor without a session, the Admin-role notice for
 * a signed-in non-admin, and for an admin one of the two views, tokens or audit log. The heading and
 * the view links stay in place when the view changes, so focus stays on the link just followed.
 */
import { useCallback, useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { getCurrentUser, type User } from '../api';
import { describe } from '../messages';
import { AUDIT_PATH, navigate, returnTarget, SIGN_IN_PATH, signInPath, TOKENS_PATH, USERS_PATH, useLocation } from '../router';
import { AdminRequired } from './AdminRequired';
import { AuditPage } from './AuditPage';
import { Breadcrumbs } from './Breadcrumbs';
import { Header } from './Header';
import { NotFound } from './NotFound';
import { SectionNav } from './SectionNav';
import { SignInPage } from './SignInPage';
import { TokenDetail } from './TokenDetail';
import { TokensPage } from './TokensPage';
import { UserDetail } from './UserDetail';
import { UsersPage } from './UsersPage';

type Session = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; user: User };

/** An admin is active, seated and has the Admin role. The API checks again on every call. */
export function isAdmin(user: User): boolean {
  return user.active && user.seated && user.role === 'Admin';
}

const TITLES = { audit: 'Audit log', users: 'Users', user: 'User', token: 'Token' } as const;

/** Which view an address shows, and the id in it for a user's or a token's own page. */
function viewOf(path: string): { view: 'tokens' | keyof typeof TITLES; id?: number } | undefined {
  if (path === AUDIT_PATH) return { view: 'audit' };
  if (path === USERS_PATH) return { view: 'users' };
  if (path === TOKENS_PATH || path === '/dashboard') return { view: 'tokens' };
  const m = /^(\/dashboard\/integrations\/api-tokens(?:\/users)?)\/(\d{1,15})$/.exec(path);
  return m ? { view: m[1] === USERS_PATH ? 'user' : 'token', id: Number(m[2]) } : undefined;
}

export function App() {
  const url = useLocation();
  const [session, setSession] = useState<Session>({ state: 'loading' });

  const refresh = useCallback(async () => {
    try {
      setSession({ state: 'ready', user: await getCurrentUser() });
    } catch (err) {
      setSession({ state: 'failed', message: describe(err) });
    }
  }, []);

  useEffect(() => void refresh(), [refresh]);
  // Stable, so the token page does not fetch its list again whenever this component re-renders.
  const recheck = useCallback(() => void refresh(), [refresh]);

  const path = url.pathname.replace(/\/+$/, '');
  const where = viewOf(path);
  const view = where?.view;
  const onTokens = view !== undefined;
  const signedIn = session.state === 'ready' && !session.user.anonymous;

  // Redirects happen after render, so the address bar and the page agree.
  useEffect(() => {
    if (session.state !== 'ready') return;
    if (path === '/dashboard') navigate(TOKENS_PATH);
    else if (onTokens && !signedIn) navigate(signInPath(url));
    else if (path === SIGN_IN_PATH && signedIn) navigate(returnTarget(url));
  }, [session, path, onTokens, signedIn, url.href]);

  // Set in the same commit as the view it names, not after the paint: a title that lags its view
  // is read wrong by whatever looks at both (a screen reader's announcement, a test).
  useLayoutEffect(() => {
    document.title = `${view && view !== 'tokens' ? `${TITLES[view]} · ` : ''}API Token Management · Gatehouse`;
  }, [view]);

  if (session.state === 'loading') {
    return (
      <p class="loading" role="status">
        Loading…
      </p>
    );
  }
  if (session.state === 'failed') {
    return (
      <main id="main" class="page narrow">
        <h1>API Token Management</h1>
        <p role="alert" class="error-box">
          {session.message}
        </p>
        <button type="button" class="button" onClick={() => void refresh()}>
          Try again
        </button>
      </main>
    );
  }
  if (path === SIGN_IN_PATH) {
    return signedIn ? null : <SignInPage onSignedIn={refresh} />;
  }
  if (!onTokens) {
    return <NotFound />;
  }
  if (!signedIn) return null;

  const user = session.user;
  return (
    <>
      <Header user={user} onSignedOut={recheck} />
      <Breadcrumbs current={view && view !== 'tokens' ? TITLES[view] : undefined} />
      {isAdmin(user) ? (
        <main id="main" class="page">
          <h1>API Token Management</h1>
          <SectionNav current={view === 'user' ? 'users' : view === 'token' || !view ? 'tokens' : view} />
          {view === 'audit' ? (
            <AuditPage onSessionLost={recheck} />
          ) : view === 'users' ? (
            <UsersPage onSessionLost={recheck} />
          ) : view === 'user' ? (
            <UserDetail key={where?.id} id={where!.id!} me={user} onSessionLost={recheck} />
          ) : view === 'token' ? (
            <TokenDetail key={where?.id} id={where!.id!} onSessionLost={recheck} />
          ) : (
            <TokensPage user={user} onSessionLost={recheck} />
          )}
        </main>
      ) : (
        <AdminRequired user={user} />
      )}
    </>
  );
}
