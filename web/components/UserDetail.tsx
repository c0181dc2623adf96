/**
 * One user: who they are, their status, seat and role, the tokens that act as them and their open
 * sessions; status, seat and role change through a confirmation that says what the change does to
 * those tokens and sessions. The last active seated admin's demoting controls are refused in words
 * beside them, as the API refuses the change.
 */
import { useState } from 'preact/hooks';
import { changeUser, getUser, listUsers, type User, type UserChange } from '../api';
import { plural } from '../format';
import { describe } from '../messages';
import { followLink, tokenPath, USERS_PATH } from '../router';
import { useLoad } from '../use-load';
import { changeWords, isLastAdmin, ROLES } from '../user-change';
import { ConfirmDialog } from './ConfirmDialog';
import { LoadFailed } from './LoadFailed';
import { Moment } from './Moment';
import { UserStateTags } from './UserStateTags';

interface Props {
  id: number;
  me: User;
  onSessionLost: () => void;
}

export function UserDetail({ id, me, onSessionLost }: Props) {
  const [result, reload] = useLoad(
    async (signal) => {
      const [user, { admins }] = await Promise.all([getUser(id, signal), listUsers('', 0, 0, signal)]);
      return { user, admins };
    },
    [id],
    onSessionLost,
  );
  const [asking, setAsking] = useState<UserChange | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState({ n: 0, text: '' });
  const [role, setRole] = useState<string | undefined>();

  if (result.state === 'loading') return <p class="muted">Loading the user…</p>;
  if (result.state === 'failed') return <LoadFailed message={result.message} onRetry={reload} />;
  const { user, admins } = result.value;
  const last = isLastAdmin(user, admins);
  const chosenRole = role ?? user.role;
  const note = last ? 'last-admin-note' : undefined;

  async function confirm(change: UserChange) {
    setBusy(true);
    setError(undefined);
    try {
      const after = await changeUser(user.id, change);
      const ended = change.active === false && (user.sessions ?? 0) > 0 ? ` ${plural(user.sessions ?? 0, 'session')} ended.` : '';
      setNotice((n) => ({
        n: n.n + 1,
        text: `${changeWords(user, change).confirm}: done.${ended} ${after.username} is now ${after.active ? 'active' : 'inactive'}, ${after.seated ? 'seated' : 'without a seat'}, role ${after.role}.`,
      }));
      setAsking(null);
      setRole(undefined);
      if (after.id === me.id) onSessionLost();
      else reload();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  }

  // A refused control stays focusable and says why (`aria-disabled`, with the note beside it).
  const ask = (change: UserChange, refused: boolean) => () => {
    if (refused) return;
    setError(undefined);
    setAsking(change);
  };
  const words = asking ? changeWords(user, asking) : undefined;
  return (
    <section class="card" aria-labelledby="user-title">
      <p class="small">
        <a href={USERS_PATH} onClick={followLink}>
          All users
        </a>
      </p>
      <h2 id="user-title">
        User {user.username} <span class="count">(#{user.id})</span>
      </h2>
      <p role="status" class="notice">
        {notice.text ? <span key={notice.n}>{notice.text}</span> : null}
      </p>
      <dl class="facts">
        <dt>Full name</dt>
        <dd>{user.fullname || <span class="muted">None</span>}</dd>
        <dt>Email</dt>
        <dd>{user.email || <span class="muted">None</span>}</dd>
        {user.created !== undefined ? (
          <>
            <dt>Created</dt>
            <dd>
              <Moment at={user.created} now={result.at} plain />
            </dd>
          </>
        ) : null}
        <dt>Status and seat</dt>
        <dd>
          <UserStateTags user={user} />
        </dd>
        <dt>Role</dt>
        <dd>{user.role}</dd>
        <dt>Sessions</dt>
        <dd>{plural(user.sessions ?? 0, 'open session')}</dd>
      </dl>
      <h3>Tokens that act as {user.username}</h3>
      {user.tokens?.length ? (
        <ul class="plain-list">
          {user.tokens.map((t) => (
            <li key={t.id}>
              <a href={tokenPath(t.id)} onClick={followLink}>
                {t.name}
              </a>{' '}
              <span class="muted small">{[t.restricted ? 'restricted to them' : '', t.jwt ? 'its JWT acts as them' : ''].filter(Boolean).join('; ')}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">No token is restricted to {user.username}, and no JWT acts as them.</p>
      )}
      <h3>Change</h3>
      {last ? (
        <p id="last-admin-note" class="notice-box">
          {user.username} is the last active seated admin. The API refuses to deactivate them, remove their seat or change their role, so that someone can
          always manage the site. Make another user an admin first.
        </p>
      ) : null}
      <div class="user-controls">
        <button
          type="button"
          class={`button small ${user.active ? 'danger' : ''}`}
          aria-disabled={last && user.active ? true : undefined}
          aria-describedby={user.active ? note : undefined}
          onClick={ask({ active: !user.active }, last && user.active)}
        >
          {user.active ? `Deactivate ${user.username}` : `Reactivate ${user.username}`}
        </button>
        <button
          type="button"
          class={`button small ${user.seated ? 'danger' : ''}`}
          aria-disabled={last && user.seated ? true : undefined}
          aria-describedby={user.seated ? note : undefined}
          onClick={ask({ seated: !user.seated }, last && user.seated)}
        >
          {user.seated ? 'Remove licence seat' : 'Assign licence seat'}
        </button>
        <span class="role-control">
          <label for="user-role">Role</label>{' '}
          <select id="user-role" value={chosenRole} aria-describedby={note} onChange={(e) => setRole(e.currentTarget.value)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>{' '}
          <button
            type="button"
            class="button secondary small"
            aria-disabled={last || chosenRole === user.role ? true : undefined}
            aria-describedby={note}
            onClick={ask({ role: chosenRole }, last || chosenRole === user.role)}
          >
            Change role
          </button>
        </span>
      </div>
      {asking && words ? (
        <ConfirmDialog
          id="user-change"
          title={words.title}
          cancelLabel="Cancel"
          confirmLabel={words.confirm}
          tone={words.tone}
          busy={busy}
          error={error}
          onCancel={() => setAsking(null)}
          onConfirm={() => void confirm(asking)}
        >
          {words.lines.map((line) => (
            <p key={line}>{line}</p>
          ))}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
