/**
 * The token list: newest first, sortable by name and by creation, narrowed by a filter box that
 * matches name, type, key prefix, user and hosts. Deleting goes through a confirmation that names
 * the token and says what stops working.
 */
import { useMemo, useState } from 'preact/hooks';
import type { Token } from '../api';
import { DeleteDialog } from './DeleteDialog';
import { SortHeader, type Sort } from './SortHeader';
import { TokenRow, TYPE_LABEL } from './TokenRow';

function matches(token: Token, needle: string): boolean {
  const haystack = [token.name, TYPE_LABEL[token.type], token.key.slice(0, 8), token.restrictedUsername ?? '', token.createdBy ?? '', ...token.hosts];
  return haystack.some((s) => s.toLowerCase().includes(needle));
}

function compare(sort: Sort) {
  return (a: Token, b: Token): number => {
    const order = sort.by === 'name' ? a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true }) || a.id - b.id : a.created - b.created || a.id - b.id;
    return sort.dir === 'asc' ? order : -order;
  };
}

export function TokenList({ tokens, onDeleted }: { tokens: Token[]; onDeleted: (token: Token) => void }) {
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<Sort>({ by: 'created', dir: 'desc' });
  const [deleting, setDeleting] = useState<Token | null>(null);

  const needle = filter.trim().toLowerCase();
  const shown = useMemo(() => tokens.filter((t) => !needle || matches(t, needle)).sort(compare(sort)), [tokens, needle, sort]);
  // The list names restricted users and creators; a JWT's user is always one of them (SPEC 4.4).
  const names = useMemo(() => {
    const map = new Map<number, string>();
    for (const t of tokens) {
      if (t.restrictedUserId !== undefined && t.restrictedUsername) map.set(t.restrictedUserId, t.restrictedUsername);
      if (t.createdById !== undefined && t.createdBy) map.set(t.createdById, t.createdBy);
    }
    return map;
  }, [tokens]);

  if (tokens.length === 0) {
    return (
      <div class="empty">
        <p>No API tokens yet.</p>
        <p class="muted">
          Create one above: a <strong>Server</strong> token for a backend, bot or script, or a <strong>Browser</strong> token for pages on
          your own hosts.
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
          Matches name, type, key prefix, restricted user, creator and hosts.
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
            <caption class="visually-hidden">API tokens, {sort.by === 'name' ? 'by name' : 'by creation date'}, {sort.dir === 'asc' ? 'ascending' : 'descending'}</caption>
            <thead>
              <tr>
                <SortHeader column="name" label="Name" sort={sort} onSort={setSort} />
                <th scope="col">Type</th>
                <th scope="col">Key</th>
                <th scope="col">Restricted to / hosts</th>
                <th scope="col">JWT</th>
                <SortHeader column="created" label="Created" sort={sort} onSort={setSort} />
                <th scope="col">Usage (24 h)</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((token) => (
                <TokenRow key={token.id} token={token} jwtUser={token.jwtUserId === undefined ? undefined : names.get(token.jwtUserId)} onDelete={() => setDeleting(token)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="hint">Usage figures arrive with token monitoring; until then the Usage column shows —.</p>
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
    </>
  );
}
