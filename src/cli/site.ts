/** What the admin commands share: opening the site's store from flags, printing results. */
import type { Command } from 'commander';
import { type Config, databaseUrl, loadConfig } from '../config.js';
import { checkBeforeOpening } from '../ops/startup.js';
import { DekiError } from '../errors.js';
import { openSite, type OpenedSite } from '../open.js';
import type { UserRow } from '../store/schema.js';
import { findUserById, findUserByName } from '../users/store.js';

export interface SiteFlags {
  dataDir?: string;
  databaseUrl?: string;
}

export function siteConfig(flags: SiteFlags, overrides: Partial<Config> = {}): Config {
  const fromFlags: Partial<Config> = {
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    ...(flags.databaseUrl ? { databaseUrl: databaseUrl(flags.databaseUrl, '--database-url') } : {}),
  };
  return loadConfig(process.env, { ...fromFlags, logLevel: 'silent', ...overrides });
}

/** A line for the operator while the command waits (for the database). */
export function say(line: string): void {
  process.stderr.write(`gatehouse: ${line}\n`);
}

/** Runs an admin command against the site's store, then closes it. */
export async function withSite<T>(flags: SiteFlags, fn: (site: OpenedSite) => Promise<T>): Promise<T> {
  const config = siteConfig(flags);
  await checkBeforeOpening(config, say);
  const site = await openSite(config, { databaseUrl: config.databaseUrl, role: 'tool' });
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
