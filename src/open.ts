/** Opens a site's store, keys and seed data: what `serve` and the admin CLI commands both need. */
import type { Kysely } from 'kysely';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { loadMasterKeys } from './crypto/master-key.js';
import { ChangeFeed } from './store/change-feed.js';
import { registerFollower } from './store/changes.js';
import { FeedPeers, type PeerWait } from './store/feed-peers.js';
import { openStore, type Store } from './store/database.js';
import type { Database } from './store/schema.js';
import { seedSite } from './store/seed.js';
import { VerificationCache } from './store/verification-cache.js';

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
}

async function recordedSiteUrl(db: Kysely<Database>): Promise<string | undefined> {
  return (await db.selectFrom('settings').select('value').where('name', '=', 'site_url').executeTakeFirst())?.value;
}

export async function recordSiteUrl(db: Kysely<Database>, url: string): Promise<void> {
  await db.insertInto('settings').values({ name: 'site_url', value: url }).onConflict((oc) => oc.column('name').doUpdateSet({ value: url })).execute();
}

export async function openSite(config: Config, opts: OpenOptions = {}): Promise<OpenedSite> {
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: opts.databaseUrl });
  let feed: ChangeFeed | undefined;
  try {
    const keys = loadMasterKeys(config.masterKeys, config.dataDir, config.now);
    const seed = await seedSite(store, config.adminPassword, config.now());
    if (opts.role === 'server') {
      await recordSiteUrl(store.db, config.siteUrl);
    } else {
      const recorded = process.env.GATEHOUSE_SITE_URL ? undefined : await recordedSiteUrl(store.db);
      if (recorded) config = { ...config, siteUrl: recorded };
    }
    let cache: VerificationCache;
    const peers = new FeedPeers(store.db, { dialect: store.dialect, boundMs: config.stalenessBoundMs, notified: () => feed?.isListening() ?? false });
    const onWait = (wait: PeerWait) => {
      if (wait.unconfirmed.length === 0) return;
      opts.onFeedError?.(new Error(`a revoking write returned after ${Math.round(wait.ms)} ms, the bound, without confirmation from ${wait.unconfirmed.length} node(s)`), 'revocation');
    };
    if (opts.role === 'server') {
      feed = new ChangeFeed(store.db, peers, {
        boundMs: config.stalenessBoundMs,
        pollMs: config.feedPollMs,
        retentionMs: 3_600_000,
        listenUrl: config.feedListen ? opts.databaseUrl : undefined,
        onChange: (change) => cache.apply(change),
        onReset: () => cache.reset(),
        onError: opts.onFeedError,
      });
      cache = new VerificationCache(store.db, feed, config.cacheEntries);
      registerFollower(store.db, { peers, onWait });
      await feed.start();
    } else {
      cache = new VerificationCache(store.db, undefined, 0);
      // The CLI serves nothing, but what it revokes is final on the servers too.
      registerFollower(store.db, { peers, onWait });
    }
    const ctx: AppContext = { config, db: store.db, keys, anonymous: seed.anonymous, cache };
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
