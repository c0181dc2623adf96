/** One audit entry: when, what, who (with which credential, from where), about what, and what changed. */
import { Fragment } from 'preact';
import type { AuditEntry } from '../api';
import { actionWords, credentialWords, detailWords, targetWords } from '../audit-words';
import type { Directory } from '../names';
import { auditPath, followLink } from '../router';
import { Moment } from './Moment';

function capitalised(words: string): string {
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function AuditRow({ entry, names, now }: { entry: AuditEntry; names: Directory; now: number }) {
  const details = detailWords(entry, names);
  const failed = entry.action.endsWith('.failure');
  const about = targetWords(entry, names);
  return (
    <tr>
      <th scope="row" data-label="When" class="when">
        <Moment at={entry.at} now={now} absolute />
      </th>
      <td data-label="Action">{failed ? <span class="tag danger">{actionWords(entry.action)}</span> : actionWords(entry.action)}</td>
      <td data-label="Who">
        <strong>{entry.actorName ?? 'Unknown user'}</strong>
        <span class="muted small block">
          with {credentialWords(entry.credential, names)}
          {entry.ip ? (
            <>
              , from <code>{entry.ip}</code>
            </>
          ) : null}
        </span>
      </td>
      <td data-label="About">
        {entry.targetType && entry.targetId !== undefined ? (
          <a href={auditPath({ targetType: entry.targetType, targetId: entry.targetId })} aria-label={`Show only entries about ${about}`} onClick={followLink}>
            {capitalised(about)}
          </a>
        ) : (
          capitalised(about)
        )}
      </td>
      <td data-label="Details">
        {details.length === 0 ? (
          <span class="muted">—</span>
        ) : (
          <dl class="facts compact">
            {details.map(([label, value]) => (
              <Fragment key={label}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </Fragment>
            ))}
          </dl>
        )}
      </td>
    </tr>
  );
}
