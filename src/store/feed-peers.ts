/**
 * Which nodes follow the change feed and how far each has applied it: one heartbeat row per serving
 * process in `feed_nodes`. A revoking write waits here, after its commit, until every live node has
 * applied its change, or until the staleness bound has passed, after which a node that did not
 * confirm no longer trusts its cache by its own rule (change-feed.ts). The timing argument is in
 * docs/security.md#final-revocation-the-timing-argument.
 *
 * Heartbeat ages are read on one clock, never compared across machines: the database server's
 * clock on PostgreSQL (`clock_timestamp()`), the machine's monotonic clock on SQLite (every process
 * on one data directory runs on one machine).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from './schema.js';

export const APPLIED_CHANNEL = 'gatehouse_applied';

/** How long a heartbeat stays "live" for writers, as a multiple of the bound: the margin in the argument. */
const LIVE_BOUNDS = 2;
/** Heartbeat rows this old (a node that crashed) are deleted. */
const FORGET_MS = 3_600_000;

export interface PeersOptions {
  dialect: 'sqlite' | 'postgres';
  boundMs: number;
  /** Whether applied positions arrive by notification (`noteApplied`); if not, a waiter re-reads the table often. */
  notified: () => boolean;
}

export interface PeerWait {
  /** Nodes that had not confirmed the change when the wait ended; empty when all did. */
  unconfirmed: string[];
  ms: number;
}

export class FeedPeers {
  /** This process's heartbeat row (a tool, the CLI, never writes one: it writes changes but serves nothing). */
  readonly nodeId = randomUUID();
  readonly label = `${hostname()} pid ${process.pid}`;
  /** Applied positions other nodes announced, highest seen: only ever grows. */
  private readonly announced = new Map<string, number>();
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: PeersOptions,
  ) {}

  /** The heartbeat clock, in milliseconds, as seen by whoever evaluates the statement. */
  private clock(): RawBuilder<number> {
    if (this.opts.dialect === 'postgres') return sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;
    return sql<number>`${Number(process.hrtime.bigint() / 1_000_000n)}`;
  }

  /** Writes this node's row unconditionally: from now on writers wait for it. */
  async register(appliedSeq: number): Promise<void> {
    const row = { node_id: this.nodeId, label: this.label, applied_seq: appliedSeq, seen_at: this.clock() };
    await this.db
      .insertInto('feed_nodes')
      .values(row)
      .onConflict((oc) => oc.column('node_id').doUpdateSet({ applied_seq: appliedSeq, seen_at: this.clock() }))
      .execute();
  }

  /**
   * Tells waiting writers that this node has applied everything up to `appliedSeq`, at once: a
   * NOTIFY that writes no table, so its commit waits for no disk flush, unlike the heartbeat. It
   * claims only what is true of this node's memory, whatever its trust; a lost one costs a writer a
   * re-read of the table. `via` is the LISTEN connection when up (no pool checkout). PostgreSQL only.
   */
  announce(appliedSeq: number, via?: { query: (text: string, values: unknown[]) => Promise<unknown> }): void {
    if (this.opts.dialect !== 'postgres') return;
    const payload = `${this.nodeId} ${appliedSeq}`;
    const sent = via
      ? via.query('select pg_notify($1, $2)', [APPLIED_CHANNEL, payload])
      : sql`select pg_notify(${APPLIED_CHANNEL}, ${payload})`.execute(this.db);
    sent.catch(() => undefined);
  }

  /**
   * Records that this node has applied everything up to `appliedSeq` (for writers that missed the
   * announcement) and that it is alive. Returns false when the previous heartbeat was older than the bound (or gone), or this one took
   * longer than the bound: writers may have counted this node out, so the poll that led here must not
   * renew the node's trust in its cache (change-feed.ts registers again and polls once more).
   */
  async heartbeat(appliedSeq: number): Promise<boolean> {
    const start = performance.now();
    const result = await this.db
      .updateTable('feed_nodes')
      .set({ applied_seq: appliedSeq, seen_at: this.clock() })
      .where('node_id', '=', this.nodeId)
      .where('seen_at', '>', sql<number>`${this.clock()} - ${this.opts.boundMs}`)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 && performance.now() - start < this.opts.boundMs;
  }

  /** A clean stop: writers need not wait for this node any more. */
  async leave(): Promise<void> {
    await this.db.deleteFrom('feed_nodes').where('node_id', '=', this.nodeId).execute();
  }

  async forgetDead(): Promise<void> {
    await this.db
      .deleteFrom('feed_nodes')
      .where((eb) =>
        // A row from the future is one left from before the machine rebooted on SQLite; on PostgreSQL
        // it is a live node's after the database server's clock stepped back, and it must be waited for.
        this.opts.dialect === 'sqlite'
          ? eb.or([eb('seen_at', '<', sql<number>`${this.clock()} - ${FORGET_MS}`), eb('seen_at', '>', sql<number>`${this.clock()} + ${FORGET_MS}`)])
          : eb('seen_at', '<', sql<number>`${this.clock()} - ${FORGET_MS}`),
      )
      .execute();
  }

  /** A `gatehouse_applied` notification: `<node id> <seq>`. */
  noteApplied(payload: string): void {
    const [node, seq] = payload.split(' ');
    const n = Number(seq);
    if (!node || !Number.isFinite(n)) return;
    if (n > (this.announced.get(node) ?? 0)) this.announced.set(node, n);
    if (this.announced.size > 10_000) this.announced.clear(); // crashed nodes' ids; only a latency hint
    for (const wake of this.wakers) wake();
  }

  /** Nodes other than this one, live by their heartbeat, that have not applied `seq`. */
  private async lagging(seq: number): Promise<Set<string>> {
    let query = this.db
      .selectFrom('feed_nodes')
      .select(['node_id', 'applied_seq'])
      .where('node_id', '<>', this.nodeId)
      .where('seen_at', '>', sql<number>`${this.clock()} - ${this.opts.boundMs * LIVE_BOUNDS}`)
      .where('applied_seq', '<', seq);
    // From the future on SQLite: a row left from before the machine rebooted (the monotonic clock
    // starts at boot). On PostgreSQL a future row is a live node's whose heartbeat was stamped before
    // the database server's clock stepped back: it is waited for, and its next heartbeat renews it.
    if (this.opts.dialect === 'sqlite') query = query.where('seen_at', '<', sql<number>`${this.clock()} + ${this.opts.boundMs}`);
    const rows = await query.execute();
    return new Set(rows.map((r) => r.node_id));
  }

  /** Sleeps until the bound has passed since `committedAt`, for when no heartbeat can be read. */
  async waitOutBound(committedAt: number): Promise<PeerWait> {
    const deadline = this.deadline(committedAt);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - performance.now())));
    while (performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
    return { unconfirmed: ['(heartbeats unreadable)'], ms: performance.now() - committedAt };
  }

  /** The bound on this node's clock, with 1% and 2 ms to spare for clocks that run at slightly different rates. */
  private deadline(committedAt: number): number {
    return committedAt + this.opts.boundMs * 1.01 + 2;
  }

  /**
   * After a commit that wrote feed row `seq` (`committedAt` is `performance.now()` when the commit
   * returned): resolves once every live node has applied it, or once the bound has passed.
   */
  async awaitApplied(seq: number, committedAt: number): Promise<PeerWait> {
    const deadline = this.deadline(committedAt);
    let pending = await this.lagging(seq);
    let lastRead = performance.now();
    for (;;) {
      for (const node of pending) if ((this.announced.get(node) ?? 0) >= seq) pending.delete(node);
      const now = performance.now();
      if (pending.size === 0 || now >= deadline) return { unconfirmed: [...pending], ms: now - committedAt };
      // Notifications wake us; the table is read again now and then in case one was lost.
      const notified = this.opts.notified();
      const reread = notified ? 50 : this.opts.dialect === 'sqlite' ? 2 : 10;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(0, Math.min(deadline - now, reread)));
        if (notified) this.wakers.add(wake);
      });
      if (performance.now() - lastRead >= reread) {
        const still = await this.lagging(seq).catch(() => pending);
        pending = new Set([...pending].filter((n) => still.has(n)));
        lastRead = performance.now();
      }
    }
  }
}
