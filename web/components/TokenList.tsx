/**
 * The token list: newest first, sortable by name, creation and last use, narrowed by a filter box
 * that matches name, type, key prefix, user, hosts and states such as "unused" or "expired".
 * Rotating and deleting go through confirmations that name the token and say what happens.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Token } from '../api';
import { lifetime, stateWords } from '../lifetime';
import { directoryOf } from '../names';
import type { Created } from './TokensPage';
import { DeleteDialog } from './DeleteDialog';
import { RotateDialog } from './RotateDialog';
import { SortHeader, type Sort } from './SortHeader';
import { TokenRow, TYPE_LABEL } from './TokenRow';

/** Relative times ("5 minutes ago") are redrawn this often. */
const TICK_MS = 30_000;

const SORT_WORDS: Record<Sort['by'], string> = { name: 'by name', created: 'by creation date', lastused: 'by last use' };

interface Props {
  tokens: Token[];
  onDeleted: (token: Token) => void;
  onRotated: (created: Created) => void;
}

function compare(sort: Sort) {
  return (a: Token, b: Token): number => {
    let order: number;
    if (sort.by === 'name') order = a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true });
    else if (sort.by === 'lastused') order = (a.usage?.lastUsed ?? -Infinity) - (b.usage?.lastUsed ?? -Infinity) || 0;
    else order = a.created - b.created;
    order ||= a.id - b.id;
    return sort.dir === 'asc' ? order : -order;
  };
}

export function TokenList({ tokens, onDeleted, onRotated }: Props) {
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<Sort>({ by: 'created', dir: 'desc' });
  const [deleting, setDeleting] = useState<Token | null>(null);
  const [rotating, setRotating] = useState<Token | null>(null);
  const [now, setNow] = useState(Date.now);

  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, [tokens]);

  const names = useMemo(() => directoryOf(tokens).users, [tokens]);
  const byId = useMemo(() => new Map(tokens.map((t) => [t.id, t])), [tokens]);
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

  const rows = useMemo(() => tokens.map((token) => ({ token, life: lifetime(token, now, replacedBy.has(token.id)) })), [tokens, now, replacedBy]);
  const needle = filter.trim().toLowerCase();
  const shown = useMemo(() => {
    const matches = ({ token, life }: (typeof rows)[number]) =>
      [token.name, TYPE_LABEL[token.type], token.key.slice(0, 8), token.restrictedUsername ?? '', token.createdBy ?? '', ...token.hosts, ...stateWords(life, token.usage?.unused ?? false)].some(
        (s) => s.toLowerCase().includes(needle),
      );
    const order = compare(sort);
    return rows.filter((row) => !needle || matches(row)).sort((a, b) => order(a.token, b.token));
  }, [rows, needle, sort]);

  if (tokens.length === 0) {
    return (
      <div class="empty">
        <p>No API tokens yet.</p>
        <p class="muted">
          Create one above: a <strong>Server</strong> token for a backend, bot or script, a <strong>Browser</strong> token for pages on your
          own hosts, or an <strong>OAuth</strong> app that people sign in to.
        </p>
      </div>
    );
  }

  return (
    <>
      <div class="field filter">
        <label for="token-filter">Filter tokens</label>
        <input id="token-filter" type="search" value={filter} autocomplete="off" aria-describedby="token-filter-hint" onInput={(e) => setFilter(e.currentTarget.value)} />
        <p id="token-filter-hint" class="hint">
          Matches name, type, key prefix, restricted user, creator and hosts, and states: unused, expired, expires soon, replaced.
        </p>
      </div>
      <p role="status" class="filter-status">
        {needle ? `Showing ${shown.length} of ${tokens.length} tokens.` : ''}
      </p>
      {shown.length === 0 ? (
        <p class="empty">No token matches “{filter.trim()}”.</p>
      ) : (
        <div class="table-wrap">
          <table class="tokens">
            <caption class="visually-hidden">
              API tokens, {SORT_WORDS[sort.by]}, {sort.dir === 'asc' ? 'ascending' : 'descending'}
            </caption>
            <thead>
              <tr>
                <SortHeader column="name" label="Name" sort={sort} onSort={setSort} />
                <th scope="col">Type</th>
                <th scope="col">Key</th>
                <th scope="col">Restricted to / hosts</th>
                <SortHeader column="created" label="Created" sort={sort} onSort={setSort} />
                <SortHeader column="lastused" label="Last used" sort={sort} onSort={setSort} />
                <th scope="col">Requests</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map(({ token, life }) => (
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
