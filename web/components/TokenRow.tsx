/** One token in the list. The key shows its first 8 hex; the whole key is one press away. */
import { useState } from 'preact/hooks';
import type { Token, TokenType } from '../api';
import { keyPrefix } from '../format';
import type { Lifetime } from '../lifetime';
import { auditPath, followLink, tokenPath } from '../router';
import { LastUsed } from './LastUsed';
import { Moment } from './Moment';
import { TokenStatus } from './TokenStatus';
import { UsageFigures } from './UsageFigures';

export const TYPE_LABEL: Record<TokenType, string> = { server: 'Server', browser: 'Browser', oauth: 'OAuth' };

interface Props {
  token: Token;
  /** Who the JWT acts as, when the list knows the name. */
  jwtUser: string | undefined;
  /** Usernames the list knows, by id. */
  names: ReadonlyMap<number, string>;
  life: Lifetime;
  now: number;
  replacedBy: Token | undefined;
  replaces: Token | undefined;
  /** Another listed token has the same name (as after a roll): button names add the key prefix. */
  sameName: boolean;
  onRotate: () => void;
  onDelete: () => void;
}

function Scope({ token }: { token: Token }) {
  if (token.type === 'oauth' && token.redirectUris.length > 0) {
    // Registered URIs are the only ones accepted: they are what the admin needs to see.
    return (
      <ul class="hosts" aria-label="Redirect URIs, matched exactly">
        {token.redirectUris.map((u) => (
          <li key={u}>
            <code>{u}</code>
          </li>
        ))}
      </ul>
    );
  }
  if (token.type === 'oauth' && token.hosts.length === 0) return <span class="muted">No redirect hosts (device flow only)</span>;
  if (token.type !== 'server') {
    return (
      <ul class="hosts">
        {token.hosts.map((h) => (
          <li key={h}>
            <code>{h}</code>
          </li>
        ))}
      </ul>
    );
  }
  if (token.restrictedUserId === undefined) return <span class="muted">Any user</span>;
  return <span>{token.restrictedUsername ?? `user ${token.restrictedUserId}`}</span>;
}

export function TokenRow({ token, jwtUser, names, life, now, replacedBy, replaces, sameName, onRotate, onDelete }: Props) {
  const [fullKey, setFullKey] = useState(false);
  // What button names call this token: its name, and its key prefix when the name alone is ambiguous.
  const called = sameName ? `${token.name} (key ${keyPrefix(token.key)})` : token.name;
  const keyId = `token-${token.id}-key`;
  return (
    <tr>
      <th scope="row" data-label="Name" class="name">
        <a href={tokenPath(token.id)} onClick={followLink}>
          {token.name}
        </a>
      </th>
      <td data-label="Type">{TYPE_LABEL[token.type]}</td>
      <td data-label="Key" class="key">
        <code id={keyId} class={fullKey ? 'full-key' : undefined}>
          {fullKey ? token.key : keyPrefix(token.key)}
        </code>{' '}
        <button type="button" class="link-button" aria-expanded={fullKey} aria-controls={keyId} onClick={() => setFullKey(!fullKey)}>
          Full key
          <span class="visually-hidden"> of {called}</span>
        </button>
      </td>
      <td
        data-label={
          token.type === 'server' ? 'Restricted to' : token.type === 'oauth' ? (token.redirectUris.length > 0 ? 'Redirect URIs' : 'Redirect hosts') : 'Hosts'
        }
      >
        <Scope token={token} />
        {/* The JWT acts as the restricted user, or as the creator: it belongs beside them. */}
        {token.type === 'server' ? (
          <span class="block jwt">
            {token.jwtIssued ? (
              <span class="tag ok" title={jwtUser ? `The JWT acts as ${jwtUser}` : undefined}>
                JWT: yes
              </span>
            ) : (
              <span class="tag">JWT: no</span>
            )}
            {token.jwtIssued && jwtUser && jwtUser !== token.restrictedUsername ? <span class="muted small"> acts as {jwtUser}</span> : null}
          </span>
        ) : null}
      </td>
      <td data-label="Created">
        <Moment at={token.created} now={now} plain />
        {token.createdBy ? <span class="muted small by"> by {token.createdBy}</span> : null}
      </td>
      <td data-label="Last used">
        <LastUsed token={token} now={now} names={names} />
      </td>
      <td data-label="Requests">
        <UsageFigures token={token} />
      </td>
      <td data-label="Status">
        <TokenStatus token={token} life={life} now={now} replacedBy={replacedBy} replaces={replaces} jwtUser={jwtUser} />
      </td>
      <td class="row-actions">
        {/* An expired token cannot be rolled (the API refuses it): the Status cell says what to do instead. */}
        {life.state !== 'expired' ? (
          <button type="button" class="button secondary small" onClick={onRotate}>
            Rotate<span class="visually-hidden"> token {called}</span>
          </button>
        ) : null}
        <button type="button" class="button danger small" onClick={onDelete}>
          Delete<span class="visually-hidden"> token {called}</span>
        </button>
        <a class="history small" href={auditPath({ targetType: 'token', targetId: String(token.id) })} onClick={followLink}>
          History<span class="visually-hidden"> of token {called}</span>
        </a>
      </td>
    </tr>
  );
}
