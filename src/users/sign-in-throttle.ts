/**
 * Sign-in throttling: after `limit` failed passwords for one username in 15 minutes, or
 * five times that from one IP, further attempts get 429 with Retry-After until the window ends —
 * the right password included, or a guesser could tell when they hit it.
 */
import { windowCounter } from '../auth/failure-limiter.js';
import type { AppContext } from '../context.js';

export function signInThrottle(limit: number, now: () => number, onRefused: () => void = () => undefined) {
  const counter = windowCounter(15 * 60_000, now);
  const userKey = (username: string) => `user:${username.toLowerCase()}`;
  return {
    blocked(username: string, ip: string): number | undefined {
      const wait = counter.blocked(userKey(username), limit) ?? counter.blocked(`ip:${ip}`, limit * 5);
      if (wait !== undefined) onRefused();
      return wait;
    },
    failed(username: string, ip: string): void {
      counter.hit(userKey(username), limit);
      counter.hit(`ip:${ip}`, limit * 5);
    },
  };
}

const perSite = new WeakMap<AppContext, ReturnType<typeof signInThrottle>>();

/** The site's one throttle, shared by every way to sign in with a password (API and OAuth page). */
export function signInThrottleFor(ctx: AppContext): ReturnType<typeof signInThrottle> {
  let t = perSite.get(ctx);
  if (!t) perSite.set(ctx, (t = signInThrottle(ctx.config.signInFailureLimit, ctx.config.now, () => ctx.metrics.refused('sign_in_throttle'))));
  return t;
}
