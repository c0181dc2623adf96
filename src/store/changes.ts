/**
 * Writing to the change feed. Every write that can revoke a credential goes through
 * `writeWithChange`: the change and its feed row commit together, PostgreSQL is told with NOTIFY,
 * and this process's own cache catches up before the call returns — so the very next request on
 * this node already sees it, and other nodes see it within the feed's bound.
 */
import { type Kysely, type Transaction, sql } from 'kysely';
import type { AuditEntry } from '../audit/entry.js';
import type { ChangeKind, Database, NewAuditRow } from './schema.js';

export const NOTIFY_CHANNEL = 'gatehouse_changes';

/** Per database handle: its dialect, and (in a serving process) the feed to catch up after a write. */
interface FeedHooks {
  dialect: 'sqlite' | 'postgres';
  catchUp?: () => Promise<void>;
}

const hooks = new WeakMap<object, FeedHooks>();

export function registerDatabase(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): void {
  hooks.set(db, { dialect });
}

export function registerCatchUp(db: Kysely<Database>, catchUp: () => Promise<void>): void {
  const h = hooks.get(db);
  if (h) h.catchUp = catchUp;
}

export interface Change {
  kind: ChangeKind;
  ref: string | number;
}

type MaybeAudit = AuditEntry | undefined;

export interface WriteRecords<T> {
  /** Feed rows: what other nodes must drop from their caches. */
  changes?: Change[];
  /** Audit entries, committed with the change or not at all; a function when they need the written row. */
  audit?: MaybeAudit[] | ((written: T) => MaybeAudit[]);
}

/**
 * Runs `write` and records its feed rows and audit entries in one transaction, then (when it
 * wrote feed rows) lets this process's cache catch up.
 */
export async function writeWithChange<T>(db: Kysely<Database>, records: WriteRecords<T>, write: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  const changes = records.changes ?? [];
  const h = hooks.get(db);
  const result = await db.transaction().execute(async (trx) => {
    if (h?.dialect === 'postgres') {
      // One writer at a time, until commit: sequence numbers then become visible in order, so a
      // reader that has seen seq N has seen everything below it.
      await sql`select pg_advisory_xact_lock(7316203)`.execute(trx);
    }
    const value = await write(trx);
    const audit = (typeof records.audit === 'function' ? records.audit(value) : (records.audit ?? [])).filter((a): a is AuditEntry => a !== undefined);
    if (audit.length > 0) await trx.insertInto('audit_log').values(audit.map(toAuditRow)).execute();
    if (changes.length > 0) {
      const at = Date.now();
      await trx.insertInto('changes').values(changes.map((c) => ({ kind: c.kind, ref: String(c.ref), at }))).execute();
      if (h?.dialect === 'postgres') await sql`select pg_notify(${NOTIFY_CHANNEL}, '')`.execute(trx);
    }
    return value;
  });
  // The write has committed: a failed catch-up must not make it look failed. The next poll retries.
  // A write with no feed rows (a new token) revokes nothing, so there is nothing to catch up on.
  if (changes.length > 0) await h?.catchUp?.().catch(() => undefined);
  return result;
}

function toAuditRow(e: AuditEntry): NewAuditRow {
  return {
    at: Date.now(),
    action: e.action,
    actor_id: e.actorId,
    actor_name: e.actorName,
    credential: e.credential,
    ip: e.ip,
    target_type: e.targetType,
    target_id: e.targetId,
    details: JSON.stringify(e.details),
  };
}

/** Writes audit entries on their own (sign-in attempts, which change nothing else). */
export async function writeAudit(db: Kysely<Database>, ...entries: AuditEntry[]): Promise<void> {
  if (entries.length > 0) await db.insertInto('audit_log').values(entries.map(toAuditRow)).execute();
}
