/**
 * The Last used cell: when (relative, with the local time under it and UTC on hover), and on
 * demand where from, with which client and as whom.
 */
import type { Token } from '../api';
import { Moment } from './Moment';
import { NotMeasured } from './NotMeasured';

interface Props {
  token: Token;
  now: number;
  /** Usernames the list knows, by id: who the last request acted as. */
  names: ReadonlyMap<number, string>;
}

export function LastUsed({ token, now, names }: Props) {
  const usage = token.usage;
  if (!usage) return <NotMeasured />;
  if (usage.lastUsed === undefined) return <span class="muted">Never</span>;
  const actedAs = usage.lastUserId === undefined ? undefined : (names.get(usage.lastUserId) ?? `user ${usage.lastUserId}`);
  return (
    <>
      <Moment at={usage.lastUsed} now={now} absolute />
      <details class="more">
        <summary>
          Details<span class="visually-hidden"> of the last use of {token.name}</span>
        </summary>
        <dl class="facts compact">
          {usage.lastIp ? (
            <>
              <dt>From</dt>
              <dd>
                <code>{usage.lastIp}</code>
              </dd>
            </>
          ) : null}
          {usage.lastUserAgent ? (
            <>
              <dt>Client</dt>
              <dd class="agent">{usage.lastUserAgent}</dd>
            </>
          ) : null}
          {actedAs ? (
            <>
              <dt>Acted as</dt>
              <dd>{actedAs}</dd>
            </>
          ) : null}
          <dt>UTC</dt>
          <dd>{new Date(usage.lastUsed).toUTCString()}</dd>
        </dl>
      </details>
    </>
  );
}
