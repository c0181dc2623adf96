/**
 * The audit log view: every token, user, sign-in and key change, newest first, with who
 * did it, with which credential, from where, and what changed. Filters and the page number live in
 * the address, so a reload, Back to a shared link, or a link from elsewhere shows the same entries.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type AuditPage as Page, getToken, listAudit } from '../api';
import { actionChoiceLabel, tokenWords } from '../audit-words';
import { type Directory, directoryOf, EMPTY_DIRECTORY } from '../names';
import { ApiError, describe } from '../messages';
import { auditPath, followLink, navigate, readAuditView, useLocation } from '../router';
import { AuditFilters } from './AuditFilters';
import { AuditRow } from './AuditRow';
import { Pager } from './Pager';

export const PAGE_SIZE = 20;

type Result = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; page: Page; at: number };

export function AuditPage({ onSessionLost }: { onSessionLost: () => void }) {
  const url = useLocation();
  const view = readAuditView(url);
  const [result, setResult] = useState<Result>({ state: 'loading' });
  const [names, setNames] = useState<Directory>(EMPTY_DIRECTORY);
  const [attempt, setAttempt] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);
  const key = url.search;

  // Token names, to say "token “Zendesk” (#12)" instead of a bare number: only the tokens this page
  // names, one request each, never the whole list. Not essential: a failure (a deleted token, token
  // management switched off) leaves the number.
  useEffect(() => {
    if (result.state !== 'ready') return;
    const wanted = new Set(result.page.entries.filter((e) => e.targetType === 'token').map((e) => Number(e.targetId)));
    if (view.targetType === 'token' && view.targetId) wanted.add(Number(view.targetId));
    const missing = [...wanted].filter((id) => Number.isInteger(id) && !names.tokens.has(id));
    if (missing.length === 0) return;
    const controller = new AbortController();
    void Promise.allSettled(missing.map((id) => getToken(id, controller.signal))).then((found) => {
      if (controller.signal.aborted) return;
      const tokens = found.flatMap((f) => (f.status === 'fulfilled' ? [f.value] : []));
      if (tokens.length === 0) return;
      setNames((prev) => {
        const more = directoryOf(tokens);
        return { tokens: new Map([...prev.tokens, ...more.tokens]), users: new Map([...prev.users, ...more.users]) };
      });
    });
    return () => controller.abort();
  }, [result]);

  useEffect(() => {
    const controller = new AbortController();
    setResult((prev) => (prev.state === 'ready' ? prev : { state: 'loading' }));
    listAudit(
      {
        limit: PAGE_SIZE,
        offset: ((view.page ?? 1) - 1) * PAGE_SIZE,
        action: view.action,
        actor: view.actor,
        targetType: view.targetType,
        targetId: view.targetId,
      },
      controller.signal,
    )
      .then((page) => setResult({ state: 'ready', page, at: Date.now() }))
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.code === 'ADMIN_REQUIRED') return onSessionLost();
        setResult({ state: 'failed', message: describe(err) });
      });
    return () => controller.abort();
  }, [key, attempt, onSessionLost]);

  // A deleted token is no longer listed, but its create and delete entries carry its name.
  const known = useMemo(() => {
    if (result.state !== 'ready') return names;
    const tokens = new Map(names.tokens);
    for (const e of result.page.entries) {
      const id = Number(e.targetId);
      if (e.targetType === 'token' && e.details.name && !tokens.has(id)) tokens.set(id, { id, name: e.details.name });
    }
    return { ...names, tokens };
  }, [names, result]);

  // A rotation is recorded against the token it replaced: point there from the new token's history.
  const rolledFrom = view.targetType === 'token' ? names.tokens.get(Number(view.targetId))?.rolledFrom : undefined;

  const pages = result.state === 'ready' ? Math.max(1, Math.ceil(result.page.total / PAGE_SIZE)) : 1;
  const page = view.page ?? 1;

  function go(next: Partial<typeof view>) {
    navigate(auditPath({ ...view, ...next }));
  }

  const summary = useMemo(() => {
    if (result.state !== 'ready') return '';
    const { total, entries } = result.page;
    if (total === 0) return '';
    const first = (page - 1) * PAGE_SIZE + 1;
    return entries.length === 0
      ? `No entries on page ${page}: there are ${total}.`
      : `Entries ${first}–${first + entries.length - 1} of ${total}, newest first.`;
  }, [result, page]);

  const scope = [view.action ? `action: ${actionChoiceLabel(view.action) ?? view.action}` : '', view.actor ? `actor: ${view.actor}` : ''].filter(Boolean);

  return (
    <section class="card" aria-labelledby="audit-title">
      <div class="section-head">
        <h2 id="audit-title" ref={heading} tabIndex={-1}>
          Audit log
          {result.state === 'ready' ? <span class="count"> ({result.page.total})</span> : null}
        </h2>
        <p class="freshness">
          {result.state === 'ready' ? (
            <span class="muted small">
              As of <time dateTime={new Date(result.at).toISOString()}>{new Date(result.at).toLocaleTimeString()}</time>
            </span>
          ) : null}{' '}
          <button type="button" class="button secondary small" onClick={() => setAttempt((n) => n + 1)}>
            Refresh<span class="visually-hidden"> the audit log</span>
          </button>
        </p>
      </div>
      <p class="hint">
        Token, user and key changes and every sign-in, attempted or not, with who did it and how. Written with each change, never with a secret.
      </p>
      <AuditFilters value={{ action: view.action ?? '', actor: view.actor ?? '' }} onApply={(f) => go({ ...f, page: 1 })} />
      {view.targetType && view.targetId ? (
        <p class="notice-box scope">
          Only entries about {view.targetType === 'token' ? tokenWords(view.targetId, known) : `${view.targetType} #${view.targetId}`}.{' '}
          {rolledFrom !== undefined ? (
            <>
              It was made by rotating {tokenWords(rolledFrom, known)}, whose entries hold the rotation:{' '}
              <a href={auditPath({ ...view, targetId: String(rolledFrom), page: 1 })} onClick={followLink}>
                show entries about token #{rolledFrom}
              </a>
              .{' '}
            </>
          ) : null}
          <a href={auditPath({ ...view, targetType: undefined, targetId: undefined, page: 1 })} onClick={followLink}>
            Show entries about everything
          </a>
        </p>
      ) : null}
      <p role="status" class="filter-status">
        {summary}
      </p>
      {result.state === 'loading' ? <p class="muted">Loading the audit log…</p> : null}
      {result.state === 'failed' ? (
        <div class="error-box" role="alert">
          <p>{result.message}</p>
          <button type="button" class="button secondary small" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </div>
      ) : null}
      {result.state === 'ready' && result.page.total === 0 ? (
        <p class="empty">
          {scope.length > 0 || view.targetId ? `No entries match these filters${scope.length ? ` (${scope.join(', ')})` : ''}.` : 'No entries yet.'}
        </p>
      ) : null}
      {result.state === 'ready' && result.page.entries.length > 0 ? (
        <div class="table-wrap">
          <table class="tokens audit">
            <caption class="visually-hidden">Audit log entries, newest first{scope.length ? `, ${scope.join(', ')}` : ''}</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Who</th>
                <th scope="col">About</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {result.page.entries.map((entry) => (
                <AuditRow key={entry.id} entry={entry} names={known} now={result.at} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {result.state === 'ready' ? <Pager label="Audit log pages" page={page} pages={pages} onPage={(p) => go({ page: p })} /> : null}
    </section>
  );
}
