/** What the admin commands share: opening the site's store from flags, printing results. */
import type { Command } from 'commander';
import { type Config, loadConfig } from '../config.js';
import { DekiError } from '../errors.js';
import { openSite, type OpenedSite } from '../open.js';
import type { UserRow } from '../store/schema.js';
import { findUserById, findUserByName } from '../users/store.js';

export interface SiteFlags {
  dataDir?: string;
  databaseUrl?: string;
}

export function siteConfig(flags: SiteFlags, overrides: Partial<Config> = {}): Config {
  return loadConfig(process.env, { ...(flags.dataDir ? { dataDir: flags.dataDir } : {}), logLevel: 'silent', ...overrides });
}

/** Runs an admin command against the site's store, then closes it. */
export async function withSite<T>(flags: SiteFlags, fn: (site: OpenedSite) => Promise<T>): Promise<T> {
  const site = await openSite(siteConfig(flags), { databaseUrl: flags.databaseUrl ?? process.env.GATEHOUSE_DATABASE_URL, role: 'tool' });
  try {
    return await fn(site);
  } finally {
    await site.store.close();
  }
}

export function siteOptions(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'data directory (GATEHOUSE_DATA_DIR, default ./data)')
    .option('--database-url <url>', 'PostgreSQL URL (GATEHOUSE_DATABASE_URL)');
}

export function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text() + '\n');
}

export async function userByRef(site: OpenedSite, ref: string): Promise<UserRow> {
  const user = /^\d+$/.test(ref) ? await findUserById(site.ctx.db, Number(ref)) : await findUserByName(site.ctx.db, ref.replace(/^=/, ''));
  if (!user) throw new DekiError('USER_NOT_FOUND');
  return user;
}
