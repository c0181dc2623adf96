/**
 * Why a request that named a token was refused: a small fixed list, so the usage recorder counts a
 * failure with one array increment and stores one column per reason (`src/usage/migration.ts`).
 */
import type { ErrorCode } from '../errors.js';

/** In column order; the API names them so (docs/api.md#get-site-developer-tokens-id-usage). */
export const FAILURE_REASONS = [
  'bad-signature',
  'expired-signature',
  'wrong-user',
  'origin-refused',
  'expired-token',
  'inactive-user',
  'rate-limited',
] as const;

export type FailureReason = (typeof FAILURE_REASONS)[number];

/** The reason's index in `FAILURE_REASONS`. */
export type ReasonIndex = number;

const BY_CODE: Partial<Record<ErrorCode, ReasonIndex>> = {
  SIGNATURE_INVALID: 0,
  JWT_INVALID: 0,
  SIGNATURE_EXPIRED: 1,
  SIGNATURE_RESTRICTED: 2,
  BROWSER_ORIGIN_REFUSED: 3,
  TOKEN_EXPIRED: 4,
  // Inactive, or (for a JWT) without a licence seat: the same message, `invalid user requesting`.
  USER_INVALID: 5,
  AUTH_RATE_LIMITED: 6,
};

/** The reason for a refusal with this error code; a bad signature when the code is not one of the list. */
export function reasonOf(code: ErrorCode): ReasonIndex {
  return BY_CODE[code] ?? 0;
}

/** The column that holds each reason's count in `token_usage_hourly`, in the same order. */
export const REASON_COLUMNS = [
  'f_bad_signature',
  'f_expired_signature',
  'f_wrong_user',
  'f_origin_refused',
  'f_expired_token',
  'f_inactive_user',
  'f_rate_limited',
] as const;
