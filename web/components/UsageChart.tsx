/**
 * Requests and failures per bucket (hour or day) as a bar chart in hand-written SVG, small and
 * without a library, with the same figures as a table for screen readers (and, on request, for
 * everyone). The SVG carries no inline style: colours come from the stylesheet (CSP).
 */
import { useState } from 'preact/hooks';
import type { UsageBucket } from '../api';
import { reasonList } from '../reasons';

interface Props {
  id: string;
  buckets: UsageBucket[];
  unit: 'hour' | 'day';
}

const W = 720;
const H = 140;
const TOP = 14;
const BOTTOM = 22;

function label(b: UsageBucket, unit: Props['unit']): string {
  return unit === 'hour'
    ? new Date(b.start).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : new Date(b.start).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

export function UsageChart({ id, buckets, unit }: Props) {
  const [tableShown, setTableShown] = useState(false);
  const max = Math.max(1, ...buckets.map((b) => Math.max(b.requests, b.failures)));
  const step = W / buckets.length;
  const bar = Math.max(2, step / 2 - 2);
  const y = (n: number) => H - BOTTOM - (n / max) * (H - TOP - BOTTOM);
  const requests = buckets.reduce((n, b) => n + b.requests, 0);
  const failures = buckets.reduce((n, b) => n + b.failures, 0);
  const span = unit === 'hour' ? 'per hour, last 24 hours' : 'per day (UTC), last 30 days';
  const every = unit === 'hour' ? 6 : 5;
  return (
    <figure class="usage-chart">
      <figcaption id={`${id}-caption`}>
        Requests and failures {span}: {requests.toLocaleString('en')} requests, {failures.toLocaleString('en')} failures.
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-caption`} class="chart">
        <text x="0" y="10" class="axis">
          {max.toLocaleString('en')}
        </text>
        <line x1="0" x2={W} y1={y(max)} y2={y(max)} class="grid" />
        <line x1="0" x2={W} y1={H - BOTTOM} y2={H - BOTTOM} class="baseline" />
        {buckets.map((b, i) => (
          <g key={b.start}>
            {b.requests > 0 ? <rect x={i * step + 1} y={y(b.requests)} width={bar} height={H - BOTTOM - y(b.requests)} class="bar-requests" /> : null}
            {b.failures > 0 ? <rect x={i * step + 1 + bar} y={y(b.failures)} width={bar} height={H - BOTTOM - y(b.failures)} class="bar-failures" /> : null}
            {i % every === 0 ? (
              <text x={i * step + 1} y={H - 6} class="axis">
                {label(b, unit)}
              </text>
            ) : null}
          </g>
        ))}
      </svg>
      <p class="legend small" aria-hidden="true">
        <span class="swatch requests" /> Requests <span class="swatch failures" /> Failures
      </p>
      <button type="button" class="link-button small" aria-expanded={tableShown} aria-controls={`${id}-table`} onClick={() => setTableShown(!tableShown)}>
        {tableShown ? 'Hide' : 'Show'} the figures as a table
      </button>
      <div id={`${id}-table`} class={tableShown ? 'table-wrap' : 'visually-hidden'}>
        <table class="tokens usage-table">
          <caption>Requests and failures {span}</caption>
          <thead>
            <tr>
              <th scope="col">{unit === 'hour' ? 'Hour from' : 'Day'}</th>
              <th scope="col">Requests</th>
              <th scope="col">Failures</th>
              <th scope="col">Failure reasons</th>
            </tr>
          </thead>
          <tbody>
            {buckets.map((b) => (
              <tr key={b.start}>
                <th scope="row" data-label={unit === 'hour' ? 'Hour from' : 'Day'}>
                  <time dateTime={new Date(b.start).toISOString()}>{label(b, unit)}</time>
                </th>
                <td data-label="Requests">{b.requests}</td>
                <td data-label="Failures">{b.failures}</td>
                <td data-label="Failure reasons">{reasonList(b.reasons)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
