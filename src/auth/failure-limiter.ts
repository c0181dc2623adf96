/**
 * Limits on failed authentication, per client IP and per token, in fixed one-minute windows kept
 * in the database (store/attempt-counters.ts), so all nodes share them: N nodes do not give a
 * client N times the allowance. Only failures are counted and only failures are answered 429: a
 * valid credential is always checked and always passes, and never costs a database round trip.
 * (Guessing an HMAC-SHA256 or HS512 key is hopeless anyway; the limit keeps floods of bad
 * credentials cheap and visible.) Sign-in has its own, stricter throttle: `users/sign-in-throttle.ts`.
 *
 * `windowCounter` is the same fixed window in one process's memory, for limits that need not be
 * shared.
 */
import type { AttemptCounters } from '../store/attempt-counters.js';

export interface WindowCounter {
  /** Counts one event for `key`; returns seconds until the window ends when `limit` is exceeded. */
  hit(key: string, limit: number): number | undefined;
  /** Seconds until `key` may try again, if it is over `limit` now. */
  blocked(key: string, limit: number): number | undefined;
}

/** Fixed windows in a Map; stale windows are swept as new ones open, so memory stays bounded. */
export function windowCounter(windowMs: number, now: () => number, maxKeys = 100_000): WindowCounter {
  const windows = new Map<string, { start: number; count: number }>();
  const current = (key: string) => {
    const t = now();
    let w = windows.get(key);
    if (!w || t - w.start >= windowMs) {
      if (windows.size >= maxKeys) for (const [k, old] of windows) if (t - old.start >= windowMs || windows.size >= maxKeys) windows.delete(k);
      windows.set(key, (w = { start: t, count: 0 }));
    }
    return { w, t };
  };
  const wait = (w: { start: number }, t: number) => Math.max(1, Math.ceil((w.start + windowMs - t) / 1000));
  return {
    hit(key, limit) {
      const { w, t } = current(key);
      w.count++;
      return w.count > limit ? wait(w, t) : undefined;
    },
    blocked(key, limit) {
      const w = windows.get(key);
      const t = now();
      return w && t - w.start < windowMs && w.count >= limit ? wait(w, t) : undefined;
    },
  };
}

export interface FailureLimiter {
  /** Records a failed credential from `ip` (naming `tokenId` if known); seconds to wait if over the limit. */
  failed(ip: string, tokenId: number | undefined): Promise<number | undefined>;
}

export function failureLimiter(counters: AttemptCounters, perMinute: number): FailureLimiter {
  return {
    async failed(ip, tokenId) {
      const counted = await counters.add(tokenId === undefined ? [`fail-ip:${ip}`] : [`fail-ip:${ip}`, `fail-token:${tokenId}`], 60_000);
      return counted.find((c) => c.count > perMinute)?.retryAfter;
    },
  };
}
