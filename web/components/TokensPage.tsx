/**
 * The tokens view of API Token Management: the create form, the list, and the one-time
 * "API Token created" dialog.
 * The dialog's data lives here, apart from the list's, so a list refresh or a list error can never
 * unmount it.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type CreatedToken, listTokenPage, type Token, type User } from '../api';
import { localDateTime } from '../format';
import { ApiError, describe } from '../messages';
import { CreatedDialog } from './CreatedDialog';
import { CreateTokenForm } from './CreateTokenForm';
import { type ListQuery, PAGE_SIZE, TokenList } from './TokenList';

type Listing =
  | { state: 'loading' }
  | { state: 'disabled'; message: string }
  | { state: 'failed'; message: string }
  | { state: 'ready'; tokens: Token[]; total: number; query: ListQuery; at: number };

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
  const [query, setQuery] = useState<ListQuery>({ filter: '', state: '', sort: { by: 'created', dir: 'desc' }, page: 1 });
  const [attempt, setAttempt] = useState(0);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);

  // One page from the server per query; a newer query (typing, sorting, paging) cancels the older one.
  useEffect(() => {
    const controller = new AbortController();
    setRefreshing(true);
    listTokenPage(
      {
        limit: PAGE_SIZE,
        offset: (query.page - 1) * PAGE_SIZE,
        sortby: `${query.sort.dir === 'desc' ? '-' : ''}${query.sort.by}`,
        filter: query.filter || undefined,
        state: query.state || undefined,
      },
      controller.signal,
    )
      .then((page) => {
        // The last page emptied (its tokens deleted elsewhere): show the new last page instead.
        const last = Math.max(1, Math.ceil(page.total / PAGE_SIZE));
        if (page.tokens.length === 0 && query.page > last) setQuery((q) => ({ ...q, page: last }));
        else setListing({ state: 'ready', tokens: page.tokens, total: page.total, query, at: Date.now() });
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.code === 'TOKENS_DISABLED') setListing({ state: 'disabled', message: err.message });
        else if (err instanceof ApiError && err.code === 'ADMIN_REQUIRED') onSessionLost();
        else setListing({ state: 'failed', message: describe(err) });
      })
      .finally(() => !controller.signal.aborted && setRefreshing(false));
    return () => controller.abort();
  }, [query, attempt, onSessionLost]);

  function onCreated(result: Created) {
    setCreated(result);
    reload();
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
    reload();
  }

  function onDeleted(token: Token) {
    announce(`Token “${token.name}” deleted. Its signatures${token.jwtIssued ? ' and its JWT' : ''} no longer work.`);
    setFocusList((n) => n + 1);
    reload();
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
        Tokens let integrations use this site's API: <strong>Server</strong> tokens sign requests from a backend, bot or script; <strong>Browser</strong> tokens
        let pages on hosts you name call the API from a browser; <strong>OAuth</strong> apps let people sign in to an integration that then acts as them.
      </p>
      <p role="status" class="notice">
        {notice.text ? <span key={notice.n}>{notice.text}</span> : null}
      </p>
      <CreateTokenForm currentUser={user} onCreated={onCreated} />
      <section class="card" aria-labelledby="token-list-title">
        <div class="section-head">
          <h2 id="token-list-title" ref={listHeading} tabIndex={-1}>
            API tokens
            {listing.state === 'ready' && !listing.query.filter && !listing.query.state ? <span class="count"> ({listing.total})</span> : null}
          </h2>
          {listing.state === 'ready' ? (
            <p class="freshness">
              <span class="muted small">
                Usage as of <time dateTime={new Date(listing.at).toISOString()}>{new Date(listing.at).toLocaleTimeString()}</time>
              </span>{' '}
              <button type="button" class="button secondary small" aria-disabled={refreshing ? true : undefined} onClick={() => !refreshing && reload()}>
                Refresh<span class="visually-hidden"> the token list</span>
              </button>
            </p>
          ) : null}
        </div>
        {listing.state === 'loading' ? <p class="muted">Loading tokens…</p> : null}
        {listing.state === 'failed' ? (
          <div class="error-box" role="alert">
            <p>{listing.message}</p>
            <button type="button" class="button secondary small" onClick={reload}>
              Try again
            </button>
          </div>
        ) : null}
        {listing.state === 'ready' ? (
          <TokenList
            tokens={listing.tokens}
            total={listing.total}
            shown={listing.query}
            query={query}
            onQuery={setQuery}
            busy={refreshing}
            onDeleted={onDeleted}
            onRotated={onCreated}
          />
        ) : null}
      </section>
      {created ? <CreatedDialog created={created} onClosed={onDialogClosed} /> : null}
    </>
  );
}
