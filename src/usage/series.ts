/**
 * A token's usage over time: requests and failures per hour over the last 24 hours and per UTC day
 * over the last 30 days, each failure counted under its reason. Every bucket is present, zeros too,
 * so a chart needs no gap filling.
 */
import { el, textEl } from '../dream/document.js';
import { rfc1123 } from '../dream/reply.js';
import { FAILURE_REASONS } from './failure-reason.js';

const HOUR = 3_600_000;

interface Counts {
  requests: number;
  failures: number;
  reasons: number[];
}

export interface Bucket extends Counts {
  /** Start of the hour or day, ms since the epoch. */
  start: number;
}

export interface UsageSeries {
  hours: Bucket[];
  days: Bucket[];
}

const empty = (start: number): Bucket => ({ start, requests: 0, failures: 0, reasons: FAILURE_REASONS.map(() => 0) });

function add(into: Counts, h: Counts): void {
  into.requests += h.requests;
  into.failures += h.failures;
  h.reasons.forEach((n, i) => (into.reasons[i]! += n));
}

/** Buckets `hourly` (hours since the epoch → counts) into the 24 hours and 30 UTC days that end now. */
export function toSeries(hourly: ReadonlyMap<number, Counts>, now: number): UsageSeries {
  const thisHour = Math.floor(now / HOUR);
  const today = Math.floor(thisHour / 24);
  const hours = Array.from({ length: 24 }, (_, i) => empty((thisHour - 23 + i) * HOUR));
  const days = Array.from({ length: 30 }, (_, i) => empty((today - 29 + i) * 24 * HOUR));
  for (const [hour, h] of hourly) {
    const hi = hour - (thisHour - 23);
    if (hi >= 0 && hi < 24) add(hours[hi]!, h);
    const di = Math.floor(hour / 24) - (today - 29);
    if (di >= 0 && di < 30) add(days[di]!, h);
  }
  return { hours, days };
}

/** Reason attributes on a bucket, only those that happened, so the document stays small. */
function bucket(name: string, b: Bucket) {
  const reasons = Object.fromEntries(FAILURE_REASONS.map((r, i) => [r, b.reasons[i] ? String(b.reasons[i]) : undefined]));
  return el(name, { start: rfc1123(b.start), requests: String(b.requests), failures: String(b.failures), ...reasons });
}

function total(buckets: Bucket[]): Counts {
  const sum = empty(0);
  for (const b of buckets) add(sum, b);
  return sum;
}

/** `<usage>` of `GET site/developer-tokens/{id}/usage` (docs/api.md). */
export function toSeriesDocument(series: UsageSeries, tokenId: number, href: string, now: number) {
  const day = total(series.hours);
  const month = total(series.days);
  return el('usage', { 'token-id': String(tokenId), href, date: rfc1123(now) }, [
    el(
      'days',
      { count: '30' },
      series.days.map((b) => bucket('day', b)),
    ),
    textEl('failures.24h', day.failures),
    textEl('failures.30d', month.failures),
    el(
      'hours',
      { count: '24' },
      series.hours.map((b) => bucket('hour', b)),
    ),
    el(
      'reasons',
      {},
      FAILURE_REASONS.map((r, i) => el('reason', { name: r, 'failures.24h': String(day.reasons[i]), 'failures.30d': String(month.reasons[i]) })),
    ),
    textEl('requests.24h', day.requests),
    textEl('requests.30d', month.requests),
  ]);
}
