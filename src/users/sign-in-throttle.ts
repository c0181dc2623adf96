/**
 * Sign-in throttling: at most `limit` password checks for one username in 15 minutes, or five
 * times that from one IP, counted in the database (store/attempt-counters.ts) so every node and
 * every way to sign in with a password (`users/authenticate`, the OAuth sign-in page) shares them.
 * An attempt is counted *before* its password is checked, so attempts sent at once cannot overtake
 * the limit; a right password gives its count back, so only failures use the allowance. Past the
 * limit, attempts get 429 with Retry-After until the window ends — the right password included,
 * or a guesser could tell when they hit it.
 */
import type { AttemptCounters, WindowCount } from '../store/attempt-counters.js';

const WINDOW_MS = 15 * 60_000;

export interface SignInAttempt {
  /** Seconds to wait when over the limit: then the password must not be checked. */
  readonly retryAfter: number | undefined;
  /** The password was right (or the attempt ended before a check): its count is given back. */
  succeeded(): Promise<void>;
}

export interface SignInThrottle {
  /** Counts an attempt for `username` from `ip`, before its password is checked. */
  begin(username: string, ip: string): Promise<SignInAttempt>;
}

export function signInThrottle(counters: AttemptCounters, limit: number, onRefused: () => void = () => undefined): SignInThrottle {
  return {
    async begin(username, ip) {
      const userKey = `signin-user:${username.toLowerCase().slice(0, 255)}`;
      const counted: WindowCount[] = await counters.add([userKey, `signin-ip:${ip}`], WINDOW_MS);
      const giveBack = () => counters.giveBack(counted);
      const over = counted.find((c) => c.count > (c.key === userKey ? limit : limit * 5));
      if (!over) return { retryAfter: undefined, succeeded: giveBack };
      // Refused unchecked: it does not use the allowance either.
      onRefused();
      await giveBack();
      return { retryAfter: over.retryAfter, succeeded: async () => undefined };
    },
  };
}
