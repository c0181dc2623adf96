/**
 * Why a token's credentials are refused right now, from the state of the users they act as and
 * from the refusals the server counted, each with a link to where it is fixed.
 */
import type { Token } from '../api';
import { plural } from '../format';
import { followLink, tokenPath, userPath } from '../router';

const REFUSED = '403 “invalid user requesting”';

/** `jwtOnly`: the user is the JWT's alone (not the restricted user), so only the JWT is refused. */
function UserRefusal({ token, id, name, jwtOnly }: { token: Token; id: number; name: string; jwtOnly: boolean }) {
  const state = jwtOnly ? token.jwtUser : token.restrictedUser;
  const jwtIsTheirs = token.jwtIssued && token.jwtUserId === id;
  // Signatures need an active user; a JWT needs an active, seated one.
  if (!state || (state.active && (state.seated || !jwtIsTheirs))) return null;
  const refused = jwtOnly || state.active ? 'Its JWT gets' : jwtIsTheirs ? 'Its signatures and JWT get' : 'Its signatures get';
  return (
    <p class="state">
      <span class="tag danger refusal">
        Refused: {jwtOnly ? 'the JWT’s user' : 'restricted user'} {state.active ? 'has no licence seat' : 'is inactive'}
      </span>{' '}
      <span class="small">
        {refused} {REFUSED}
        {state.active && !jwtOnly ? '; its signatures still work, as an unseated user' : ''}.{' '}
        <a href={userPath(id)} onClick={followLink}>
          {state.active ? `Assign ${name} a licence seat` : `Reactivate ${name}`}
        </a>
      </span>
    </p>
  );
}

export function TokenRefusals({ token, jwtUser }: { token: Token; jwtUser: string | undefined }) {
  const origins = token.usage?.refusals24h['origin-refused'] ?? 0;
  return (
    <>
      {token.restrictedUserId !== undefined ? (
        <UserRefusal token={token} id={token.restrictedUserId} name={token.restrictedUsername ?? `user ${token.restrictedUserId}`} jwtOnly={false} />
      ) : null}
      {token.jwtIssued && token.jwtUserId !== undefined && token.jwtUserId !== token.restrictedUserId ? (
        <UserRefusal token={token} id={token.jwtUserId} name={jwtUser ?? `user ${token.jwtUserId}`} jwtOnly />
      ) : null}
      {token.type === 'browser' && origins > 0 ? (
        <p class="state">
          <span class="tag warn refusal">Refused {plural(origins, 'request')} from origins not allowed in the last 24 h</span>{' '}
          <span class="small">
            If those pages are yours, add their host.{' '}
            <a href={`${tokenPath(token.id)}#hosts`} onClick={followLink}>
              Change the hosts of {token.name}
            </a>
          </span>
        </p>
      ) : null}
    </>
  );
}
