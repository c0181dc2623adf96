/**
 * Token usage: last use (time, IP, user agent, acting user), requests in the last 24 h
 * and 30 days, failed attempts, distinct client IPs. Requests only touch memory; a node writes
 * what it gathered every `flushMs` (default 10 s) in one transaction, so a crash loses at most that
 * much usage data — never a token, a revocation or an audit entry.
 */
import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import type { Database, TokenRow } from '../store/schema.js';
import { FAILURE_REASONS, REASON_COLUMNS, type ReasonIndex } from './failure-reason.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Distinct IPs kept per token between flushes: enough to say "shared by several clients". */
const MAX_IPS = 256;

export interface UsageFigures {
  lastUsedAt: number | undefined;
  lastIp: string | undefined;
  lastUserAgent: string | undefined;
  lastUserId: number | undefined;
  requests24h: number;
  requests30d: number;
  failures30d: number;
  clients30d: number;
  /** No use for `unusedDays` (counted from creation when never used). */
  unused: boolean;
  /** Failures in the last 24 h by reason, in `FAILURE_REASONS` order. */
  refusals24h: number[];
}

/** One hour's counts; `reasons` (in `FAILURE_REASONS` order) exists once the hour saw a failure. */
interface HourCounts {
  requests: number;
  failures: number;
  reasons?: number[];
}

/**
 * What one token gathered since the last flush. Requests land in the current hour's counters and
 * the last-use fields, set in place: a request allocates nothing once its token has an entry.
 */
class Pending {
  used = false;
  lastAt = 0;
  lastIp = '';
  lastUserAgent: string | undefined = undefined;
  lastUserId: number | undefined = undefined;
  hour = -1;
  requests = 0;
  failures = 0;
  /** The current hour's failures by reason, zeroed in place when the hour turns. */
  readonly reasons = FAILURE_REASONS.map(() => 0);
  /** Earlier hours' counts, moved out of the counters above when the hour turns. */
  readonly hours = new Map<number, HourCounts>();
  readonly ips = new Map<string, number>();

  /** Moves the counters to `hour`, keeping the previous hour's in `hours`. */
  turnTo(hour: number): void {
    if (this.hour === hour) return;
    this.settle();
    this.hour = hour;
  }

  /** Every hour's counts, the current one included. */
  allHours(): Map<number, HourCounts> {
    this.settle();
    return this.hours;
  }

  private settle(): void {
    if (this.requests === 0 && this.failures === 0) return;
    const now: HourCounts = { requests: this.requests, failures: this.failures };
    if (this.failures > 0) now.reasons = [...this.reasons];
    this.hours.set(this.hour, addHours(this.hours.get(this.hour), now));
    this.requests = 0;
    this.failures = 0;
    this.reasons.fill(0);
  }
}

export interface UsageOptions {
  flushMs: number;
  unusedDays: number;
  now: () => number;
  /** Told how long each write took and whether it failed. */
  onFlush?: (seconds: number, ok: boolean) => void;
}

export class UsageRecorder {
  private pending = new Map<number, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: UsageOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.opts.flushMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }

  private entry(tokenId: number): Pending {
    let p = this.pending.get(tokenId);
    if (!p) this.pending.set(tokenId, (p = new Pending()));
    return p;
  }

  private count(tokenId: number, ip: string, reason: ReasonIndex | undefined, now: number): Pending {
    const p = this.entry(tokenId);
    p.turnTo(Math.floor(now / HOUR));
    if (reason !== undefined) {
      p.failures++;
      p.reasons[reason]!++;
    } else p.requests++;
    // Re-setting a known IP replaces the value in place; only a new IP adds an entry.
    if (p.ips.size < MAX_IPS || p.ips.has(ip)) p.ips.set(ip, now);
    return p;
  }

  /** A request this token authenticated. */
  success(tokenId: number, ip: string, userAgent: string | undefined, userId: number | undefined): void {
    const now = this.opts.now();
    const p = this.count(tokenId, ip, undefined, now);
    p.used = true;
    p.lastAt = now;
    p.lastIp = ip;
    p.lastUserAgent = userAgent?.slice(0, 256);
    p.lastUserId = userId;
  }

  /** A request that named this token and failed, for this reason (`reasonOf`). */
  failure(tokenId: number, ip: string, reason: ReasonIndex): void {
    this.count(tokenId, ip, reason, this.opts.now());
  }

  /** Writes what was gathered. Concurrent calls share one write. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.size === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = new Map();
    const started = performance.now();
    const took = () => (performance.now() - started) / 1000;
    this.flushing = this.write(batch)
      .then(() => this.opts.onFlush?.(took(), true))
      .catch((err: unknown) => {
        this.opts.onFlush?.(took(), false);
        // Keep the figures for the next try rather than lose them to a passing database error.
        for (const [id, p] of batch) this.merge(id, p);
        throw err;
      })
      .finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private merge(id: number, from: Pending): void {
    const into = this.entry(id);
    if (from.used && (!into.used || into.lastAt < from.lastAt)) {
      into.used = true;
      into.lastAt = from.lastAt;
      into.lastIp = from.lastIp;
      into.lastUserAgent = from.lastUserAgent;
      into.lastUserId = from.lastUserId;
    }
    const hours = into.allHours();
    for (const [hour, h] of from.allHours()) hours.set(hour, addHours(hours.get(hour), h));
    for (const [ip, at] of from.ips) into.ips.set(ip, Math.max(at, into.ips.get(ip) ?? 0));
  }

  // Rows older than the figures need are deleted in the background (usage/pruning.ts).
  // Every node writes in token-id order, hours and IPs sorted too, so two nodes' flushes lock the
  // rows they share in one order and never deadlock.
  private async write(batch: Map<number, Pending>): Promise<void> {
    const entries = [...batch].sort(([a], [b]) => a - b);
    await this.db.transaction().execute(async (trx) => {
      for (const [tokenId, p] of entries) {
        if (p.used) {
          const row = {
            token_id: tokenId,
            last_used_at: p.lastAt,
            last_ip: p.lastIp,
            last_user_agent: p.lastUserAgent ?? null,
            last_user_id: p.lastUserId ?? null,
          };
          await trx
            .insertInto('token_usage')
            .values(row)
            .onConflict((oc) => oc.column('token_id').doUpdateSet(row).where('token_usage.last_used_at', '<', row.last_used_at))
            .execute();
        }
        for (const [hour, h] of [...p.allHours()].sort(([a], [b]) => a - b)) {
          const reasons = Object.fromEntries(REASON_COLUMNS.map((c, i) => [c, h.reasons?.[i] ?? 0]));
          await trx
            .insertInto('token_usage_hourly')
            .values({ token_id: tokenId, hour, requests: h.requests, failures: h.failures, ...reasons })
            .onConflict((oc) =>
              oc.columns(['token_id', 'hour']).doUpdateSet((eb) => ({
                requests: eb('token_usage_hourly.requests', '+', eb.ref('excluded.requests')),
                failures: eb('token_usage_hourly.failures', '+', eb.ref('excluded.failures')),
                ...Object.fromEntries(REASON_COLUMNS.map((c) => [c, eb(`token_usage_hourly.${c}`, '+', eb.ref(`excluded.${c}`))])),
              })),
            )
            .execute();
        }
        for (const [ip, at] of [...p.ips].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
          await trx
            .insertInto('token_usage_ips')
            .values({ token_id: tokenId, ip, last_seen: at })
            .onConflict((oc) => oc.columns(['token_id', 'ip']).doUpdateSet({ last_seen: at }))
            .execute();
        }
      }
      // The list sorts and filters by last use on the token's own row (tokens/listing.ts). Copied
      // last, in one statement per thousand tokens: the token rows stay locked only from here to
      // the commit, so a revoking write on a token (its DELETE waits for that lock) is not held up
      // for the whole flush.
      const used = entries.filter(([, p]) => p.used);
      for (let i = 0; i < used.length; i += 1000) {
        const chunk = used.slice(i, i + 1000);
        const lastUse = sql<number>`case id ${sql.join(
          chunk.map(([id, p]) => sql`when ${id} then cast(${p.lastAt} as bigint)`),
          sql` `,
        )} end`;
        await trx
          .updateTable('developer_tokens')
          .set({ last_used_at: lastUse })
          .where(
            'id',
            'in',
            chunk.map(([id]) => id),
          )
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', lastUse)]))
          .execute();
      }
    });
  }

  /** Figures for these tokens: what the database holds plus what this node has not written yet. */
  async figures(tokens: readonly TokenRow[]): Promise<Map<number, UsageFigures>> {
    const now = this.opts.now();
    const hour24 = Math.floor((now - DAY) / HOUR) + 1;
    const hour30 = Math.floor((now - 30 * DAY) / HOUR) + 1;
    const ids = tokens.map((t) => t.id);
    // Only these tokens' rows are read: callers pass a page (at most 1000) at a time.
    if (ids.length === 0) return new Map();
    const [last, hourly, clients] = await Promise.all([
      this.db.selectFrom('token_usage').selectAll().where('token_id', 'in', ids).execute(),
      this.db
        .selectFrom('token_usage_hourly')
        .select((eb) => [
          'token_id',
          eb.fn.sum<number>(eb.case().when('hour', '>=', hour24).then(eb.ref('requests')).else(0).end()).as('r24'),
          eb.fn.sum<number>('requests').as('r30'),
          eb.fn.sum<number>('failures').as('f30'),
          ...REASON_COLUMNS.map((c) => eb.fn.sum<number>(eb.case().when('hour', '>=', hour24).then(eb.ref(c)).else(0).end()).as(c)),
        ])
        .where('hour', '>=', hour30)
        .where('token_id', 'in', ids)
        .groupBy('token_id')
        .execute(),
      this.db
        .selectFrom('token_usage_ips')
        .select((eb) => ['token_id', eb.fn.countAll<number>().as('n')])
        .where('last_seen', '>=', now - 30 * DAY)
        .where('token_id', 'in', ids)
        .groupBy('token_id')
        .execute(),
    ]);
    const lastBy = new Map(last.map((r) => [Number(r.token_id), r]));
    const hourlyBy = new Map(hourly.map((r) => [Number(r.token_id), r]));
    const clientsBy = new Map(clients.map((r) => [Number(r.token_id), Number(r.n)]));
    const out = new Map<number, UsageFigures>();
    for (const t of tokens) {
      const p = this.pending.get(t.id);
      const stored = lastBy.get(t.id);
      const mine = p?.used ? p : undefined;
      const useLocal = mine !== undefined && (!stored || stored.last_used_at < mine.lastAt);
      let r24 = Number(hourlyBy.get(t.id)?.r24 ?? 0);
      let r30 = Number(hourlyBy.get(t.id)?.r30 ?? 0);
      let f30 = Number(hourlyBy.get(t.id)?.f30 ?? 0);
      const stored24 = hourlyBy.get(t.id);
      const refusals24h = REASON_COLUMNS.map((c) => Number(stored24?.[c] ?? 0));
      for (const [hour, h] of p?.allHours() ?? []) {
        if (hour >= hour24) {
          r24 += h.requests;
          h.reasons?.forEach((n, i) => (refusals24h[i]! += n));
        }
        if (hour >= hour30) {
          r30 += h.requests;
          f30 += h.failures;
        }
      }
      // Unwritten IPs may already be among the stored ones; the count is a hint, not an audit.
      const clients30d = Math.max(clientsBy.get(t.id) ?? 0, p?.ips.size ?? 0);
      const lastUsedAt = useLocal ? mine.lastAt : (stored?.last_used_at ?? undefined);
      out.set(t.id, {
        lastUsedAt,
        lastIp: useLocal ? mine.lastIp : (stored?.last_ip ?? undefined),
        lastUserAgent: useLocal ? mine.lastUserAgent : (stored?.last_user_agent ?? undefined),
        lastUserId: useLocal ? mine.lastUserId : (stored?.last_user_id ?? undefined),
        requests24h: r24,
        requests30d: r30,
        failures30d: f30,
        clients30d,
        unused: now - (lastUsedAt ?? t.created_at) > this.opts.unusedDays * DAY,
        refusals24h,
      });
    }
    return out;
  }

  /**
   * A token's hourly counts over the last 30 days (hours since the epoch): what the database holds
   * plus what this node has not written yet.
   */
  async hours(tokenId: number): Promise<Map<number, Required<HourCounts>>> {
    const from = Math.floor((this.opts.now() - 30 * DAY) / HOUR) + 1;
    const rows = await this.db.selectFrom('token_usage_hourly').selectAll().where('token_id', '=', tokenId).where('hour', '>=', from).execute();
    const out = new Map<number, Required<HourCounts>>();
    for (const r of rows) {
      out.set(Number(r.hour), { requests: Number(r.requests), failures: Number(r.failures), reasons: REASON_COLUMNS.map((c) => Number(r[c])) });
    }
    for (const [hour, h] of this.pending.get(tokenId)?.allHours() ?? []) if (hour >= from) out.set(hour, addHours(out.get(hour), h));
    return out;
  }
}

function addHours(a: HourCounts | undefined, b: HourCounts): Required<HourCounts> {
  const reasons = FAILURE_REASONS.map((_, i) => (a?.reasons?.[i] ?? 0) + (b.reasons?.[i] ?? 0));
  return { requests: (a?.requests ?? 0) + b.requests, failures: (a?.failures ?? 0) + b.failures, reasons };
}
