/**
 * Reading the change feed: how a node knows its cache is current.
 *
 * A node applies feed rows in `seq` order. It polls at least every 250 ms and, on PostgreSQL, also
 * LISTENs so a change usually arrives within milliseconds, with its rows in the notification: when
 * they follow on from what the node has applied it applies them at once, without a poll.
 * `confirmedAt` is when a poll that saw everything was *sent*; if that is more than `boundMs` ago
 * (LISTEN dead and polls failing, or the database gone), the cache is not trusted (`isFresh()` is
 * false) until a poll succeeds again.
 * Whenever it has applied more it announces its position to waiting writers by NOTIFY, then after
 * each poll writes its heartbeat (feed-peers.ts); a poll whose heartbeat finds the node was counted
 * out does not renew the trust. Applying a notification's rows never renews it either.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { type ChangeLog, NOTIFY_CHANNEL, parseNotifiedRows } from './changes.js';
import { APPLIED_CHANNEL, type FeedPeers } from './feed-peers.js';
import type { ChangesTable, Database } from './schema.js';

export interface FeedOptions {
  /** How long the cache may be trusted without a confirmed poll. */
  boundMs: number;
  pollMs: number;
  /** Feed rows older than this are deleted (by any node); a node further behind drops its cache. */
  retentionMs: number;
  /** The configured clock, which also stamps each row's `at`. */
  now: () => number;
  /** PostgreSQL URL for LISTEN; absent on SQLite, where polling alone keeps the bound. */
  listenUrl?: string | undefined;
  /**
   * SQLite: the database file. Its write-ahead log is watched, so a commit by another process on
   * the data directory is read within milliseconds instead of at the next poll; polling alone still
   * keeps the bound if watching is not possible.
   */
  watchFile?: string | undefined;
  /** `at` is when the change was committed (ms), so a node can tell how late it learned of it. */
  onChange: (change: Pick<ChangesTable, 'kind' | 'ref' | 'at'>) => void;
  /** The LISTEN connection was lost and is being opened again. */
  onReconnect?: () => void;
  /** Drop everything cached: the node may have missed changes. */
  onReset: () => void;
  onError?: (err: unknown, where: string) => void;
}

const BATCH = 5000;
/** How often a writer waiting for its own change checks whether a poll must be asked for again. */
const RETRY_MS = 20;

export class ChangeFeed {
  private appliedSeq = 0;
  private confirmedAt = -Infinity;
  /**
   * The highest change this process wrote: a poll renews the trust in the cache only once it has
   * applied it. Without it, a poll sent before the commit but answered after a writer stopped
   * waiting (because this node no longer trusted its cache) would renew the trust without the change.
   */
  private mustReach = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private listener: pg.Client | undefined;
  private stopped = false;
  private lastPrune = 0;
  private announcedSeq = -1;
  private listening = false;
  private watcher: fs.FSWatcher | undefined;
  private peekQueued = false;
  /** Writers waiting for `appliedSeq` to reach their change. */
  private readonly appliedWaiters = new Set<() => void>();

  private readonly db: Kysely<Database>;

  constructor(
    /** The store's change log: its writes wait for this feed to catch up. */
    private readonly changes: ChangeLog,
    private readonly peers: FeedPeers,
    private readonly opts: FeedOptions,
  ) {
    this.db = changes.db;
  }

  /** Reads the current position (the cache starts empty, so nothing before it matters) and starts polling. */
  async start(): Promise<void> {
    // Registered before the position is read: a writer that did not see this node committed before it.
    await this.peers.register(0);
    const sentAt = performance.now();
    const row = await this.db
      .selectFrom('changes')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    this.appliedSeq = Number(row?.seq ?? 0);
    this.confirmedAt = sentAt;
    this.changes.follow({ catchUp: (seq) => this.applyCommitted(seq), peers: this.peers });
    await this.catchUp(); // the first heartbeat: writers wait for this node from now on
    this.timer = setInterval(() => void this.catchUp().catch(() => undefined), this.opts.pollMs);
    this.timer.unref();
    if (this.opts.listenUrl) void this.listen();
    if (this.opts.watchFile) this.watch(this.opts.watchFile);
  }

  /**
   * Reads the feed whenever the write-ahead log changes. A change to the log says only that some
   * process committed something (a usage flush, a heartbeat, a creation), so it starts a cheap
   * look first and a poll only when there is a row to apply: a poll's own heartbeat changes the log
   * too, and must not set off another poll.
   */
  private watch(file: string): void {
    const wal = `${path.basename(file)}-wal`;
    try {
      this.watcher = fs.watch(path.dirname(file), { persistent: false }, (_event, name) => {
        if (name !== wal || this.peekQueued || this.stopped) return;
        this.peekQueued = true;
        setImmediate(() => {
          this.peekQueued = false;
          void this.peek().catch(() => undefined);
        });
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // No file watching here: the polls keep the bound on their own.
    }
  }

  /**
   * Polls if the feed has a row this node has not applied (one indexed read otherwise). A poll under
   * way is let finish first: asking it to go again would make it heartbeat again, and so on.
   */
  private async peek(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
    const next = await this.db.selectFrom('changes').select('seq').where('seq', '>', this.appliedSeq).limit(1).executeTakeFirst();
    if (next) await this.catchUp();
  }

  /** Whether cached answers may be used now. */
  isFresh(): boolean {
    return performance.now() - this.confirmedAt <= this.opts.boundMs;
  }

  /** Milliseconds since the feed was last confirmed current (for metrics and health). */
  staleness(): number {
    return performance.now() - this.confirmedAt;
  }

  /** Whether notifications of other nodes' applied positions are arriving (LISTEN is up). */
  isListening(): boolean {
    return this.listening;
  }

  /** The highest sequence number applied: lets a cache tell whether a read raced a change. */
  position(): number {
    return this.appliedSeq;
  }

  /** Applies every change not yet seen. Concurrent calls share one poll, plus one more if asked meanwhile. */
  catchUp(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.poll();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /**
   * For a writer whose change (up to `seq`) has committed: resolves once this node has applied it,
   * usually from its own notification, else by a poll, without waiting for a heartbeat (a disk
   * flush away). While polls fail it asks again, and gives up only once this node no longer trusts
   * its cache: until then a cached entry the change revoked could still be used here.
   */
  private async applyCommitted(seq: number): Promise<void> {
    this.mustReach = Math.max(this.mustReach, seq);
    void this.catchUp().catch(() => undefined);
    while (this.appliedSeq < seq && this.isFresh()) {
      let timer: NodeJS.Timeout | undefined;
      let wake: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        this.appliedWaiters.add(resolve);
        timer = setTimeout(resolve, Math.max(1, Math.min(RETRY_MS, this.opts.boundMs - this.staleness() + 1)));
      });
      this.appliedWaiters.delete(wake!);
      clearTimeout(timer);
      // No poll under way (the last one failed): ask for another.
      if (this.appliedSeq < seq && !this.running) void this.catchUp().catch(() => undefined);
    }
  }

  /** Called whenever `appliedSeq` has moved. */
  private applied(): void {
    for (const wake of this.appliedWaiters) wake();
  }

  /**
   * Applies the rows a writer's notification carried if they follow on from `appliedSeq` (rows
   * already applied are skipped). Returns false when they do not (a row missed, or none carried),
   * and a poll must fetch them.
   */
  private applyNotified(payload: string): boolean {
    const carried = parseNotifiedRows(payload);
    const rows = carried.filter((r) => r.seq > this.appliedSeq);
    if (rows.length === 0) return carried.length > 0;
    if (rows.some((r, i) => r.seq !== this.appliedSeq + 1 + i)) return false;
    for (const row of rows) this.opts.onChange(row);
    this.appliedSeq = rows[rows.length - 1]!.seq;
    this.applied();
    this.announce();
    return true;
  }

  /** Tells waiting writers how far this node has applied, if further than it last said. */
  private announce(): void {
    if (this.appliedSeq === this.announcedSeq) return;
    this.announcedSeq = this.appliedSeq;
    this.peers.announce(this.appliedSeq, this.listening ? this.listener : undefined);
  }

  private async poll(): Promise<void> {
    const sentAt = performance.now();
    const wasFresh = this.isFresh();
    try {
      let rows;
      do {
        rows = await this.db
          .selectFrom('changes')
          .select(['seq', 'kind', 'ref', 'at'])
          .where('seq', '>', this.appliedSeq)
          .orderBy('seq')
          .limit(BATCH)
          .execute();
        // A notification's rows may have been applied meanwhile, as far as this read went or further.
        for (const row of rows) if (Number(row.seq) > this.appliedSeq) this.opts.onChange(row);
        if (rows.length > 0) this.appliedSeq = Math.max(this.appliedSeq, Number(rows[rows.length - 1]!.seq));
      } while (rows.length === BATCH);
      // After a lapse, rows we needed may have been pruned: start again from an empty cache.
      if (!wasFresh) this.opts.onReset();
      this.applied();
      this.announce();
      if (await this.peers.heartbeat(this.appliedSeq)) {
        if (this.appliedSeq >= this.mustReach) this.confirmedAt = sentAt;
        else this.again = true; // sent before this process's own write committed: ask again
      } else {
        // Writers may have stopped waiting for this node: be seen again, then confirm with a poll
        // sent after that (so it sees every change they did not wait for), starting from empty.
        await this.peers.register(this.appliedSeq);
        this.confirmedAt = -Infinity;
        this.again = true;
      }
      await this.prune();
    } catch (err) {
      this.opts.onError?.(err, 'poll');
      throw err;
    }
  }

  private async prune(): Promise<void> {
    const now = this.opts.now();
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    await this.db
      .deleteFrom('changes')
      .where('at', '<', now - this.opts.retentionMs)
      .execute();
    await this.peers.forgetDead();
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.opts.listenUrl, application_name: `gatehouse-listen ${process.pid}`, connectionTimeoutMillis: 2000 });
    this.listener = client;
    const retry = () => {
      if (this.listener !== client || this.stopped) return;
      this.listener = undefined;
      this.listening = false;
      this.opts.onReconnect?.();
      client.removeAllListeners();
      client.on('error', () => undefined); // the dying socket may still report an error: not fatal
      void client.end().catch(() => undefined);
      setTimeout(() => void this.listen(), 500).unref();
    };
    client.on('error', (err) => {
      this.opts.onError?.(err, 'listen');
      retry();
    });
    client.on('end', retry);
    client.on('notification', (n) => {
      if (n.channel === APPLIED_CHANNEL) this.peers.noteApplied(n.payload ?? '');
      else if (!this.applyNotified(n.payload ?? '')) void this.catchUp().catch(() => undefined);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}; LISTEN ${APPLIED_CHANNEL}`);
      this.listening = true;
      // Anything committed while we were not listening is picked up now.
      await this.catchUp().catch(() => undefined);
    } catch (err) {
      this.opts.onError?.(err, 'listen');
      retry();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    const client = this.listener;
    this.listener = undefined;
    this.listening = false;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
    await this.running?.catch(() => undefined);
    await this.peers.leave().catch(() => undefined);
  }
}
