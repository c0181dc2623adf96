/**
 * Writing to the change feed. Every write that can revoke a credential goes through
 * `ChangeLog.write` (or `writeStatement`): the change and its feed row commit together,
 * PostgreSQL is told with NOTIFY, this process's own cache catches up, and then the call waits
 * until every other live node has applied the change (or the staleness bound has passed, after
 * which a node that did not confirm trusts nothing cached): when it returns, no node accepts what
 * it revoked
 * (docs/security.md#final-revocation-the-timing-argument).
 */
import { performance } from 'node:perf_hooks';
import type { Kysely, Transaction } from 'kysely';
import { AUDIT_COLUMNS, type AuditRecord, type Change, type Dependents, recordOnPostgres, type ReturningQuery, writeInOneStatement } from './feed-statement.js';
import type { FeedPeers, PeerWait } from './feed-peers.js';
import { GroupCommit } from './group-commit.js';
import { preparedInsert } from './prepared-insert.js';
import type { Dialect } from './dialect.js';
import type { ChangeKind, Database } from './schema.js';

export { NOTIFY_CHANNEL, type AuditRecord, type Change } from './feed-statement.js';

/** A feed row as a writer's NOTIFY carries it. */
export type NotifiedRow = { seq: number; kind: ChangeKind; ref: string; at: number };

/**
 * The feed rows a `gatehouse_changes` notification carries: `<at>` then one `<seq> <kind> <ref>` line
 * per row, in `seq` order (built by `recordOnPostgres`). Empty when the writer sent none (they did
 * not fit in a notification) or the payload is not in that form: the listener polls instead.
 */
export function parseNotifiedRows(payload: string): NotifiedRow[] {
  const [first, ...lines] = payload.split('\n');
  const at = Number(first);
  if (lines.length === 0 || !Number.isSafeInteger(at)) return [];
  const rows: NotifiedRow[] = [];
  for (const line of lines) {
    const m = /^(\d+) ([a-z-]+) (\S+)$/.exec(line);
    if (!m) return [];
    rows.push({ seq: Number(m[1]), kind: m[2] as ChangeKind, ref: m[3]!, at });
  }
  return rows;
}

/** What a revoking write waits for: this process's feed (when it serves) and the other nodes. */
export interface ChangeFollower {
  /** Resolves once this process's feed has applied everything up to `seq`. */
  catchUp?: (seq: number) => Promise<void>;
  peers: FeedPeers;
  onWait?: (wait: PeerWait) => void;
}

type MaybeAudit = AuditRecord | undefined;

export interface WriteRecords<T> {
  /** Feed rows: what other nodes must drop from their caches. */
  changes?: Change[];
  /** Audit entries, committed with the change or not at all; a function when they need the written row. */
  audit?: MaybeAudit[] | ((written: T) => MaybeAudit[]);
}

const insertAuditRow = preparedInsert('audit_log', ['at', ...AUDIT_COLUMNS]);

/** Thrown inside a transaction to roll it back when the statement to write found nothing. */
const NOTHING_WRITTEN = Symbol('nothing written');

/** A promise that never rejects, so that nothing is left unhandled while a revoking write waits. */
function settled<U>(p: Promise<U>): Promise<{ ok: true; value: U } | { ok: false; error: unknown }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/**
 * The one way to write what can revoke a credential, and the audit log, for one store. Made by
 * `openStore` with the database's dialect and the configured clock; `openSite` tells it whom a
 * revoking write waits for (`follow`).
 */
export class ChangeLog {
  private follower: Partial<ChangeFollower> = {};
  private readonly group: GroupCommit | undefined;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    private readonly now: () => number,
  ) {
    // SQLite's one connection commits the writes of a busy moment together (store/group-commit.ts).
    this.group = dialect === 'sqlite' ? new GroupCommit(db) : undefined;
  }

  /** A transaction of its own on PostgreSQL; on SQLite, a share of one with the other writes of this turn. */
  private transact<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.group ? this.group.run(work) : this.db.transaction().execute(work);
  }

  /** Who a revoking write waits for from now on; later calls replace what they name. */
  follow(follower: Partial<ChangeFollower>): void {
    this.follower = { ...this.follower, ...Object.fromEntries(Object.entries(follower).filter(([, v]) => v !== undefined)) };
  }

  /**
   * Runs `write` and records its feed rows and audit entries in one transaction, then (when it
   * wrote feed rows) lets this process's cache catch up and waits for the other nodes.
   * `afterCommit` reads what the answer needs once the write has committed, while the nodes catch
   * up rather than after: its round trips then cost the revoking request nothing. Its result is
   * returned, and its failure thrown, only once the wait is over.
   */
  async write<T>(records: WriteRecords<T>, write: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  async write<T, U>(records: WriteRecords<T>, write: (trx: Transaction<Database>) => Promise<T>, afterCommit: (written: T) => Promise<U>): Promise<U>;
  async write<T, U>(records: WriteRecords<T>, write: (trx: Transaction<Database>) => Promise<T>, afterCommit?: (written: T) => Promise<U>): Promise<T | U> {
    const changes = records.changes ?? [];
    const postgres = this.dialect === 'postgres';
    let lastSeq = 0;
    const result = await this.transact(async (trx) => {
      const value = await write(trx);
      const audit = (typeof records.audit === 'function' ? records.audit(value) : (records.audit ?? [])).filter((a): a is AuditRecord => a !== undefined);
      const at = this.now();
      if (postgres && changes.length > 0) {
        lastSeq = await recordOnPostgres(trx, changes, audit, at);
        return value;
      }
      for (const entry of audit) await insertAuditRow(trx, { ...entry, at });
      if (changes.length > 0) {
        const rows = await trx
          .insertInto('changes')
          .values(changes.map((c) => ({ kind: c.kind, ref: String(c.ref), at })))
          .returning('seq')
          .execute();
        lastSeq = Math.max(...rows.map((r) => Number(r.seq)));
      }
      return value;
    });
    return this.settle(changes.length > 0, lastSeq, result, afterCommit);
  }

  /**
   * A revoking write given as one data-modifying Kysely query with a RETURNING clause, whose rows
   * `afterCommit` gets. On PostgreSQL it commits with its feed rows and audit entries as one
   * autocommitted statement: one round trip where `write` takes four. On SQLite it runs in a
   * transaction. When it returns no row nothing is recorded and nothing waited for: undefined, where
   * a write returns `{ answer }`, what `afterCommit` made. `dependents` are deleted with it (`written` must return an `id` column).
   * Only for a write that one row decides: the whole statement reads one snapshot, taken before any
   * wait for a lock, so it cannot also catch rows another transaction adds meanwhile; a write that
   * must (dependents a racing transaction adds) makes `written` return nothing when that row changed
   * since the snapshot, and falls back to `write`.
   */
  async writeStatement<T, U>(
    records: { changes: Change[]; audit: MaybeAudit[] },
    written: ReturningQuery,
    afterCommit: (rows: T[]) => Promise<U>,
    dependents?: Dependents,
  ): Promise<{ answer: U } | undefined> {
    if (records.changes.length === 0) throw new TypeError('writeStatement is for writes that record feed rows');
    if (this.dialect !== 'postgres') {
      try {
        const answer = await this.write(
          records,
          async (trx) => {
            const { rows } = await trx.executeQuery<T & { id?: unknown }>(written.compile());
            if (rows.length === 0) throw NOTHING_WRITTEN; // rolls back: no feed row, no audit entry, no wait
            if (dependents && rows.some((r) => typeof r.id !== 'number')) throw new TypeError('a write with dependents must return an id column');
            if (dependents)
              await trx
                .deleteFrom(dependents.table)
                .where(
                  dependents.column,
                  'in',
                  rows.map((r) => r.id as number),
                )
                .execute();
            return rows;
          },
          afterCommit,
        );
        return { answer };
      } catch (err) {
        if (err === NOTHING_WRITTEN) return undefined;
        throw err;
      }
    }
    const audit = records.audit.filter((a): a is AuditRecord => a !== undefined);
    const { rows, seq } = await writeInOneStatement<T>(this.db, written, records.changes, audit, this.now(), dependents);
    if (seq === undefined) return undefined;
    return { answer: await this.settle(true, seq, rows, afterCommit) };
  }

  /**
   * After a commit: lets this process's cache catch up and waits for the other nodes when the write
   * recorded feed rows, while `afterCommit` reads what the answer needs.
   */
  private settle<T, U>(revoking: boolean, lastSeq: number, result: T, afterCommit: (written: T) => Promise<U>): Promise<U>;
  private settle<T, U>(revoking: boolean, lastSeq: number, result: T, afterCommit?: (written: T) => Promise<U>): Promise<T | U>;
  private async settle<T, U>(revoking: boolean, lastSeq: number, result: T, afterCommit?: (written: T) => Promise<U>): Promise<T | U> {
    const committedAt = performance.now();
    // Through a promise, so that even a read that throws at once is answered only after the wait.
    const read = afterCommit ? settled(Promise.resolve(result).then(afterCommit)) : undefined;
    // The write has committed: a failed catch-up must not make it look failed. The next poll retries.
    // A write with no feed rows (a new token) revokes nothing, so there is nothing to catch up on or wait for.
    if (revoking)
      await Promise.all([
        this.follower.catchUp?.(lastSeq).catch(() => undefined),
        this.follower.peers ? this.awaitPeers(this.follower.peers, lastSeq, committedAt) : undefined,
      ]);
    if (!read) return result;
    const outcome = await read;
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** Writes audit entries on their own (sign-in attempts, key rotations, which change nothing else). */
  async audit(...entries: AuditRecord[]): Promise<void> {
    const at = this.now();
    if (entries.length > 0)
      await this.db
        .insertInto('audit_log')
        .values(entries.map((e) => ({ ...e, at })))
        .execute();
  }

  /** Waits for the other nodes; when their heartbeats cannot even be read, waits out the bound instead. */
  private async awaitPeers(peers: FeedPeers, seq: number, committedAt: number): Promise<void> {
    let wait: PeerWait;
    try {
      wait = await peers.awaitApplied(seq, committedAt);
    } catch {
      wait = await peers.waitOutBound(committedAt);
    }
    this.follower.onWait?.(wait);
  }
}
