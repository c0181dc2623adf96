/** `gatehouse keys list|rotate`: master keys, and re-encrypting every secret under the newest. */
import type { Command } from 'commander';
import { auditFromCli } from '../audit/entry.js';
import { keyFile, keyRing, newKeyBase64, toKey, writeKeyFile } from '../crypto/master-key.js';
import { keyUsage, reEncryptSecrets } from '../crypto/rotate.js';
import { recordSiteKeyIds } from '../crypto/site-keys.js';
import fs from 'node:fs';
import { print, type SiteFlags, siteOptions, withSite } from './site.js';

export function addKeyCommands(program: Command): void {
  const keys = program.command('keys').description('manage master keys');

  siteOptions(keys.command('list'))
    .description('list master keys (ids only) and how many secrets and JWTs depend on each')
    .option('--json', 'print JSON')
    .action(async (o: SiteFlags & { json?: boolean }) =>
      withSite(o, async (site) => {
        const usage = await keyUsage(site.ctx.db);
        const rows = site.ctx.keys.all().map((k, i) => ({ id: k.id, current: i === 0, ...(usage.get(k.id) ?? { secrets: 0, jwts: 0 }) }));
        print(!!o.json, rows, () => rows.map((r) => `${r.id}${r.current ? ' (current)' : ''}\t${r.secrets} secrets\t${r.jwts} JWTs`).join('\n'));
      }),
    );

  siteOptions(keys.command('rotate'))
    .description(
      'add a new master key (key file) or adopt the first of GATEHOUSE_MASTER_KEY, and re-encrypt every secret under it while servers run; old keys stay for existing JWTs. With GATEHOUSE_MASTER_KEY, put the new key first on every node (and restart them) before running this',
    )
    .option('--json', 'print JSON')
    .action(async (o: SiteFlags & { json?: boolean }) =>
      withSite(o, async (site) => {
        const fromEnv = site.ctx.config.masterKeys.length > 0;
        let ring = site.ctx.keys;
        if (!fromEnv) {
          // Newest first; old keys stay so secrets not yet re-encrypted and every JWT keep working.
          const file = keyFile(site.ctx.config.dataDir);
          const lines = fs
            .readFileSync(file, 'utf8')
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean);
          const added = newKeyBase64();
          writeKeyFile(file, [added, ...lines]);
          ring = keyRing([toKey(added, file), ...lines.map((l) => toKey(l, file))]);
        }
        // Recorded first, so no command is refused the key that secrets are about to be sealed with.
        await recordSiteKeyIds(site.ctx.db, ring);
        const result = await reEncryptSecrets(site.ctx.db, ring);
        await site.ctx.changes.audit(
          auditFromCli(
            'keys.rotate',
            { type: 'keys', id: result.keyId },
            { reEncrypted: result.reEncrypted, source: fromEnv ? 'GATEHOUSE_MASTER_KEY' : 'key file' },
          ),
        );
        print(
          !!o.json,
          result,
          () => `Current master key ${result.keyId}: ${result.reEncrypted} secrets re-encrypted. Older keys stay in place for existing JWTs.`,
        );
      }),
    );
}
