/**
 * Liveness and readiness for load balancers and orchestrators. Readiness costs no query of its own:
 * the change feed already asks the store several times a second, so "the feed confirmed the cache
 * current within the staleness bound" is also "the store answers". Migrations and master keys are
 * checked when the node starts (it does not start without them) and the key ring is asked again here.
 */
import { performance } from 'node:perf_hooks';
import type { MasterKeyRing } from '../crypto/master-key.js';
import type { ChangeFeed } from '../store/change-feed.js';

export interface ReadinessReport {
  readonly ready: boolean;
  /** What is not ready, each with a short reason; empty when ready. Never a secret. */
  readonly failing: Record<string, string>;
}

export interface Readiness {
  /** The node is going away: readiness answers 503 from now on. */
  drain(): void;
  /** The feed could not reach the store (from the feed's error callback). */
  storeFailed(err: unknown): void;
  report(): ReadinessReport;
}

/** A short, secret-free reason: the driver's error code, else the first line of the message. */
export function errorReason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && e.code !== '') return e.code;
  return String(e?.message ?? err)
    .split('\n')[0]!
    .slice(0, 120);
}

export function readiness(deps: { feed: ChangeFeed | undefined; keys: MasterKeyRing; boundMs: number }): Readiness {
  let draining = false;
  let lastError: { at: number; reason: string } | undefined;
  return {
    drain() {
      draining = true;
    },
    storeFailed(err) {
      lastError = { at: performance.now(), reason: errorReason(err) };
    },
    report() {
      const failing: Record<string, string> = {};
      if (draining) failing.node = 'shutting down';
      const { feed } = deps;
      if (feed) {
        const staleMs = feed.staleness();
        // The store failed if its last error came after the feed's last confirmed poll.
        if (lastError && performance.now() - lastError.at < staleMs) failing.store = `not answering (${lastError.reason})`;
        if (!feed.isFresh()) {
          // After a lapse the feed forgets when it was last current (it must catch up from scratch).
          const since = Number.isFinite(staleMs) ? `; last ${(staleMs / 1000).toFixed(1)} s ago` : '';
          failing.changeFeed = `not confirmed current within the staleness bound of ${deps.boundMs / 1000} s${since}`;
        }
      } else {
        failing.changeFeed = 'not running';
      }
      try {
        if (deps.keys.all().length === 0) failing.masterKeys = 'none loaded';
      } catch (err) {
        failing.masterKeys = `cannot be read (${errorReason(err)})`;
      }
      return { ready: Object.keys(failing).length === 0, failing };
    },
  };
}
