/**
 * The Requests cell: successful requests in 24 h and 30 days, failed attempts, and a hint when
 * several clients share the token (one token per integration keeps a revocation small).
 */
import type { Token } from '../api';
import { plural } from '../format';
import { NotMeasured } from './NotMeasured';

export function UsageFigures({ token }: { token: Token }) {
  const usage = token.usage;
  if (!usage) return <NotMeasured />;
  return (
    <>
      <span class="figure">
        <strong>{usage.requests24h.toLocaleString('en')}</strong> in 24 h
      </span>
      <span class="figure">
        <strong>{usage.requests30d.toLocaleString('en')}</strong> in 30 days
      </span>
      {usage.failures30d > 0 ? <span class="figure failures">{plural(usage.failures30d, 'failed attempt')} in 30 days</span> : null}
      {usage.clients30d > 1 ? (
        <span class="shared">
          <span class="tag warn">Shared by {usage.clients30d} clients</span>
          <span class="small muted block">{usage.clients30d} IP addresses in 30 days: give each integration its own token.</span>
        </span>
      ) : null}
    </>
  );
}
