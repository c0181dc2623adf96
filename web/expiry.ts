/**
 * The create form's expiry choice (the optional `<expires>`), as the instant sent to the API.
 * A chosen day means the start of that day in the admin's own time zone: the form says so, and
 * shows the exact time before anything is sent.
 */
const DAY = 24 * 3_600_000;

export type ExpiryChoice = 'never' | '30' | '90' | 'date';

export interface Expiry {
  choice: ExpiryChoice;
  /** `YYYY-MM-DD` from the date field, when the choice is `date`. */
  date: string;
}

export const NO_EXPIRY: Expiry = { choice: 'never', date: '' };

/** When the token stops working, ms since the epoch; `undefined` for never; a reason when it cannot be sent. */
export function expiryInstant(expiry: Expiry, now: number): number | undefined | { problem: string } {
  if (expiry.choice === 'never') return undefined;
  if (expiry.choice !== 'date') return now + Number(expiry.choice) * DAY;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(expiry.date);
  if (!m) return { problem: 'Choose the day the token stops working, or choose Never.' };
  const at = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
  if (!(at > now)) return { problem: 'Choose a day after today: a token cannot expire in the past.' };
  return at;
}

/** Tomorrow, as a date field's `min`. */
export function tomorrow(now: number): string {
  const d = new Date(now);
  d.setDate(d.getDate() + 1);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
