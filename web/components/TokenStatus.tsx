/**
 * The Status cell: expiry, the end of a roll's overlap, and disuse, each in words with what to do
 * about it (badges whose text carries the action).
 */
import type { Token } from '../api';
import { keyPrefix, wholeDays } from '../format';
import type { Lifetime } from '../lifetime';
import { followLink, tokenPath } from '../router';
import { Moment } from './Moment';
import { TokenRefusals } from './TokenRefusals';

interface Props {
  token: Token;
  life: Lifetime;
  now: number;
  /** The token a roll made from this one, while it is listed. */
  replacedBy: Token | undefined;
  /** The token this one replaced, while it is listed. */
  replaces: Token | undefined;
  /** The name of the user the JWT acts as, when known. */
  jwtUser?: string | undefined;
}

/** "key 92657a90…", linking to the token's own page. */
function KeyLink({ token }: { token: Token }) {
  return (
    <a href={tokenPath(token.id)} onClick={followLink}>
      key {keyPrefix(token.key)}
    </a>
  );
}

function Disuse({ token, now }: { token: Token; now: number }) {
  const lastUsed = token.usage?.lastUsed;
  const words =
    lastUsed === undefined ? `Never used in the ${wholeDays(token.created, now)} days since it was created.` : `Not used for ${wholeDays(lastUsed, now)} days.`;
  return (
    <p class="state">
      <span class="tag warn">Unused</span> <span class="small">{words} Delete it if nothing needs it.</span>
    </p>
  );
}

export function TokenStatus({ token, life, now, replacedBy, replaces, jwtUser }: Props) {
  return (
    <div class="status">
      {life.state !== 'expired' ? <TokenRefusals token={token} jwtUser={jwtUser} /> : null}
      {life.state === 'expired' ? (
        <p class="state">
          <span class="tag danger">Expired</span>{' '}
          <span class="small">
            Stopped working <Moment at={life.at} now={now} />.{' '}
            {replacedBy ? (
              <>
                Replaced by <KeyLink token={replacedBy} /> (rolled).
              </>
            ) : (
              'Its credentials are refused: delete it, or create a new token.'
            )}
          </span>
        </p>
      ) : life.state === 'retiring' ? (
        <p class="state">
          <span class="tag warn">Replaced</span>{' '}
          <span class="small">
            Stops working <Moment at={life.at} now={now} absolute />
            {replacedBy ? (
              <>
                Replaced by <KeyLink token={replacedBy} /> (rolled).
              </>
            ) : (
              'A rotation replaced it.'
            )}
          </span>
        </p>
      ) : life.state === 'soon' ? (
        <p class="state">
          <span class="tag warn">Expires soon</span>{' '}
          <span class="small">
            Stops working <Moment at={life.at} now={now} absolute />
            Create a new token before then if it is still needed.
          </span>
        </p>
      ) : life.state === 'later' ? (
        <p class="state small">
          Expires <Moment at={life.at} now={now} absolute />
        </p>
      ) : (
        <p class="state small muted">No expiry</p>
      )}
      {token.usage?.unused && life.state !== 'expired' ? <Disuse token={token} now={now} /> : null}
      {replaces ? (
        <p class="state small muted">
          Replaces <KeyLink token={replaces} />
        </p>
      ) : null}
    </div>
  );
}
