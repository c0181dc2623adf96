/** `gatehouse config`: the effective configuration, from the environment and defaults, secrets masked. */
import type { Command } from 'commander';
import { type Config, maskUrl } from '../config.js';
import { toKey } from '../crypto/master-key.js';
import { print, type SiteFlags, siteConfig, siteOptions } from './site.js';

type Shown = string | number | boolean | undefined;

/** Each option by its variable, shown as the server would use it; never a secret's value. */
function rows(c: Config): [string, Shown][] {
  return [
    ['HOST', c.host],
    ['PORT', c.port],
    ['GATEHOUSE_DATA_DIR', c.dataDir],
    ['GATEHOUSE_SITE_URL', c.siteUrl],
    ['GATEHOUSE_DATABASE_URL', c.databaseUrl === undefined ? undefined : maskUrl(c.databaseUrl)],
    ['GATEHOUSE_DATABASE_WAIT_MS', c.databaseWaitMs],
    ['GATEHOUSE_ADMIN_PASSWORD', c.adminPassword === undefined ? undefined : '(set, hidden)'],
    ['GATEHOUSE_MASTER_KEY', c.masterKeys.length === 0 ? undefined : `(hidden; key ids ${c.masterKeys.map((k) => toKey(k, 'GATEHOUSE_MASTER_KEY').id).join(', ')})`],
    ['GATEHOUSE_METRICS_TOKEN', c.metricsToken === undefined ? undefined : '(set, hidden)'],
    ['GATEHOUSE_SIGNATURE_WINDOW', c.signatureWindowSeconds],
    ['GATEHOUSE_TOKEN_MANAGEMENT', c.tokenManagementEnabled ? 'on' : 'off'],
    ['GATEHOUSE_TOKEN_ALLOWANCE', c.tokenAllowance],
    ['GATEHOUSE_SESSION_TTL', c.sessionTtlSeconds],
    ['GATEHOUSE_REDIRECT_HOSTS', c.redirectHosts.join(',') || undefined],
    ['GATEHOUSE_BODY_LIMIT', c.bodyLimit],
    ['GATEHOUSE_CACHE_ENTRIES', c.cacheEntries],
    ['GATEHOUSE_FEED_POLL_MS', c.feedPollMs],
    ['GATEHOUSE_STALENESS_BOUND_MS', c.stalenessBoundMs],
    ['GATEHOUSE_FEED_LISTEN', c.feedListen ? 'on' : 'off'],
    ['GATEHOUSE_AUTH_FAILURE_LIMIT', c.authFailureLimit],
    ['GATEHOUSE_SIGNIN_FAILURE_LIMIT', c.signInFailureLimit],
    ['GATEHOUSE_USAGE_FLUSH_MS', c.usageFlushMs],
    ['GATEHOUSE_UNUSED_DAYS', c.unusedDays],
    ['GATEHOUSE_TRUST_PROXY', c.trustProxy ? 'on' : 'off'],
    ['GATEHOUSE_LOG_LEVEL', c.logLevel],
    ['GATEHOUSE_SHUTDOWN_DRAIN_MS', c.shutdownDrainMs],
    ['GATEHOUSE_SHUTDOWN_TIMEOUT_MS', c.shutdownTimeoutMs],
  ];
}

const UNSET: Record<string, string> = {
  GATEHOUSE_DATABASE_URL: '(unset: SQLite in the data directory)',
  GATEHOUSE_ADMIN_PASSWORD: '(unset: random on first start, printed once)',
  GATEHOUSE_MASTER_KEY: '(unset: the key file master.key in the data directory)',
  GATEHOUSE_METRICS_TOKEN: '(unset: metrics for loopback clients only)',
  GATEHOUSE_TOKEN_ALLOWANCE: '(unset: no limit)',
  GATEHOUSE_REDIRECT_HOSTS: '(unset: this site only)',
};

export function addConfigCommand(program: Command): void {
  siteOptions(program.command('config'))
    .description('print the effective configuration (environment and defaults), secrets masked; exits 1 on a bad value')
    .option('--json', 'print JSON')
    .action((o: SiteFlags & { json?: boolean }) => {
      // siteConfig would silence the log level; show what `serve` would use.
      const config = siteConfig(o, { logLevel: process.env.GATEHOUSE_LOG_LEVEL || 'info' });
      const shown = rows(config);
      const given = new Set([...Object.keys(process.env), ...(o.dataDir ? ['GATEHOUSE_DATA_DIR'] : []), ...(o.databaseUrl ? ['GATEHOUSE_DATABASE_URL'] : [])]);
      print(!!o.json, Object.fromEntries(shown.map(([k, v]) => [k, v ?? null])), () =>
        shown.map(([k, v]) => `${k}=${v === undefined ? (UNSET[k] ?? '(unset)') : String(v)}${given.has(k) || v === undefined ? '' : '  (default)'}`).join('\n'),
      );
    });
}
