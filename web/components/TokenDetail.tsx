/**
 * One token's page: what it is, its state in words (with what refuses its credentials and where
 * that is fixed), its hosts (editable for browser and OAuth tokens), and its usage over time by
 * hour and by day, failures broken down by reason.
 */
import { useState } from 'preact/hooks';
import { changeHosts, getToken, getTokenUsage, listTokenPage } from '../api';
import { lifetime } from '../lifetime';
import { describe } from '../messages';
import { directoryOf } from '../names';
import type { FailureReason } from '../../src/usage/failure-reason.js';
import { REASON_LABELS } from '../reasons';
import { followLink, TOKENS_PATH, userPath } from '../router';
import { useLoad } from '../use-load';
import { LoadFailed } from './LoadFailed';
import { Moment } from './Moment';
import { TokenActions } from './TokenActions';
import { TYPE_LABEL } from './TokenRow';
import { TokenStatus } from './TokenStatus';
import { UsageChart } from './UsageChart';

function UserLink({ id, name }: { id: number; name: string | undefined }) {
  return (
    <a href={userPath(id)} onClick={followLink}>
      {name ?? `user ${id}`}
    </a>
  );
}

export function TokenDetail({ id, onSessionLost }: { id: number; onSessionLost: () => void }) {
  const [result, reload] = useLoad(
    async (signal) => {
      const [token, usage] = await Promise.all([getToken(id, signal), getTokenUsage(id, signal)]);
      // A roll keeps the name: the tokens it made from this one, or this one from, share it.
      const { tokens: named } = await listTokenPage({ limit: 100, offset: 0, sortby: '-created', filter: token.name }, signal);
      return { token, usage, all: [token, ...named] };
    },
    [id],
    onSessionLost,
  );
  const [unit, setUnit] = useState<'hour' | 'day'>('hour');
  const [hosts, setHosts] = useState<string | undefined>();
  const [hostsMessage, setHostsMessage] = useState<{ error: boolean; text: string } | undefined>();

  if (result.state === 'loading') return <p class="muted">Loading the token…</p>;
  if (result.state === 'failed') return <LoadFailed message={result.message} onRetry={reload} />;
  const { token, usage, all } = result.value;
  const now = result.at;
  const names = directoryOf(all).users;
  const replacedBy = all.find((t) => t.rolledFrom === token.id);
  const replaces = token.rolledFrom === undefined ? undefined : all.find((t) => t.id === token.rolledFrom);
  const jwtUser = token.jwtUserId === undefined ? undefined : names.get(token.jwtUserId);
  const hostsValue = hosts ?? token.hosts.join(',');
  const life = lifetime(token, now, replacedBy !== undefined);

  async function saveHosts() {
    try {
      await changeHosts(token.id, hostsValue);
      setHostsMessage({ error: false, text: 'Hosts saved. Requests from them are admitted from now on.' });
      setHosts(undefined);
      reload();
    } catch (err) {
      setHostsMessage({ error: true, text: describe(err) });
    }
  }

  return (
    <section class="card" aria-labelledby="token-title">
      <p class="small">
        <a href={TOKENS_PATH} onClick={followLink}>
          All API tokens
        </a>
      </p>
      <h2 id="token-title">
        Token {token.name} <span class="count">(#{token.id})</span>
      </h2>
      <dl class="facts">
        <dt>Type</dt>
        <dd>{TYPE_LABEL[token.type]}</dd>
        <dt>Key</dt>
        <dd>
          <code class="full-key">{token.key}</code>
        </dd>
        {token.type === 'server' ? (
          <>
            <dt>Restricted to</dt>
            <dd>{token.restrictedUserId !== undefined ? <UserLink id={token.restrictedUserId} name={token.restrictedUsername} /> : 'Any user'}</dd>
            <dt>JWT</dt>
            <dd>
              {token.jwtIssued && token.jwtUserId !== undefined ? (
                <>
                  Issued, acts as <UserLink id={token.jwtUserId} name={jwtUser} />
                </>
              ) : (
                'None'
              )}
            </dd>
          </>
        ) : null}
        <dt>Created</dt>
        <dd>
          <Moment at={token.created} now={now} plain />
          {token.createdBy ? ` by ${token.createdBy}` : ''}
        </dd>
        <dt>Last used</dt>
        <dd>{token.usage?.lastUsed !== undefined ? <Moment at={token.usage.lastUsed} now={now} absolute /> : 'Never'}</dd>
      </dl>
      <h3>State</h3>
      <TokenStatus token={token} life={life} now={now} replacedBy={replacedBy} replaces={replaces} jwtUser={jwtUser} />
      <TokenActions token={token} life={life} actsAs={jwtUser} onChanged={reload} />
      {token.type !== 'server' ? (
        <form
          id="hosts"
          class="audit-filters"
          aria-label={`Hosts of ${token.name}`}
          onSubmit={(e) => {
            e.preventDefault();
            void saveHosts();
          }}
        >
          <div class="field">
            <label for="token-hosts">{token.type === 'oauth' ? 'Redirect hosts' : 'Hosts'}</label>
            <input
              id="token-hosts"
              type="text"
              value={hostsValue}
              autocomplete="off"
              spellcheck={false}
              aria-describedby="token-hosts-hint"
              onInput={(e) => setHosts(e.currentTarget.value)}
            />
            <p id="token-hosts-hint" class="hint">
              Comma-separated, such as crm.example.com or *.example.com.
            </p>
          </div>
          <div class="filter-buttons">
            <button type="submit" class="button small">
              Save hosts
            </button>
          </div>
          <p role="status" class={hostsMessage?.error ? 'error-box' : 'notice'}>
            {hostsMessage?.text ?? ''}
          </p>
        </form>
      ) : null}
      <div class="section-head">
        <h3>Usage over time</h3>
        <div class="filter-buttons" role="group" aria-label="Period">
          <button type="button" class="button secondary small" aria-pressed={unit === 'hour'} onClick={() => setUnit('hour')}>
            Last 24 hours
          </button>
          <button type="button" class="button secondary small" aria-pressed={unit === 'day'} onClick={() => setUnit('day')}>
            Last 30 days
          </button>
        </div>
      </div>
      <UsageChart id={`usage-${unit}`} key={unit} buckets={unit === 'hour' ? usage.hours : usage.days} unit={unit} />
      <h3>Failures by reason</h3>
      <div class="table-wrap">
        <table class="tokens reasons">
          <caption class="visually-hidden">Failures by reason</caption>
          <thead>
            <tr>
              <th scope="col">Reason</th>
              <th scope="col">Last 24 hours</th>
              <th scope="col">Last 30 days</th>
            </tr>
          </thead>
          <tbody>
            {usage.reasons.map((r) => (
              <tr key={r.name}>
                <th scope="row" data-label="Reason">
                  {REASON_LABELS[r.name as FailureReason] ?? r.name}
                </th>
                <td data-label="Last 24 hours">{r.day}</td>
                <td data-label="Last 30 days">{r.month}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
