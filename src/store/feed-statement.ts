/**
 * The feed rows, audit entries and NOTIFY of a PostgreSQL write as one SQL statement: after the
 * feature's own statements in a transaction (`recordOnPostgres`), or together with them, the whole
 * write autocommitted (`writeInOneStatement`). A revoking answer waits for this, so its round trips
 * are the answer's latency: four (BEGIN, the write, the feed, COMMIT) or one.
 *
 * One writer at a time from the lock until commit: sequence numbers then become visible in order,
 * so a reader that has seen seq N has seen everything below it. The lock is taken in the row source
 * of the feed insert, so it is held before `nextval` hands out a number, and after every row lock
 * the write takes (in one statement, the lock reads the rows the feature's statements return, which
 * makes PostgreSQL run them first). Taking it last cannot deadlock: a transaction that holds it
 * waits for nothing else (it only inserts new rows, with sequence keys, into tables without foreign
 * keys or triggers, then commits), so no cycle of waits can pass through it. Writes that record no
 * feed rows never take it: their order does not matter.
 */
import { type Expression, type Kysely, type RawBuilder, type Transaction, sql } from 'kysely';
import type { ChangeKind, Database, NewAuditRow } from './schema.js';

export const NOTIFY_CHANNEL = 'gatehouse_changes';
const FEED_LOCK = 7316203;

export interface Change {
  kind: ChangeKind;
  ref: string | number;
}

/** An audit row as a feature built it; the change log stamps `at` with the configured clock. */
export type AuditRecord = Omit<NewAuditRow, 'at' | 'id'>;

export const AUDIT_COLUMNS = ['action', 'actor_id', 'actor_name', 'credential', 'ip', 'target_type', 'target_id', 'details'] as const;

/** A data-modifying query with a RETURNING clause (Kysely's delete, update or insert builders have one). */
export type ReturningQuery = Expression<unknown> | { toOperationNode(): unknown };

/**
 * The NOTIFY carries the rows (`parseNotifiedRows` in changes.ts), so a listening node can apply
 * them without a poll; PostgreSQL caps a payload at 8000 bytes, beyond which it carries nothing and
 * listeners poll. Reads the `feed` CTE.
 */
const notifyFromFeed = (at: number) => sql`select max(seq) as seq, pg_notify(${NOTIFY_CHANNEL}, case when sum(octet_length(ref) + 40) < 7900
      then ${String(at)}::text || string_agg(E'\n' || seq || ' ' || kind || ' ' || ref, '' order by seq) else '' end)
    from feed`;

const feedValues = (changes: Change[], at: number) => sql.join(changes.map((c) => sql`(${c.kind}::text, ${String(c.ref)}::text, ${at}::bigint)`));

/** Audit rows as a SELECT of typed values (an INSERT … SELECT does not type bare parameters by their column). */
function auditSelect(audit: AuditRecord[], at: number, from: RawBuilder<unknown>): RawBuilder<unknown> {
  const row = (e: AuditRecord) =>
    sql`select ${e.action}::text, ${e.actor_id ?? null}::bigint, ${e.actor_name ?? null}::text, ${e.credential}::text, ${e.ip ?? null}::text, ${e.target_type ?? null}::text, ${e.target_id ?? null}::text, ${e.details}::text, ${at}::bigint from ${from}`;
  return sql.join(audit.map(row), sql` union all `);
}

const AUDIT_TARGET = sql.raw(`audit_log (${AUDIT_COLUMNS.join(', ')}, at)`);

/** After the feature's statements, in its transaction. Returns the highest `seq` written. */
export async function recordOnPostgres(trx: Transaction<Database>, changes: Change[], audit: AuditRecord[], at: number): Promise<number> {
  const lock = sql`lock`;
  const auditInsert = audit.length > 0 ? sql`, audit as (insert into ${AUDIT_TARGET} ${auditSelect(audit, at, lock)})` : sql``;
  const { rows } = await sql<{ seq: number }>`with lock as (select pg_advisory_xact_lock(${FEED_LOCK}))${auditInsert},
      feed as (insert into changes (kind, ref, at) select v.kind, v.ref, v.at from lock, (values ${feedValues(changes, at)}) as v (kind, ref, at) returning seq, kind, ref)
    ${notifyFromFeed(at)}`.execute(trx);
  return Number(rows[0]!.seq);
}

/**
 * The feature's write (`written`, whose RETURNING rows are handed back), its feed rows, audit
 * entries and NOTIFY as one autocommitted statement. When `written` returns no row nothing is
 * recorded: no feed row, no audit entry, `seq` undefined. The lock comes after `written`'s row
 * locks because it reads the rows `written` returns; the argument above also needs `written` to
 * lock nothing more once it has returned them (no cascade or trigger on what it changes).
 */
export async function writeInOneStatement<T>(
  db: Kysely<Database>,
  written: ReturningQuery,
  changes: Change[],
  audit: AuditRecord[],
  at: number,
): Promise<{ rows: T[]; seq: number | undefined }> {
  const lock = sql`lock`;
  const auditInsert = audit.length > 0 ? sql`, audit as (insert into ${AUDIT_TARGET} ${auditSelect(audit, at, lock)})` : sql``;
  const { rows } = await sql<T & { __feed_seq: number | null }>`with written as (${written}),
      lock as (select pg_advisory_xact_lock(${FEED_LOCK}) from (select count(*) as n from written) as w where w.n > 0)${auditInsert},
      feed as (insert into changes (kind, ref, at) select v.kind, v.ref, v.at from lock, (values ${feedValues(changes, at)}) as v (kind, ref, at) returning seq, kind, ref),
      notified as (${notifyFromFeed(at)})
    select (select seq from notified) as __feed_seq, written.* from written`.execute(db);
  const seq = rows[0]?.__feed_seq;
  for (const row of rows) delete (row as { __feed_seq?: unknown }).__feed_seq;
  return { rows, seq: seq === undefined || seq === null ? undefined : Number(seq) };
}
