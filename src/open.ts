/** Opens a site's store, keys and seed data: what `serve` and the admin CLI commands both need. */
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { loadMasterKeys } from './crypto/master-key.js';
import { openStore, type Store } from './store/database.js';
import { seedSite } from './store/seed.js';

export interface OpenedSite {
  readonly ctx: AppContext;
  readonly store: Store;
  readonly generatedAdminPassword: string | undefined;
}

export async function openSite(config: Config, databaseUrl?: string): Promise<OpenedSite> {
  const store = await openStore({ dataDir: config.dataDir, databaseUrl });
  try {
    const keys = loadMasterKeys(config.masterKeys, config.dataDir);
    const seed = await seedSite(store, config.adminPassword, config.now());
    return { ctx: { config, db: store.db, keys, anonymous: seed.anonymous }, store, generatedAdminPassword: seed.generatedAdminPassword };
  } catch (err) {
    await store.close();
    throw err;
  }
}
