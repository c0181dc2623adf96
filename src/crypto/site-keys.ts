/**
 * Which master keys a site's servers hold, by id (never the key), so the CLI can refuse to write what
 * no server could read: a token sealed or a JWT signed under a key the servers lack fails on every
 * node. Servers record their keys at start; `keys rotate` records the key it adds.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { MasterKeyRing } from './master-key.js';

const SETTING = 'master_key_ids';

/** The key ids the site's servers hold, newest first; empty on a site no server has started yet. */
export async function siteKeyIds(db: Kysely<Database>): Promise<string[]> {
  const row = await db.selectFrom('settings').select('value').where('name', '=', SETTING).executeTakeFirst();
  return (row?.value ?? '').split(',').filter(Boolean);
}

/** Adds this ring's key ids to the site's, newest first. */
export async function recordSiteKeyIds(db: Kysely<Database>, ring: MasterKeyRing): Promise<void> {
  const mine = ring.all().map((k) => k.id);
  const value = [...new Set([...mine, ...(await siteKeyIds(db))])].join(',');
  await db
    .insertInto('settings')
    .values({ name: SETTING, value })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
    .execute();
}

/** Why a command holding no key at all may not touch this site, or undefined when no server has recorded keys. */
export function noKeyRefusal(site: readonly string[]): string | undefined {
  if (site.length === 0) return undefined;
  return `master key ${site[0]} of this site is missing here: set GATEHOUSE_MASTER_KEY as on the servers (nothing was written)`;
}

/** Why the command's keys do not fit the site's, or undefined when they do (or no server has recorded keys). */
export function keyMismatch(site: readonly string[], ring: MasterKeyRing): string | undefined {
  if (site.length === 0) return undefined;
  if (!ring.byId(site[0]!)) {
    return `master key ${site[0]} of this site is missing here (this command has ${ring
      .all()
      .map((k) => k.id)
      .join(', ')}): set GATEHOUSE_MASTER_KEY as on the servers (nothing was written)`;
  }
  const current = ring.current.id;
  if (!site.includes(current)) {
    return `master key ${current}, this command's newest, is not held by this site's servers (they hold ${site.join(', ')}): restart them with it first (nothing was written)`;
  }
  return undefined;
}
