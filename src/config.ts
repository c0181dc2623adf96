/**
 * Gatehouse's configuration, documented once, here. Every option has an environment
 * variable; `gatehouse serve` flags override them. Bad values are a `TypeError` at startup,
 * never a 4xx later.
 */
import net from 'node:net';
import path from 'node:path';
import { parseHostPatterns } from './tokens/host-pattern.js';
import { type ProxyRoute, parseProxyRoutes } from './gateway/proxy-routes.js';

export interface Config {
  /** Listen address. `HOST`, `--host`. Default 127.0.0.1. */
  host: string;
  /** Listen port. `PORT`, `--port`. Default 8080; 0 picks a free port. */
  port: number;
  /** Where the SQLite file and master key live. `GATEHOUSE_DATA_DIR`, `--data-dir`. Default `./data`. */
  dataDir: string;
  /** Public base URL of the site, used in `@href`, error `uri` and the JWT `iss`. `GATEHOUSE_SITE_URL`. Default `http://localhost:<port>`. */
  siteUrl: string;
  /** Whether the site URL was given (`GATEHOUSE_SITE_URL`, a flag) rather than defaulted; if not, the CLI adopts the one the server recorded. */
  siteUrlGiven: boolean;
  /** Password for the bootstrap admin on first start. `GATEHOUSE_ADMIN_PASSWORD`. Unset: random, printed once. */
  adminPassword: string | undefined;
  /** Base64 master keys (32 bytes each), newest first, comma-separated. `GATEHOUSE_MASTER_KEY`. Unset: `<data-dir>/master.key`. */
  masterKeys: string[];
  /** Accepted clock skew for server token signatures, seconds. `GATEHOUSE_SIGNATURE_WINDOW`. Default 300. */
  signatureWindowSeconds: number;
  /** Whether the developer-token API is on. `GATEHOUSE_TOKEN_MANAGEMENT` = on|off. Default on. */
  tokenManagementEnabled: boolean;
  /** Most tokens the site may hold; `undefined` means no limit. `GATEHOUSE_TOKEN_ALLOWANCE`. */
  tokenAllowance: number | undefined;
  /** Session (authtoken) lifetime, seconds. `GATEHOUSE_SESSION_TTL`. Default 14 days. */
  sessionTtlSeconds: number;
  /** Host patterns `users/authenticate?redirect=` may send a browser to, besides this site. `GATEHOUSE_REDIRECT_HOSTS`. */
  redirectHosts: string[];
  /** Largest request body, bytes. `GATEHOUSE_BODY_LIMIT`. Default 64 KiB. */
  bodyLimit: number;
  /** Credential-cache entries per kind (tokens, users, sessions) per node. `GATEHOUSE_CACHE_ENTRIES`. Default 50,000. */
  cacheEntries: number;
  /** How often a node polls the change feed, ms. `GATEHOUSE_FEED_POLL_MS`. Default 250. */
  feedPollMs: number;
  /** How long a node trusts its cache without confirming it is current, ms: the revocation bound. `GATEHOUSE_STALENESS_BOUND_MS`. Default 1000. */
  stalenessBoundMs: number;
  /** On PostgreSQL, LISTEN for changes as well as polling. `GATEHOUSE_FEED_LISTEN` = on|off. Default on; off leaves the poll alone to keep the bound. */
  feedListen: boolean;
  /** Failed credentials allowed per client IP and per token per minute before 429s. `GATEHOUSE_AUTH_FAILURE_LIMIT`. Default 60. */
  authFailureLimit: number;
  /** Failed sign-ins allowed per username (and, ×5, per IP) per 15 minutes. `GATEHOUSE_SIGNIN_FAILURE_LIMIT`. Default 10. */
  signInFailureLimit: number;
  /** How often usage figures are written, ms; a crash loses at most this much usage data. `GATEHOUSE_USAGE_FLUSH_MS`. Default 10,000. */
  usageFlushMs: number;
  /** A token unused this many days is flagged in lists. `GATEHOUSE_UNUSED_DAYS`. Default 90. */
  unusedDays: number;
  /** Audit entries older than this many days are deleted in the background, in small batches. `GATEHOUSE_AUDIT_RETENTION_DAYS`. Default 400. */
  auditRetentionDays: number;
  /** Trust `X-Forwarded-For` from a proxy in front (for client IPs). `GATEHOUSE_TRUST_PROXY` = on|off. Default off. */
  trustProxy: boolean;
  /**
   * Built-in authenticating proxy: routes `PREFIX=UPSTREAM_URL[;require=anyone|user|seated|admin]`,
   * comma-separated. `GATEHOUSE_PROXY`, `--proxy` (repeatable; replaces the variable). Default none.
   */
  proxyRoutes: ProxyRoute[];
  /** How long the built-in proxy waits for an upstream's headers, and between body chunks, ms; then 504. `GATEHOUSE_PROXY_TIMEOUT_MS`. Default 30,000. */
  proxyTimeoutMs: number;
  /**
   * The built-in proxy asks V8 to collect young garbage after this many MiB of request bodies, so an
   * upload's chunks, already passed upstream, do not stay resident (gateway/upload-collector.ts).
   * 0 leaves it to V8. `GATEHOUSE_PROXY_UPLOAD_COLLECT_MIB`. Default 2.
   */
  proxyUploadCollectMiB: number;
  /** pino log level. `GATEHOUSE_LOG_LEVEL`: fatal, error, warn, info, debug, trace or silent. Default info. */
  logLevel: string;
  /** PostgreSQL URL (`postgres://` or `postgresql://`). `GATEHOUSE_DATABASE_URL`, `--database-url`. Unset: SQLite in the data directory. */
  databaseUrl: string | undefined;
  /** How long `serve` and the CLI keep retrying an unreachable database before giving up, ms. `GATEHOUSE_DATABASE_WAIT_MS`. Default 30,000. */
  databaseWaitMs: number;
  /** Bearer token that lets non-loopback clients read `/@gatehouse/metrics`, 16+ characters. `GATEHOUSE_METRICS_TOKEN`. Unset: loopback only. */
  metricsToken: string | undefined;
  /** After SIGTERM, how long readiness says 503 while new connections are still served, ms (give the load balancer time to notice). `GATEHOUSE_SHUTDOWN_DRAIN_MS`. Default 0 (a single node). */
  shutdownDrainMs: number;
  /** After SIGTERM, the most the shutdown may take before the process exits 1, ms. `GATEHOUSE_SHUTDOWN_TIMEOUT_MS`. Default 30,000. */
  shutdownTimeoutMs: number;
  /** The clock, in milliseconds. Tests inject one; production uses `Date.now`. */
  now: () => number;
}

function int(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new TypeError(`${name} must be an integer from ${min} to ${max}, got '${value}'`);
  return n;
}

function oneOf(name: string, value: string | undefined, fallback: string, accepted: string[]): string {
  if (value === undefined || value === '') return fallback;
  if (accepted.includes(value)) return value;
  throw new TypeError(`${name} must be one of ${accepted.join(', ')}, got '${value}'`);
}

function bool(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(on|true|1|yes)$/i.test(value)) return true;
  if (/^(off|false|0|no)$/i.test(value)) return false;
  throw new TypeError(`${name} must be on or off, got '${value}'`);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** Standard base64 of exactly 32 bytes. */
const KEY_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

function host(value: string | undefined): string {
  if (value === undefined || value === '') return '127.0.0.1';
  if (net.isIP(value) || HOSTNAME.test(value)) return value;
  throw new TypeError(`HOST must be an IP address (127.0.0.1, 0.0.0.0, ::) or a host name, got '${value}'`);
}

function masterKeys(value: string | undefined): string[] {
  const keys = list(value);
  keys.forEach((k, i) => {
    // Never echo the value: even a malformed key may be most of a real one.
    if (!KEY_BASE64.test(k))
      throw new TypeError(
        `GATEHOUSE_MASTER_KEY key ${i + 1} of ${keys.length} is not base64 of exactly 32 bytes (${k.length} characters); make one with: openssl rand -base64 32`,
      );
  });
  return keys;
}

/** The URL with its password replaced, for messages and `gatehouse config`. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '*****';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

export function databaseUrl(value: string | undefined, name = 'GATEHOUSE_DATABASE_URL'): string | undefined {
  if (value === undefined || value === '') return undefined;
  let ok = false;
  try {
    const u = new URL(value);
    ok = (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
  } catch {
    ok = false;
  }
  if (!ok)
    throw new TypeError(`${name} must be a postgres:// or postgresql:// URL such as postgres://gatehouse@db.internal:5432/gatehouse, got '${maskUrl(value)}'`);
  return value;
}

function metricsToken(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length < 16 || /\s/.test(value))
    throw new TypeError(`GATEHOUSE_METRICS_TOKEN must be at least 16 characters without spaces, got ${value.length} characters`);
  return value;
}

function hostPatterns(name: string, value: string | undefined): string[] {
  const parsed = parseHostPatterns(value ?? '');
  if ('invalid' in parsed) throw new TypeError(`${name}: '${parsed.invalid}' is not a host pattern such as *.example.com or https://app.example.com:8443`);
  return parsed.patterns;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Builds the configuration from the environment, then applies explicit overrides (CLI flags, tests). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const port = overrides.port ?? int('PORT', env.PORT, 8080, 0, 65535);
  const siteUrl = (overrides.siteUrl ?? env.GATEHOUSE_SITE_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    const u = new URL(siteUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new TypeError(`GATEHOUSE_SITE_URL must be an http(s) URL, got '${siteUrl}'`);
  }
  const allowance = env.GATEHOUSE_TOKEN_ALLOWANCE;
  const config: Config = {
    host: host(env.HOST),
    port,
    dataDir: path.resolve(env.GATEHOUSE_DATA_DIR || './data'),
    siteUrl,
    siteUrlGiven: Boolean(overrides.siteUrl ?? env.GATEHOUSE_SITE_URL),
    adminPassword: env.GATEHOUSE_ADMIN_PASSWORD || undefined,
    masterKeys: masterKeys(env.GATEHOUSE_MASTER_KEY),
    signatureWindowSeconds: int('GATEHOUSE_SIGNATURE_WINDOW', env.GATEHOUSE_SIGNATURE_WINDOW, 300, 1, 86_400),
    tokenManagementEnabled: bool('GATEHOUSE_TOKEN_MANAGEMENT', env.GATEHOUSE_TOKEN_MANAGEMENT, true),
    tokenAllowance: allowance ? int('GATEHOUSE_TOKEN_ALLOWANCE', allowance, 0, 0, 1_000_000_000) : undefined,
    sessionTtlSeconds: int('GATEHOUSE_SESSION_TTL', env.GATEHOUSE_SESSION_TTL, 14 * 86_400, 60, 366 * 86_400),
    redirectHosts: hostPatterns('GATEHOUSE_REDIRECT_HOSTS', env.GATEHOUSE_REDIRECT_HOSTS),
    bodyLimit: int('GATEHOUSE_BODY_LIMIT', env.GATEHOUSE_BODY_LIMIT, 64 * 1024, 1024, 16 * 1024 * 1024),
    cacheEntries: int('GATEHOUSE_CACHE_ENTRIES', env.GATEHOUSE_CACHE_ENTRIES, 50_000, 0, 10_000_000),
    feedPollMs: int('GATEHOUSE_FEED_POLL_MS', env.GATEHOUSE_FEED_POLL_MS, 250, 10, 10_000),
    stalenessBoundMs: int('GATEHOUSE_STALENESS_BOUND_MS', env.GATEHOUSE_STALENESS_BOUND_MS, 1000, 50, 60_000),
    feedListen: bool('GATEHOUSE_FEED_LISTEN', env.GATEHOUSE_FEED_LISTEN, true),
    authFailureLimit: int('GATEHOUSE_AUTH_FAILURE_LIMIT', env.GATEHOUSE_AUTH_FAILURE_LIMIT, 60, 1, 1_000_000),
    signInFailureLimit: int('GATEHOUSE_SIGNIN_FAILURE_LIMIT', env.GATEHOUSE_SIGNIN_FAILURE_LIMIT, 10, 1, 1_000_000),
    usageFlushMs: int('GATEHOUSE_USAGE_FLUSH_MS', env.GATEHOUSE_USAGE_FLUSH_MS, 10_000, 100, 3_600_000),
    unusedDays: int('GATEHOUSE_UNUSED_DAYS', env.GATEHOUSE_UNUSED_DAYS, 90, 1, 3650),
    auditRetentionDays: int('GATEHOUSE_AUDIT_RETENTION_DAYS', env.GATEHOUSE_AUDIT_RETENTION_DAYS, 400, 1, 36_500),
    trustProxy: bool('GATEHOUSE_TRUST_PROXY', env.GATEHOUSE_TRUST_PROXY, false),
    proxyRoutes: overrides.proxyRoutes ?? parseProxyRoutes('GATEHOUSE_PROXY', (env.GATEHOUSE_PROXY ?? '').split(',')),
    proxyTimeoutMs: int('GATEHOUSE_PROXY_TIMEOUT_MS', env.GATEHOUSE_PROXY_TIMEOUT_MS, 30_000, 10, 3_600_000),
    proxyUploadCollectMiB: int('GATEHOUSE_PROXY_UPLOAD_COLLECT_MIB', env.GATEHOUSE_PROXY_UPLOAD_COLLECT_MIB, 2, 0, 1024),
    logLevel: oneOf('GATEHOUSE_LOG_LEVEL', env.GATEHOUSE_LOG_LEVEL, 'info', LOG_LEVELS),
    databaseUrl: databaseUrl(env.GATEHOUSE_DATABASE_URL),
    databaseWaitMs: int('GATEHOUSE_DATABASE_WAIT_MS', env.GATEHOUSE_DATABASE_WAIT_MS, 30_000, 0, 600_000),
    metricsToken: metricsToken(env.GATEHOUSE_METRICS_TOKEN),
    shutdownDrainMs: int('GATEHOUSE_SHUTDOWN_DRAIN_MS', env.GATEHOUSE_SHUTDOWN_DRAIN_MS, 0, 0, 600_000),
    shutdownTimeoutMs: int('GATEHOUSE_SHUTDOWN_TIMEOUT_MS', env.GATEHOUSE_SHUTDOWN_TIMEOUT_MS, 30_000, 100, 3_600_000),
    now: Date.now,
    ...overrides,
  };
  if (config.feedPollMs * 2 > config.stalenessBoundMs) {
    throw new TypeError('GATEHOUSE_FEED_POLL_MS must be at most half of GATEHOUSE_STALENESS_BOUND_MS, or one slow poll breaks the bound');
  }
  if (config.shutdownDrainMs >= config.shutdownTimeoutMs) {
    throw new TypeError('GATEHOUSE_SHUTDOWN_DRAIN_MS must be less than GATEHOUSE_SHUTDOWN_TIMEOUT_MS, or every shutdown times out');
  }
  config.siteUrl = siteUrl;
  config.dataDir = path.resolve(config.dataDir);
  return config;
}
