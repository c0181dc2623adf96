/** A user's status and licence seat, as tags whose words say what they mean for credentials. */
import type { User } from '../api';

export function UserStateTags({ user }: { user: Pick<User, 'active' | 'seated'> }) {
  return (
    <>
      <span class={`tag ${user.active ? 'ok' : 'danger'}`}>{user.active ? 'Active' : 'Inactive'}</span>{' '}
      <span class={`tag ${user.seated ? 'ok' : 'warn'}`}>{user.seated ? 'Seated' : 'No seat'}</span>
    </>
  );
}
