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
import { type Compilable, type Kysely, type RawBuilder, type Transaction, sql } from 'kysely';
import type { ChangeKind, Database, NewAuditRow } from './schema.js';

export const NOTIFY_CHANNEL = 'gatehouse_changes';
const FEED_LOCK = 7316203;

export interface Change {
  kind: ChangeKind;
  ref: string | number;
}

/** An audit row as a feature built it; the change log stamps `at` with the configured clock. */
export type AuditRecord = Omit<NewAuditRow, 'at' | 'id'>;

/** The audit log's columns as the change log writes them, with their PostgreSQL types. */
const AUDIT_TYPES = {
  action: 'text',
  actor_id: 'bigint',
  actor_name: 'text',
  credential: 'text',
  ip: 'text',
  target_type: 'text',
  target_id: 'text',
  details: 'text',
} as const satisfies Record<keyof AuditRecord, string>;

export const AUDIT_COLUMNS = Object.keys(AUDIT_TYPES) as (keyof typeof AUDIT_TYPES)[];

/** A data-modifying Kysely query with a RETURNING clause, to run alone or inside this statement. */
export type ReturningQuery = Compilable & { toOperationNode(): unknown };

/**
 * The audit entries and feed rows, written only when `lock` (a CTE of at most one row, the feed
 * lock taken) has its row, then the NOTIFY, which carries the rows (`parseNotifiedRows` in
 * changes.ts) so a listening node can apply them without a poll; PostgreSQL caps a payload at 8000
 * bytes, beyond which it carries nothing and listeners poll. Audit values are cast to their column
 * types: an INSERT … SELECT does not type bare parameters by their column.
 */
function recording(changes: Change[], audit: AuditRecord[], at: number): { ctes: RawBuilder<unknown>; notify: RawBuilder<unknown> } {
  const values = (e: AuditRecord) => sql.join([...AUDIT_COLUMNS.map((c) => sql`${e[c] ?? null}::${sql.raw(AUDIT_TYPES[c])}`), sql`${at}::bigint`]);
  const auditRows = sql.join(
    audit.map((e) => sql`select ${values(e)} from lock`),
    sql` union all `,
  );
  const auditInsert = audit.length > 0 ? sql`audit as (insert into audit_log (${sql.raw(AUDIT_COLUMNS.join(', '))}, at) ${auditRows}),` : sql``;
  const feedRows = sql.join(changes.map((c) => sql`(${c.kind}::text, ${String(c.ref)}::text, ${at}::bigint)`));
  return {
    ctes: sql`${auditInsert}
      feed as (insert into changes (kind, ref, at) select v.kind, v.ref, v.at from lock, (values ${feedRows}) as v (kind, ref, at) returning seq, kind, ref)`,
    notify: sql`select max(seq) as seq, pg_notify(${NOTIFY_CHANNEL}, case when sum(octet_length(ref) + 40) < 7900
      then ${String(at)}::text || string_agg(E'\n' || seq || ' ' || kind || ' ' || ref, '' order by seq) else '' end)
    from feed`,
  };
}

/** After the feature's statements, in its transaction. Returns the highest `seq` written. */
export async function recordOnPostgres(trx: Transaction<Database>, changes: Change[], audit: AuditRecord[], at: number): Promise<number> {
  const { ctes, notify } = recording(changes, audit, at);
  const { rows } = await sql<{ seq: number }>`with lock as (select pg_advisory_xact_lock(${FEED_LOCK})), ${ctes} ${notify}`.execute(trx);
  return Number(rows[0]!.seq);
}

/** Rows of `table` whose `column` holds the `id` of a row the write returns, deleted with it. */
export interface Dependents {
  table: 'sessions';
  column: 'user_id';
}

/**
 * The feature's write (`written`, whose RETURNING rows are handed back), the deletion of its
 * `dependents`, its feed rows, audit entries and NOTIFY as one autocommitted statement. When
 * `written` returns no row nothing is recorded: no feed row, no audit entry, `seq` undefined. The
 * lock comes after the row locks of `written` and of the deletion because it reads what both
 * return; the argument above also needs them to lock nothing more once they have returned it (no
 * cascade, trigger or foreign key pointing at what they change: a test reads the schema for it).
 */
export async function writeInOneStatement<T>(
  db: Kysely<Database>,
  written: ReturningQuery,
  changes: Change[],
  audit: AuditRecord[],
  at: number,
  dependents?: Dependents,
): Promise<{ rows: T[]; seq: number | undefined }> {
  const { ctes, notify } = recording(changes, audit, at);
  const deletion = dependents
    ? sql`dependents as (delete from ${sql.table(dependents.table)} where ${sql.ref(dependents.column)} in (select id from written) returning 1),`
    : sql``;
  const deleted = dependents ? sql`, (select count(*) from dependents) as d` : sql``;
  const { rows } = await sql<T & { __feed_seq: number | null }>`with written as (${written}), ${deletion}
      lock as (select pg_advisory_xact_lock(${FEED_LOCK}) from (select count(*) as n from written) as w${deleted} where w.n > 0),
      ${ctes}, notified as (${notify})
    select (select seq from notified) as __feed_seq, written.* from written`.execute(db);
  const seq = rows[0]?.__feed_seq;
  for (const row of rows) delete (row as { __feed_seq?: unknown }).__feed_seq;
  return { rows, seq: seq === undefined || seq === null ? undefined : Number(seq) };
}
