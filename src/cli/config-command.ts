/** `gatehouse config`: the effective configuration, from the environment and defaults, secrets masked. */
import type { Command } from 'commander';
import { type Config, maskUrl } from '../config.js';
import { toKey } from '../crypto/master-key.js';
import { print, type SiteFlags, siteConfig, siteOptions } from './site.js';

type Shown = string | number | boolean | undefined;

/** Each option by its variable, shown as the server would use it; never a secret's value. */
type Row = readonly [variable: string, shown: Shown];

/**
 * Typed as a record over the configuration's keys, so a new option does not compile until it is
 * listed here. `siteUrlGiven` and `now` are derived or internal, not settings.
 */
function rows(c: Config): Row[] {
  const shown: Record<Exclude<keyof Config, 'siteUrlGiven' | 'now'>, Row> = {
    host: ['HOST', c.host],
    port: ['PORT', c.port],
    dataDir: ['GATEHOUSE_DATA_DIR', c.dataDir],
    siteUrl: ['GATEHOUSE_SITE_URL', c.siteUrl],
    databaseUrl: ['GATEHOUSE_DATABASE_URL', c.databaseUrl === undefined ? undefined : maskUrl(c.databaseUrl)],
    databaseWaitMs: ['GATEHOUSE_DATABASE_WAIT_MS', c.databaseWaitMs],
    adminPassword: ['GATEHOUSE_ADMIN_PASSWORD', c.adminPassword === undefined ? undefined : '(set, hidden)'],
    masterKeys: [
      'GATEHOUSE_MASTER_KEY',
      c.masterKeys.length === 0 ? undefined : `(hidden; key ids ${c.masterKeys.map((k) => toKey(k, 'GATEHOUSE_MASTER_KEY').id).join(', ')})`,
    ],
    metricsToken: ['GATEHOUSE_METRICS_TOKEN', c.metricsToken === undefined ? undefined : '(set, hidden)'],
    signatureWindowSeconds: ['GATEHOUSE_SIGNATURE_WINDOW', c.signatureWindowSeconds],
    tokenManagementEnabled: ['GATEHOUSE_TOKEN_MANAGEMENT', c.tokenManagementEnabled ? 'on' : 'off'],
    tokenAllowance: ['GATEHOUSE_TOKEN_ALLOWANCE', c.tokenAllowance],
    sessionTtlSeconds: ['GATEHOUSE_SESSION_TTL', c.sessionTtlSeconds],
    redirectHosts: ['GATEHOUSE_REDIRECT_HOSTS', c.redirectHosts.join(',') || undefined],
    bodyLimit: ['GATEHOUSE_BODY_LIMIT', c.bodyLimit],
    cacheEntries: ['GATEHOUSE_CACHE_ENTRIES', c.cacheEntries],
    feedPollMs: ['GATEHOUSE_FEED_POLL_MS', c.feedPollMs],
    stalenessBoundMs: ['GATEHOUSE_STALENESS_BOUND_MS', c.stalenessBoundMs],
    feedListen: ['GATEHOUSE_FEED_LISTEN', c.feedListen ? 'on' : 'off'],
    authFailureLimit: ['GATEHOUSE_AUTH_FAILURE_LIMIT', c.authFailureLimit],
    signInFailureLimit: ['GATEHOUSE_SIGNIN_FAILURE_LIMIT', c.signInFailureLimit],
    usageFlushMs: ['GATEHOUSE_USAGE_FLUSH_MS', c.usageFlushMs],
    unusedDays: ['GATEHOUSE_UNUSED_DAYS', c.unusedDays],
    auditRetentionDays: ['GATEHOUSE_AUDIT_RETENTION_DAYS', c.auditRetentionDays],
    trustProxy: ['GATEHOUSE_TRUST_PROXY', c.trustProxy ? 'on' : 'off'],
    // An origin never holds the URL's user part, so no upstream credential is shown.
    proxyRoutes: ['GATEHOUSE_PROXY', c.proxyRoutes.map((r) => `${r.prefix}=${r.origin}${r.basePath};require=${r.require}`).join(',') || undefined],
    proxyTimeoutMs: ['GATEHOUSE_PROXY_TIMEOUT_MS', c.proxyTimeoutMs],
    proxyUploadCollectMiB: ['GATEHOUSE_PROXY_UPLOAD_COLLECT_MIB', c.proxyUploadCollectMiB],
    logLevel: ['GATEHOUSE_LOG_LEVEL', c.logLevel],
    shutdownDrainMs: ['GATEHOUSE_SHUTDOWN_DRAIN_MS', c.shutdownDrainMs],
    shutdownTimeoutMs: ['GATEHOUSE_SHUTDOWN_TIMEOUT_MS', c.shutdownTimeoutMs],
  };
  return Object.values(shown);
}

const UNSET: Record<string, string> = {
  GATEHOUSE_DATABASE_URL: '(unset: SQLite in the data directory)',
  GATEHOUSE_ADMIN_PASSWORD: '(unset: random on first start, printed once)',
  GATEHOUSE_MASTER_KEY: '(unset: the key file master.key in the data directory)',
  GATEHOUSE_METRICS_TOKEN: '(unset: metrics for loopback clients only)',
  GATEHOUSE_TOKEN_ALLOWANCE: '(unset: no limit)',
  GATEHOUSE_REDIRECT_HOSTS: '(unset: this site only)',
  GATEHOUSE_PROXY: '(unset: no proxy routes)',
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
        shown
          .map(([k, v]) => `${k}=${v === undefined ? (UNSET[k] ?? '(unset)') : String(v)}${given.has(k) || v === undefined ? '' : '  (default)'}`)
          .join('\n'),
      );
    });
}
