/** What every part of a running Gatehouse shares: configuration, the store and the master keys. */
import type { Kysely } from 'kysely';
import type { FailureLimiter } from './auth/failure-limiter.js';
import type { Config } from './config.js';
import type { ChangeLog } from './store/changes.js';
import type { MasterKeyRing } from './crypto/master-key.js';
import type { Metrics } from './ops/metrics.js';
import type { Database, UserRow } from './store/schema.js';
import type { VerificationCache } from './store/verification-cache.js';
import type { SignInThrottle } from './users/sign-in-throttle.js';
import type { UserCodeLimit } from './oauth/user-code-limit.js';

export interface AppContext {
  readonly config: Config;
  readonly db: Kysely<Database>;
  /** Writes that can revoke a credential, and audit entries: with their feed rows, on the configured clock. */
  readonly changes: ChangeLog;
  readonly keys: MasterKeyRing;
  /** The built-in Anonymous user (id 2): immutable, so read once at start. */
  readonly anonymous: UserRow;
  /** What credential checks read: cached per node, kept current by the change feed. */
  readonly cache: VerificationCache;
  /** What this node counts for `/@gatehouse/metrics`. */
  readonly metrics: Metrics;
  /** Failed-credential limits, the sign-in throttle and device user codes: counters in the database, shared by every node. */
  readonly limits: { readonly failures: FailureLimiter; readonly signIn: SignInThrottle; readonly userCodes: UserCodeLimit };
}

/** `config.now()` in whole seconds. */
export function nowSeconds(ctx: AppContext): number {
  return Math.floor(ctx.config.now() / 1000);
}
