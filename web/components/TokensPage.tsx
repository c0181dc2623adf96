/**
 * The tokens view of API Token Management: the create form, the list, and the one-time
 * "API Token created" dialog.
 * The dialog's data lives here, apart from the list's, so a list refresh or a list error can never
 * unmount it.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type CreatedToken, listTokens, type Token, type User } from '../api';
import { localDateTime } from '../format';
import { ApiError, describe } from '../messages';
import { CreatedDialog } from './CreatedDialog';
import { CreateTokenForm } from './CreateTokenForm';
import { TokenList } from './TokenList';

type Listing =
  | { state: 'loading' }
  | { state: 'disabled'; message: string }
  | { state: 'failed'; message: string }
  | { state: 'ready'; tokens: Token[]; at: number };

export interface Created {
  token: CreatedToken;
  /** Who the JWT acts as, when one was issued. */
  actsAs: string | undefined;
  /** Set when the token comes from rotating another: that token, and when its credentials stop working. */
  rotated?: { name: string; key: string; until: number };
}

export function TokensPage({ user, onSessionLost }: { user: User; onSessionLost: () => void }) {
  const [listing, setListing] = useState<Listing>({ state: 'loading' });
  const [created, setCreated] = useState<Created | null>(null);
  const [notice, setNotice] = useState({ n: 0, text: '' });
  const listHeading = useRef<HTMLHeadingElement>(null);
  // Focus moves to the list after a dialog closes, once the dialog is gone: while a modal is open the
  // list is inert, and closing a dialog hands focus back to whatever opened it.
  const [focusList, setFocusList] = useState(0);
  useEffect(() => {
    if (focusList > 0) listHeading.current?.focus();
  }, [focusList]);

  const announce = useCallback((text: string) => setNotice((prev) => ({ n: prev.n + 1, text })), []);

  const [refreshing, setRefreshing] = useState(false);

  const reload = useCallback(async () => {
    setRefreshing(true);
    try {
      setListing({ state: 'ready', tokens: await listTokens(), at: Date.now() });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'TOKENS_DISABLED') setListing({ state: 'disabled', message: err.message });
      else if (err instanceof ApiError && err.code === 'ADMIN_REQUIRED') onSessionLost();
      else setListing({ state: 'failed', message: describe(err) });
    } finally {
      setRefreshing(false);
    }
  }, [onSessionLost]);

  useEffect(() => void reload(), [reload]);

  function onCreated(result: Created) {
    setCreated(result);
    void reload();
  }

  function onDialogClosed() {
    const name = created?.token.name ?? '';
    const rotated = created?.rotated;
    // Drop the only reference to the secret and the JWT: nothing rendered after this holds them.
    setCreated(null);
    announce(
      rotated
        ? `Token “${name}” rotated. ${rotated.until <= Date.now() ? 'The old key no longer works' : `The old key works until ${localDateTime(rotated.until)}`}; the new one is listed below. Its secret and JWT are not kept by this page.`
        : `Token “${name}” created. It is listed below; its secret and JWT are not kept by this page.`,
    );
    setFocusList((n) => n + 1);
    // The admin may have tried the new credentials while the dialog was open: show that use too.
    void reload();
  }

  function onDeleted(token: Token) {
    announce(`Token “${token.name}” deleted. Its signatures${token.jwtIssued ? ' and its JWT' : ''} no longer work.`);
    setFocusList((n) => n + 1);
    void reload();
  }

  if (listing.state === 'disabled') {
    return (
      <div class="notice-box" role="alert">
        <h2>API token management is not enabled</h2>
        <p>{listing.message}</p>
        <p>
          The operator enables it by starting Gatehouse with <code>GATEHOUSE_TOKEN_MANAGEMENT=on</code>.
        </p>
      </div>
    );
  }

  return (
    <>
      <p class="lead">
        Tokens let integrations use this site's API: <strong>Server</strong> tokens sign requests from a backend, bot or script;{' '}
        <strong>Browser</strong> tokens let pages on hosts you name call the API from a browser; <strong>OAuth</strong> apps let people
        sign in to an integration that then acts as them.
      </p>
      <p role="status" class="notice">
        {notice.text ? <span key={notice.n}>{notice.text}</span> : null}
      </p>
      <CreateTokenForm currentUser={user} onCreated={onCreated} />
      <section class="card" aria-labelledby="token-list-title">
        <div class="section-head">
          <h2 id="token-list-title" ref={listHeading} tabIndex={-1}>
            API tokens
            {listing.state === 'ready' ? <span class="count"> ({listing.tokens.length})</span> : null}
          </h2>
          {listing.state === 'ready' ? (
            <p class="freshness">
              <span class="muted small">
                Usage as of <time dateTime={new Date(listing.at).toISOString()}>{new Date(listing.at).toLocaleTimeString()}</time>
              </span>{' '}
              <button type="button" class="button secondary small" aria-disabled={refreshing ? true : undefined} onClick={() => !refreshing && void reload()}>
                Refresh<span class="visually-hidden"> the token list</span>
              </button>
            </p>
          ) : null}
        </div>
        {listing.state === 'loading' ? <p class="muted">Loading tokens…</p> : null}
        {listing.state === 'failed' ? (
          <div class="error-box" role="alert">
            <p>{listing.message}</p>
            <button type="button" class="button secondary small" onClick={() => void reload()}>
              Try again
            </button>
          </div>
        ) : null}
        {listing.state === 'ready' ? <TokenList tokens={listing.tokens} onDeleted={onDeleted} onRotated={onCreated} /> : null}
      </section>
      {created ? <CreatedDialog created={created} onClosed={onDialogClosed} /> : null}
    </>
  );
}
