/** Dates as the admin reads them: local time, with the exact UTC time on hover and focus. */
export function localDateTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function utcDateTime(ms: number): string {
  return new Date(ms).toUTCString();
}

/** The first 8 hex of a key, enough to tell tokens apart without showing the whole key. */
export function keyPrefix(key: string): string {
  return `${key.slice(0, 8)}…`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/**
 * "5 minutes ago", "in 59 minutes", "yesterday", "in 30 days": the largest unit that fits. Minutes
 * are rounded down, so "in 59 minutes" never claims an hour that is not there; hours and days are
 * rounded, so a token made to last 30 days says "in 30 days", not "in 29 days". Under a minute:
 * "just now".
 */
export function relativeTime(ms: number, now: number): string {
  const diff = ms - now;
  const size = Math.abs(diff);
  if (size < MINUTE) return diff <= 0 ? 'just now' : 'in less than a minute';
  const sign = Math.sign(diff);
  if (size < HOUR) return relative.format(sign * Math.floor(size / MINUTE), 'minute');
  if (size < DAY) return relative.format(sign * Math.round(size / HOUR), 'hour');
  return relative.format(sign * Math.round(size / DAY), 'day');
}

/** Whole days between two instants, rounded down: "not used for 95 days". */
export function wholeDays(from: number, to: number): number {
  return Math.floor((to - from) / DAY);
}

/** A count with its noun: "1 request", "3 requests". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** A length of time in the largest whole unit: "1 hour", "24 hours", "7 days", "90 seconds". */
export function duration(seconds: number): string {
  if (seconds === 0) return 'no time';
  if (seconds % 86_400 === 0 && seconds >= 2 * 86_400) return plural(seconds / 86_400, 'day');
  if (seconds % 3_600 === 0) return plural(seconds / 3_600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}
