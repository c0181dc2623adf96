/** Which token a confirmation is about: name, type and key prefix, as the list shows them. */
import type { Token } from '../api';
import { keyPrefix } from '../format';
import { TYPE_LABEL } from './TokenRow';

export function TokenFacts({ token }: { token: Token }) {
  return (
    <dl class="facts">
      <dt>Name</dt>
      <dd>{token.name}</dd>
      <dt>Type</dt>
      <dd>{TYPE_LABEL[token.type]}</dd>
      <dt>Key</dt>
      <dd>
        <code>{keyPrefix(token.key)}</code>
      </dd>
    </dl>
  );
}
