/** One token in the list. The key shows its first 8 hex; the whole key is one press away. */
import { useState } from 'preact/hooks';
import type { Token, TokenType } from '../api';
import { keyPrefix, localDateTime, utcDateTime } from '../format';

export const TYPE_LABEL: Record<TokenType, string> = { server: 'Server', browser: 'Browser', oauth: 'OAuth' };

interface Props {
  token: Token;
  /** Who the JWT acts as, when the list knows the name. */
  jwtUser: string | undefined;
  onDelete: () => void;
}

function Scope({ token }: { token: Token }) {
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

export function TokenRow({ token, jwtUser, onDelete }: Props) {
  const [fullKey, setFullKey] = useState(false);
  const keyId = `token-${token.id}-key`;
  return (
    <tr>
      <th scope="row" data-label="Name" class="name">
        {token.name}
      </th>
      <td data-label="Type">{TYPE_LABEL[token.type]}</td>
      <td data-label="Key" class="key">
        <code id={keyId} class={fullKey ? 'full-key' : undefined}>
          {fullKey ? token.key : keyPrefix(token.key)}
        </code>{' '}
        <button type="button" class="link-button" aria-expanded={fullKey} aria-controls={keyId} onClick={() => setFullKey(!fullKey)}>
          Full key
          <span class="visually-hidden"> of {token.name}</span>
        </button>
      </td>
      <td data-label={token.type === 'server' ? 'Restricted to' : 'Hosts'}>
        <Scope token={token} />
      </td>
      <td data-label="JWT">
        {token.type !== 'server' ? (
          <span class="muted">
            —<span class="visually-hidden">not applicable</span>
          </span>
        ) : token.jwtIssued ? (
          <span class="tag ok" title={jwtUser ? `The JWT acts as ${jwtUser}` : undefined}>
            JWT: yes
          </span>
        ) : (
          <span class="tag">JWT: no</span>
        )}
        {token.jwtIssued && jwtUser && jwtUser !== token.restrictedUsername ? <span class="muted small"> acts as {jwtUser}</span> : null}
      </td>
      <td data-label="Created">
        <time dateTime={new Date(token.created).toISOString()} title={utcDateTime(token.created)}>
          {localDateTime(token.created)}
        </time>
        {token.createdBy ? <span class="muted small by"> by {token.createdBy}</span> : null}
      </td>
      <td data-label="Usage (24 h)">
        —<span class="visually-hidden">not measured yet</span>
      </td>
      <td class="row-actions">
        <button type="button" class="button danger small" onClick={onDelete}>
          Delete<span class="visually-hidden"> token {token.name}</span>
        </button>
      </td>
    </tr>
  );
}
