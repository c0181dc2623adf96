/**
 * Writing to the change feed. Every write that can revoke a credential goes through
 * `writeWithChange`: the change and its feed row commit together, PostgreSQL is told with NOTIFY,
 * this process's own cache catches up, and then the call waits until every other live node has
 * applied the change (or the staleness bound has passed, after which a node that did not confirm
 * trusts nothing cached): when it returns, no node accepts what it revoked
 * (docs/security.md#final-revocation).
 */
import { performance } from 'node:perf_hooks';
import { type Kysely, type Transaction, sql } from 'kysely';
import type { AuditEntry } from '../audit/entry.js';
import type { FeedPeers, PeerWait } from './feed-peers.js';
import type { ChangeKind, Database, NewAuditRow } from './schema.js';

export const NOTIFY_CHANNEL = 'gatehouse_changes';

/** Per database handle: its dialect, the feed to catch up after a write (a serving process), and the nodes to wait for. */
interface FeedHooks {
  dialect: 'sqlite' | 'postgres';
  catchUp?: () => Promise<void>;
  peers?: FeedPeers;
  onWait?: (wait: PeerWait) => void;
}

const hooks = new WeakMap<object, FeedHooks>();

export function registerDatabase(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): void {
  hooks.set(db, { dialect });
}

/** The database behind a handle, for the few queries written differently on each (store/text-search.ts). */
export function dialectOf(db: Kysely<Database>): 'sqlite' | 'postgres' {
  return hooks.get(db)?.dialect ?? 'sqlite';
}

/** What a revoking write on `db` waits for: this process's feed (if it serves) and the other nodes. */
export function registerFollower(db: Kysely<Database>, follower: { catchUp?: () => Promise<void>; peers: FeedPeers; onWait?: (wait: PeerWait) => void }): void {
  const h = hooks.get(db);
  if (!h) return;
  h.catchUp = follower.catchUp ?? h.catchUp;
  h.peers = follower.peers;
  h.onWait = follower.onWait ?? h.onWait;
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
  let lastSeq = 0;
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
      const rows = await trx.insertInto('changes').values(changes.map((c) => ({ kind: c.kind, ref: String(c.ref), at }))).returning('seq').execute();
      lastSeq = Math.max(...rows.map((r) => Number(r.seq)));
      if (h?.dialect === 'postgres') await sql`select pg_notify(${NOTIFY_CHANNEL}, '')`.execute(trx);
    }
    return value;
  });
  const committedAt = performance.now();
  // The write has committed: a failed catch-up must not make it look failed. The next poll retries.
  // A write with no feed rows (a new token) revokes nothing, so there is nothing to catch up on or wait for.
  if (changes.length > 0) await Promise.all([h?.catchUp?.().catch(() => undefined), h?.peers ? awaitPeers(h, lastSeq, committedAt) : undefined]);
  return result;
}

/** Waits for the other nodes; when their heartbeats cannot even be read, waits out the bound instead. */
async function awaitPeers(h: FeedHooks, seq: number, committedAt: number): Promise<void> {
  const peers = h.peers!;
  let wait: PeerWait;
  try {
    wait = await peers.awaitApplied(seq, committedAt);
  } catch {
    wait = await peers.waitOutBound(committedAt);
  }
  h.onWait?.(wait);
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
