/**
 * The Users view: search users on the server (username or full name), a page at a time, with each
 * one's status, licence seat, role, the tokens that act as them and their open sessions. The search
 * and the page live in the address, so a reload or a shared link shows the same users.
 */
import { useEffect, useState } from 'preact/hooks';
import { listUsers } from '../api';
import { plural } from '../format';
import { followLink, navigate, useLocation, userPath, usersPath } from '../router';
import { useLoad } from '../use-load';
import { LoadFailed } from './LoadFailed';
import { Pager } from './Pager';
import { UserStateTags } from './UserStateTags';

export const USERS_PAGE_SIZE = 25;

export function UsersPage({ onSessionLost }: { onSessionLost: () => void }) {
  const url = useLocation();
  const search = url.searchParams.get('q') ?? '';
  const page = Math.max(1, Number(url.searchParams.get('page')) || 1);
  const [draft, setDraft] = useState(search);
  useEffect(() => setDraft(search), [search]);
  const [result, reload] = useLoad((signal) => listUsers(search, (page - 1) * USERS_PAGE_SIZE, USERS_PAGE_SIZE, signal), [search, page], onSessionLost);

  const ready = result.state === 'ready' ? result.value : undefined;
  const pages = ready ? Math.max(1, Math.ceil(ready.total / USERS_PAGE_SIZE)) : 1;
  const first = (page - 1) * USERS_PAGE_SIZE + 1;
  return (
    <section class="card" aria-labelledby="users-title">
      <div class="section-head">
        <h2 id="users-title">Users{ready ? <span class="count"> ({ready.total.toLocaleString('en')})</span> : null}</h2>
        <p class="freshness">
          <button type="button" class="button secondary small" onClick={reload}>
            Refresh<span class="visually-hidden"> the users</span>
          </button>
        </p>
      </div>
      <form
        class="audit-filters"
        role="search"
        aria-label="Search users"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(usersPath(draft.trim(), 1));
        }}
      >
        <div class="field">
          <label for="user-search">Username or full name</label>
          <input id="user-search" type="search" value={draft} autocomplete="off" spellcheck={false} onInput={(e) => setDraft(e.currentTarget.value)} />
        </div>
        <div class="filter-buttons">
          <button type="submit" class="button small">
            Search
          </button>
        </div>
      </form>
      <p role="status" class="filter-status">
        {ready && ready.users.length > 0
          ? `Users ${first.toLocaleString('en')}–${(first + ready.users.length - 1).toLocaleString('en')} of ${ready.total.toLocaleString('en')}, by username${search ? `, matching “${search}”` : ''}.`
          : ''}
      </p>
      {result.state === 'loading' ? <p class="muted">Loading users…</p> : null}
      {result.state === 'failed' ? <LoadFailed message={result.message} onRetry={reload} /> : null}
      {ready && ready.users.length === 0 ? <p class="empty">{search ? `No user matches “${search}”.` : 'No users on this page.'}</p> : null}
      {ready && ready.users.length > 0 ? (
        <div class="table-wrap">
          <table class="tokens users">
            <caption class="visually-hidden">Users, by username</caption>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Full name</th>
                <th scope="col">Status and seat</th>
                <th scope="col">Role</th>
                <th scope="col">Tokens</th>
                <th scope="col">Sessions</th>
              </tr>
            </thead>
            <tbody>
              {ready.users.map((u) => (
                <tr key={u.id}>
                  <th scope="row" data-label="Username" class="name">
                    <a href={userPath(u.id)} onClick={followLink}>
                      {u.username}
                    </a>
                  </th>
                  <td data-label="Full name">{u.fullname || <span class="muted">None</span>}</td>
                  <td data-label="Status and seat">
                    <UserStateTags user={u} />
                  </td>
                  <td data-label="Role">{u.role}</td>
                  <td data-label="Tokens">{u.tokens?.length ? u.tokens.map((t) => t.name).join(', ') : <span class="muted">None</span>}</td>
                  <td data-label="Sessions">{plural(u.sessions ?? 0, 'open session')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {ready ? <Pager label="User pages" page={page} pages={pages} onPage={(p) => navigate(usersPath(search, p))} /> : null}
    </section>
  );
}
