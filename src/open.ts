/** Opens a site's store, keys and seed data: what `serve` and the admin CLI commands both need. */
import type { Kysely } from 'kysely';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import fs from 'node:fs';
import { keyFile, loadMasterKeys } from './crypto/master-key.js';
import { keyMismatch, noKeyRefusal, recordSiteKeyIds, siteKeyIds } from './crypto/site-keys.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { featureMigrations } from './feature-migrations.js';
import { failureLimiter } from './auth/failure-limiter.js';
import { AttemptCounters } from './store/attempt-counters.js';
import { ChangeFeed } from './store/change-feed.js';
import { FeedPeers, type PeerWait } from './store/feed-peers.js';
import { openStore, type Store } from './store/database.js';
import type { Database } from './store/schema.js';
import { seedSite } from './store/seed.js';
import { VerificationCache } from './store/verification-cache.js';
import { signInThrottle } from './users/sign-in-throttle.js';
import { userCodeLimit } from './oauth/user-code-limit.js';

export interface OpenedSite {
  readonly ctx: AppContext;
  readonly store: Store;
  /** The change feed keeping this node's cache current; only a server has one. */
  readonly feed: ChangeFeed | undefined;
  readonly generatedAdminPassword: string | undefined;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string | undefined;
  /**
   * `server` records its site URL and follows the change feed; `tool` (the CLI) adopts the recorded
   * URL unless GATEHOUSE_SITE_URL is set, so a JWT the CLI issues carries the `iss` the server checks.
   */
  role?: 'server' | 'tool';
  onFeedError?: (err: unknown, where: string) => void;
  /** Where the cache and the feed count what they do; a throwaway one when absent (the CLI). */
  metrics?: Metrics | undefined;
}

async function recordedSiteUrl(db: Kysely<Database>): Promise<string | undefined> {
  return (await db.selectFrom('settings').select('value').where('name', '=', 'site_url').executeTakeFirst())?.value;
}

export async function recordSiteUrl(db: Kysely<Database>, url: string): Promise<void> {
  await db
    .insertInto('settings')
    .values({ name: 'site_url', value: url })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value: url }))
    .execute();
}

export async function openSite(config: Config, opts: OpenOptions = {}): Promise<OpenedSite> {
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: opts.databaseUrl, now: config.now, migrations: featureMigrations });
  let feed: ChangeFeed | undefined;
  const metrics = opts.metrics ?? createMetrics({ processMetrics: false });
  try {
    const siteKeys = await siteKeyIds(store.db);
    // Checked before the key file would be created and before anything else is written.
    const noKey = opts.role !== 'server' && config.masterKeys.length === 0 && !fs.existsSync(keyFile(config.dataDir)) ? noKeyRefusal(siteKeys) : undefined;
    if (noKey) throw new TypeError(noKey);
    const keys = loadMasterKeys(config.masterKeys, config.dataDir, config.now);
    if (opts.role === 'server') await recordSiteKeyIds(store.db, keys);
    else {
      const mismatch = keyMismatch(siteKeys, keys);
      if (mismatch) throw new TypeError(mismatch);
    }
    const seed = await seedSite(store, config.adminPassword, config.now());
    if (opts.role === 'server') {
      await recordSiteUrl(store.db, config.siteUrl);
    } else {
      const recorded = config.siteUrlGiven ? undefined : await recordedSiteUrl(store.db);
      if (recorded) config = { ...config, siteUrl: recorded };
    }
    let cache: VerificationCache;
    const peers = new FeedPeers(store.db, { dialect: store.dialect, boundMs: config.stalenessBoundMs, notified: () => feed?.isListening() ?? false });
    const onWait = (wait: PeerWait) => {
      if (wait.unconfirmed.length === 0) return;
      opts.onFeedError?.(
        new Error(`a revoking write returned after ${Math.round(wait.ms)} ms, the bound, without confirmation from ${wait.unconfirmed.length} node(s)`),
        'revocation',
      );
    };
    if (opts.role === 'server') {
      feed = new ChangeFeed(store.changes, peers, {
        boundMs: config.stalenessBoundMs,
        pollMs: config.feedPollMs,
        retentionMs: 3_600_000,
        now: config.now,
        listenUrl: config.feedListen ? opts.databaseUrl : undefined,
        watchFile: store.file,
        onChange: (change) => {
          cache.apply(change);
          metrics.changeApplied(config.now() - change.at);
        },
        onReconnect: () => metrics.listenerReconnected(),
        onReset: () => cache.reset(),
        onError: opts.onFeedError,
      });
      cache = new VerificationCache(store.db, feed, config.cacheEntries, (kind, hit) => metrics.cacheLookup(kind, hit));
      store.changes.follow({ peers, onWait });
      await feed.start();
    } else {
      cache = new VerificationCache(store.db, undefined, 0);
      // The CLI serves nothing, but what it revokes is final on the servers too.
      store.changes.follow({ peers, onWait });
    }
    const counters = new AttemptCounters(store.db, config.now);
    const limits = {
      failures: failureLimiter(counters, config.authFailureLimit),
      signIn: signInThrottle(counters, config.signInFailureLimit, () => metrics.refused('sign_in_throttle')),
      userCodes: userCodeLimit(counters, config.authFailureLimit),
    };
    const ctx: AppContext = { config, db: store.db, changes: store.changes, keys, anonymous: seed.anonymous, cache, metrics, limits };
    return {
      ctx,
      store,
      feed,
      generatedAdminPassword: seed.generatedAdminPassword,
      close: async () => {
        await feed?.stop();
        await store.close();
      },
    };
  } catch (err) {
    await feed?.stop();
    await store.close();
    throw err;
  }
}
