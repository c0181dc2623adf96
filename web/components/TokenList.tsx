/**
 * The token list: one page from the server, in the order its column headers choose, narrowed on the
 * server by a filter box (name, key prefix, hosts, restricted user, creator) and a state. Typing is
 * debounced, and each new query cancels the one before (TokensPage). Rotating and deleting go
 * through confirmations that name the token and say what happens.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Token } from '../api';
import { lifetime } from '../lifetime';
import { directoryOf } from '../names';
import type { Created } from './TokensPage';
import { DeleteDialog } from './DeleteDialog';
import { Pager } from './Pager';
import { RotateDialog } from './RotateDialog';
import { SortHeader, type Sort } from './SortHeader';
import { TokenRow } from './TokenRow';

/** Relative times ("5 minutes ago") are redrawn this often. */
const TICK_MS = 30_000;
/** Typing pauses this long before the server is asked. */
const DEBOUNCE_MS = 250;
export const PAGE_SIZE = 25;

const SORT_WORDS: Record<Sort['by'], string> = { name: 'by name', created: 'by creation date', lastused: 'by last use' };

/** The states the server filters by, in the words the Status column uses. */
const STATES: [string, string][] = [
  ['', 'All tokens'],
  ['unused', 'Unused'],
  ['expired', 'Expired'],
  ['expiring', 'Expires soon'],
  ['rolled', 'Replaced by a rotation'],
];

export interface ListQuery {
  filter: string;
  state: string;
  sort: Sort;
  page: number;
}

interface Props {
  /** The page the server sent for `shown`. */
  tokens: Token[];
  total: number;
  shown: ListQuery;
  /** The query asked for; it differs from `shown` while its page is on the way. */
  query: ListQuery;
  onQuery: (query: ListQuery) => void;
  busy: boolean;
  onDeleted: (token: Token) => void;
  onRotated: (created: Created) => void;
}

function summary(q: ListQuery, count: number, total: number): string {
  const first = (q.page - 1) * PAGE_SIZE + 1;
  const range = count === 0 ? '' : ` Showing ${first}–${first + count - 1}.`;
  const one = total === 1;
  const state = STATES.find(([v]) => v === q.state)?.[1].toLowerCase();
  const what = [q.filter ? `${one ? 'matches' : 'match'} “${q.filter}”` : '', q.state ? `${one ? 'is' : 'are'} ${state}` : ''].filter(Boolean).join(' and ');
  return `${total} ${one ? 'token' : 'tokens'}${what ? ` ${what}` : ''}.${range}`;
}

export function TokenList({ tokens, total, shown, query, onQuery, busy, onDeleted, onRotated }: Props) {
  const [text, setText] = useState(query.filter);
  const [deleting, setDeleting] = useState<Token | null>(null);
  const [rotating, setRotating] = useState<Token | null>(null);
  const [now, setNow] = useState(Date.now);

  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, [tokens]);

  useEffect(() => {
    // One or two characters would make the server scan every token: the filter starts at three.
    const typed = text.trim();
    const filter = [...typed].length >= 3 ? typed : '';
    if (filter === query.filter) return;
    const timer = setTimeout(() => onQuery({ ...query, filter, page: 1 }), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, query, onQuery]);

  const names = useMemo(() => directoryOf(tokens).users, [tokens]);
  const byId = useMemo(() => new Map(tokens.map((t) => [t.id, t])), [tokens]);
  // The replacement's key, when it is on this page too.
  const replacedBy = useMemo(() => {
    const map = new Map<number, Token>();
    for (const t of tokens) if (t.rolledFrom !== undefined) map.set(t.rolledFrom, t);
    return map;
  }, [tokens]);
  const nameCounts = useMemo(() => {
    const map = new Map<string, number>();
    for (const t of tokens) map.set(t.name, (map.get(t.name) ?? 0) + 1);
    return map;
  }, [tokens]);
  const rows = useMemo(() => tokens.map((token) => ({ token, life: lifetime(token, now, token.replacedBy !== undefined) })), [tokens, now]);
  // Headers and caption describe the rows shown; a new order is announced once its rows arrive.
  const sort = shown.sort;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

  if (total === 0 && !shown.filter && !shown.state) {
    return (
      <div class="empty">
        <p>No API tokens yet.</p>
        <p class="muted">
          Create one above: a <strong>Server</strong> token for a backend, bot or script, a <strong>Browser</strong> token for pages on your own hosts, or an{' '}
          <strong>OAuth</strong> app that people sign in to.
        </p>
      </div>
    );
  }

  return (
    <>
      <div class="list-controls">
        <div class="field filter">
          <label for="token-filter">Filter tokens</label>
          <input
            id="token-filter"
            type="search"
            value={text}
            autocomplete="off"
            aria-describedby="token-filter-hint"
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <p id="token-filter-hint" class="hint">
            From 3 characters: matches name, key prefix, hosts, restricted user and creator.
          </p>
        </div>
        <div class="field">
          <label for="token-state">Show</label>
          <select id="token-state" value={query.state} onChange={(e) => onQuery({ ...query, state: e.currentTarget.value, page: 1 })}>
            {STATES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p role="status" class="filter-status" aria-busy={busy ? true : undefined}>
        {summary(shown, tokens.length, total)}
      </p>
      {tokens.length === 0 ? (
        <p class="empty">
          {shown.filter ? `No token matches “${shown.filter}”.` : shown.state ? 'No token is in that state.' : `No tokens on page ${shown.page}.`}
        </p>
      ) : (
        <div class="table-wrap">
          <table class="tokens">
            <caption class="visually-hidden">
              API tokens, {SORT_WORDS[sort.by]}, {sort.dir === 'asc' ? 'ascending' : 'descending'}
            </caption>
            <thead>
              <tr>
                <SortHeader column="name" label="Name" sort={sort} onSort={(next) => onQuery({ ...query, sort: next, page: 1 })} />
                <th scope="col">Type</th>
                <th scope="col">Key</th>
                <th scope="col">Restricted to / hosts</th>
                <SortHeader column="created" label="Created" sort={sort} onSort={(next) => onQuery({ ...query, sort: next, page: 1 })} />
                <SortHeader column="lastused" label="Last used" sort={sort} onSort={(next) => onQuery({ ...query, sort: next, page: 1 })} />
                <th scope="col">Requests</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ token, life }) => (
                <TokenRow
                  key={token.id}
                  token={token}
                  jwtUser={token.jwtUserId === undefined ? undefined : names.get(token.jwtUserId)}
                  names={names}
                  life={life}
                  now={now}
                  replacedBy={replacedBy.get(token.id)}
                  replaces={token.rolledFrom === undefined ? undefined : byId.get(token.rolledFrom)}
                  sameName={(nameCounts.get(token.name) ?? 0) > 1}
                  onRotate={() => setRotating(token)}
                  onDelete={() => setDeleting(token)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Token list pages" page={shown.page} pages={pages} onPage={(page) => onQuery({ ...query, page })} />
      {deleting ? (
        <DeleteDialog
          token={deleting}
          onCancel={() => setDeleting(null)}
          onDeleted={() => {
            setDeleting(null);
            onDeleted(deleting);
          }}
        />
      ) : null}
      {rotating ? (
        <RotateDialog
          token={rotating}
          actsAs={rotating.jwtUserId === undefined ? undefined : names.get(rotating.jwtUserId)}
          onCancel={() => setRotating(null)}
          onRotated={(created) => {
            setRotating(null);
            onRotated(created);
          }}
        />
      ) : null}
    </>
  );
}
