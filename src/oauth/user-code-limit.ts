/**
 * A limit on device user codes entered on the verification page (RFC 8628 §5.1: a user code has
 * about 34 bits, so guessing must be slowed): `GATEHOUSE_AUTH_FAILURE_LIMIT` codes a minute per
 * session and per client IP, then 429 with Retry-After whatever code is entered, the right one too
 * — otherwise a guesser past the limit would still learn which guess hit. The counts are in the
 * database (store/attempt-counters.ts), like the failure limits, so every node counts into the
 * same window: N nodes do not give a guesser N times the allowance.
 *
 * Every code entered counts, before it is looked up, so codes sent at once cannot overtake the
 * limit. A person enters one or two codes a flow (the consent page, then its button), far below it.
 */
import { createHash } from 'node:crypto';
import type { AttemptCounters } from '../store/attempt-counters.js';

export interface UserCodeLimit {
  /** Counts one code entered in `authtoken`'s session from `ip`; seconds to wait when over the limit. */
  entered(authtoken: string, ip: string): Promise<number | undefined>;
}

export function userCodeLimit(counters: AttemptCounters, perMinute: number): UserCodeLimit {
  return {
    async entered(authtoken, ip) {
      // Keyed by a digest: the counter's keys are not a second copy of the session's credential.
      const session = createHash('sha256').update(authtoken).digest('base64url');
      const counted = await counters.add([`device-session:${session}`, `device-ip:${ip}`], 60_000);
      return counted.find((c) => c.count > perMinute)?.retryAfter;
    },
  };
}
