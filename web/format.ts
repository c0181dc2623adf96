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
