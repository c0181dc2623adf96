/** Opens a site's store, keys and seed data: what `serve` and the admin CLI commands both need. */
import type { Kysely } from 'kysely';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { loadMasterKeys } from './crypto/master-key.js';
import { openStore, type Store } from './store/database.js';
import type { Database } from './store/schema.js';
import { seedSite } from './store/seed.js';

export interface OpenedSite {
  readonly ctx: AppContext;
  readonly store: Store;
  readonly generatedAdminPassword: string | undefined;
}

export interface OpenOptions {
  databaseUrl?: string | undefined;
  /**
   * `server` records its site URL; `tool` (the CLI) adopts the recorded one unless
   * GATEHOUSE_SITE_URL is set, so a JWT the CLI issues carries the `iss` the server checks.
   */
  role?: 'server' | 'tool';
}

async function recordedSiteUrl(db: Kysely<Database>): Promise<string | undefined> {
  return (await db.selectFrom('settings').select('value').where('name', '=', 'site_url').executeTakeFirst())?.value;
}

async function recordSiteUrl(db: Kysely<Database>, url: string): Promise<void> {
  await db.insertInto('settings').values({ name: 'site_url', value: url }).onConflict((oc) => oc.column('name').doUpdateSet({ value: url })).execute();
}

export async function openSite(config: Config, opts: OpenOptions = {}): Promise<OpenedSite> {
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: opts.databaseUrl });
  try {
    const keys = loadMasterKeys(config.masterKeys, config.dataDir);
    const seed = await seedSite(store, config.adminPassword, config.now());
    if (opts.role === 'tool') {
      const recorded = process.env.GATEHOUSE_SITE_URL ? undefined : await recordedSiteUrl(store.db);
      if (recorded) config = { ...config, siteUrl: recorded };
    } else {
      await recordSiteUrl(store.db, config.siteUrl);
    }
    return { ctx: { config, db: store.db, keys, anonymous: seed.anonymous }, store, generatedAdminPassword: seed.generatedAdminPassword };
  } catch (err) {
    await store.close();
    throw err;
  }
}
