/**
 * Gatehouse's Prometheus metrics, on a registry of their own (never prom-client's global one, so two
 * apps in one process, as in tests, never mix their figures). Labels are bounded by construction:
 * route patterns, methods, status codes, credential kinds, registry error codes and fixed names —
 * never a token id, user id, IP or raw URL. docs/operations.md#metrics lists each with what to alert on.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What a credential check was about; `none` when the request carried no credential. */
export type CredentialKind = 'jwt' | 'server-signature' | 'browser-token' | 'oauth' | 'session' | 'none';
export type Refusal = 'failure_limit' | 'sign_in_throttle';
export type CacheKind = 'tokens' | 'users' | 'sessions' | 'jwts' | 'oauth';
export type StoreErrorSource = 'request' | 'change_feed' | 'usage_flush';

/** What the gauges read when scraped: nothing is counted on the request path for them. */
export interface MetricSources {
  cacheSizes(): Record<string, number>;
  /** Milliseconds since the change feed last confirmed the cache current; undefined without a feed. */
  feedStaleness(): number | undefined;
  /** Tokens by type; the caller keeps it cheap (a cached count). */
  tokensByType(): Promise<Record<string, number>>;
}

export interface Metrics {
  readonly registry: Registry;
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  credentialChecked(kind: CredentialKind, outcome: string): void;
  refused(by: Refusal): void;
  cacheLookup(kind: CacheKind, hit: boolean): void;
  /** A change reached this node `ageMs` after it was committed. */
  changeApplied(ageMs: number): void;
  listenerReconnected(): void;
  usageFlushed(seconds: number, ok: boolean): void;
  storeError(source: StoreErrorSource): void;
  /** Connects the scrape-time gauges to what they read. Until then they read nothing. */
  watch(sources: MetricSources): void;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);

export function createMetrics(opts: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (opts.processMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    // Gauges named like counters, which promtool rejects; the same figures stay, by type, as nodejs_active_*.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  }
  let sources: MetricSources | undefined;

  const requests = new Counter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
    registers,
  });
  const duration = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'Time from request received to response sent, by route pattern and method',
    labelNames: ['route', 'method'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const credentials = new Counter({
    name: 'gatehouse_credential_checks_total',
    help: "Credential checks by credential kind and outcome ('ok' or the refusal's error code)",
    labelNames: ['kind', 'outcome'],
    registers,
  });
  const refusals = new Counter({
    name: 'gatehouse_rate_limit_refusals_total',
    help: 'Requests refused with 429 by the failed-credential limit or the sign-in throttle',
    labelNames: ['limiter'],
    registers,
  });
  // Counted in plain numbers and handed to prom-client at scrape time: a labelled inc() hashes its
  // labels, and authenticated requests look up the cache once or twice each.
  const lookups: Record<CacheKind, [hits: number, misses: number]> = { tokens: [0, 0], users: [0, 0], sessions: [0, 0], jwts: [0, 0], oauth: [0, 0] };
  new Counter({
    name: 'gatehouse_verification_cache_lookups_total',
    help: 'Verification-cache lookups by kind and result (hit or miss)',
    labelNames: ['kind', 'result'],
    registers,
    collect() {
      this.reset();
      for (const [kind, [hits, misses]] of Object.entries(lookups)) {
        this.inc({ kind, result: 'hit' }, hits);
        this.inc({ kind, result: 'miss' }, misses);
      }
    },
  });
  new Gauge({
    name: 'gatehouse_verification_cache_entries',
    help: 'Entries held in the verification cache, by kind',
    labelNames: ['kind'],
    registers,
    collect() {
      this.reset();
      for (const [kind, n] of Object.entries(sources?.cacheSizes() ?? {})) this.set({ kind }, n);
    },
  });
  const lag = new Histogram({
    name: 'gatehouse_change_feed_lag_seconds',
    help: 'Time from a change being committed to this node applying it',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  new Gauge({
    name: 'gatehouse_change_feed_staleness_seconds',
    help: 'Seconds since the change feed last confirmed this node cache is current',
    registers,
    collect() {
      const ms = sources?.feedStaleness();
      // Before the first confirmation the staleness is infinite; Prometheus takes +Inf.
      if (ms !== undefined) this.set(ms / 1000);
    },
  });
  const reconnects = new Counter({
    name: 'gatehouse_change_feed_listener_reconnects_total',
    help: 'Times the PostgreSQL LISTEN connection was lost and opened again',
    registers,
  });
  const flushes = new Histogram({
    name: 'gatehouse_usage_flush_duration_seconds',
    help: 'Time to write a batch of token usage figures',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers,
  });
  const flushFailures = new Counter({
    name: 'gatehouse_usage_flush_failures_total',
    help: 'Usage flushes that failed (the figures are kept for the next one)',
    registers,
  });
  const storeErrors = new Counter({
    name: 'gatehouse_store_errors_total',
    help: 'Database operations that failed, by where they were made',
    labelNames: ['source'],
    registers,
  });
  new Gauge({
    name: 'gatehouse_tokens',
    help: 'Developer tokens on the site, by type (counted at most once a minute)',
    labelNames: ['type'],
    registers,
    async collect() {
      if (!sources) return;
      const counts = await sources.tokensByType().catch(() => undefined);
      if (!counts) return;
      this.reset();
      for (const type of ['server', 'browser', 'oauth']) this.set({ type }, counts[type] ?? 0);
    },
  });
  // Zero series for every label combination a dashboard or alert names, so rates work from the first scrape.
  for (const source of ['request', 'change_feed', 'usage_flush']) storeErrors.inc({ source }, 0);
  for (const limiter of ['failure_limit', 'sign_in_throttle']) refusals.inc({ limiter }, 0);

  return {
    registry,
    httpRequest(route, method, status, seconds) {
      const m = METHODS.has(method) ? method : 'OTHER';
      requests.inc({ route, method: m, status: String(status) });
      duration.observe({ route, method: m }, seconds);
    },
    credentialChecked: (kind, outcome) => credentials.inc({ kind, outcome }),
    refused: (limiter) => refusals.inc({ limiter }),
    cacheLookup: (kind, hit) => void lookups[kind][hit ? 0 : 1]++,
    changeApplied: (ageMs) => lag.observe(Math.max(0, ageMs) / 1000),
    listenerReconnected: () => reconnects.inc(),
    usageFlushed(seconds, ok) {
      flushes.observe(seconds);
      if (!ok) {
        flushFailures.inc();
        storeErrors.inc({ source: 'usage_flush' });
      }
    },
    storeError: (source) => storeErrors.inc({ source }),
    watch(s) {
      sources = s;
    },
  };
}
