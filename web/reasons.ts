import type { FailureReason } from '../src/usage/failure-reason.js';

/** The server's failure reasons, in words: typed by the server's list, so a new reason needs words here. */
export const REASON_LABELS: Record<FailureReason, string> = {
  'bad-signature': 'Bad signature',
  'expired-signature': 'Expired signature',
  'wrong-user': 'Wrong user',
  'origin-refused': 'Origin not allowed',
  'expired-token': 'Expired token',
  'inactive-user': 'Inactive or unseated user',
  'rate-limited': 'Rate limited',
};

/** "2 bad signature, 1 rate limited": a bucket's reasons, for a table cell. */
export function reasonList(reasons: Record<string, number>): string {
  return Object.entries(reasons)
    .map(([r, n]) => `${n} ${(REASON_LABELS[r as FailureReason] ?? r).toLowerCase()}`)
    .join(', ');
}
