/**
 * `gatehouse backup <file>`: a consistent copy of a SQLite site while servers run. SQLite's online
 * backup copies every page in one step, inside one read transaction: in WAL mode that blocks no
 * writer and sees exactly the commits made before it began. The copy is checked with
 * `integrity_check` before it replaces `<file>`. The master key is not in the copy, by design.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Command } from 'commander';
import { keyFile } from '../crypto/master-key.js';
import { print, type SiteFlags, siteConfig, siteOptions } from './site.js';

export interface BackupResult {
  file: string;
  pages: number;
  integrity: string;
  /** Master key ids the servers of this site recorded: the keys that must be kept with the copy. */
  masterKeyIds: string[];
  /** Where those keys are: the key file, or GATEHOUSE_MASTER_KEY. */
  masterKeyAt: string;
}

/** Copies the SQLite file at `source` to `target` (atomically, through a temporary file) and checks the copy. */
export async function backupSqlite(source: string, target: string): Promise<Omit<BackupResult, 'masterKeyAt'>> {
  if (!fs.existsSync(source)) throw new TypeError(`no SQLite site at ${source}: check --data-dir or GATEHOUSE_DATA_DIR`);
  const tmp = `${target}.${process.pid}.tmp`;
  const db = new SQLite(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // All remaining pages in one step: a copy in steps restarts whenever a server writes in between.
    const { totalPages } = await db.backup(tmp, { progress: () => 0x7fffffff });
    const copy = new SQLite(tmp, { fileMustExist: true });
    let integrity: string;
    let masterKeyIds: string[];
    try {
      integrity = (copy.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
      const row = copy.prepare("select value from settings where name = 'master_key_ids'").get() as { value: string } | undefined;
      masterKeyIds = (row?.value ?? '').split(',').filter(Boolean);
      copy.pragma('journal_mode = DELETE'); // one self-contained file, no -wal beside it
    } finally {
      copy.close();
    }
    if (integrity !== 'ok') throw new Error(`the copy failed integrity_check (${integrity}); ${target} was not written`);
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, target);
    return { file: target, pages: totalPages, integrity, masterKeyIds };
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  } finally {
    db.close();
  }
}

export function addBackupCommand(program: Command): void {
  siteOptions(program.command('backup'))
    .argument('<file>', 'where to write the copy (replaced if it exists)')
    .description('copy a SQLite site to <file> while servers run, consistently; keep the master key with it (PostgreSQL: use pg_dump)')
    .option('--json', 'print JSON')
    .action(async (file: string, o: SiteFlags & { json?: boolean }) => {
      const config = siteConfig(o);
      if (config.databaseUrl) throw new TypeError('gatehouse backup copies a SQLite site; for PostgreSQL use pg_dump (docs/operations.md#backup-and-restore)');
      const target = path.resolve(file);
      const copied = await backupSqlite(path.join(config.dataDir, 'gatehouse.sqlite'), target);
      const masterKeyAt = config.masterKeys.length > 0 ? 'GATEHOUSE_MASTER_KEY' : keyFile(config.dataDir);
      const result: BackupResult = { ...copied, masterKeyAt };
      print(!!o.json, result, () =>
        [
          `Backed up ${result.pages} pages to ${result.file} (integrity_check: ${result.integrity}).`,
          `Keep the master key with it, stored apart: ${masterKeyAt}${result.masterKeyIds.length ? ` (key ids ${result.masterKeyIds.join(', ')})` : ''}.`,
          'Without it the token secrets and JWT keys in the copy cannot be used.',
        ].join('\n'),
      );
    });
}
