/** `GET site/audit`: the audit log, newest first, paged and filterable. Admins only. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { el, textEl } from '../dream/document.js';
import { rfc1123, sendDocument } from '../dream/reply.js';
import { DekiError } from '../errors.js';
import type { Stages } from '../auth/stages.js';
import type { AuditRow } from '../store/schema.js';

type Query = Record<string, string | undefined>;

function intParam(q: Query, name: string, fallback: number, max: number): number {
  const raw = q[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) > max) throw new DekiError('BAD_QUERY', name, `use a whole number from 0 to ${max}`);
  return Number(raw);
}

function dateParam(q: Query, name: string): number | undefined {
  const raw = q[name];
  if (raw === undefined || raw === '') return undefined;
  const at = Date.parse(raw);
  if (!Number.isFinite(at)) throw new DekiError('BAD_QUERY', name, 'use a date such as 2026-11-29T00:00:00Z');
  return at;
}

function toEntry(row: AuditRow) {
  let details: Record<string, unknown> = {};
  try {
    details = JSON.parse(row.details) as Record<string, unknown>;
  } catch {
    // stored by us, always JSON; an unreadable row still lists
  }
  return el('entry', { id: String(row.id), action: row.action, date: rfc1123(row.at) }, [
    el(
      'actor',
      { id: row.actor_id === null ? undefined : String(row.actor_id), credential: row.credential, ip: row.ip ?? undefined },
      row.actor_name === null ? [] : [{ name: 'name', text: row.actor_name }],
    ),
    row.target_type ? el('target', { type: row.target_type, id: row.target_id ?? undefined }) : undefined,
    el(
      'details',
      {},
      Object.entries(details).map(([k, v]) => textEl(k, v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v))!),
    ),
  ]);
}

export function auditRoutes(ctx: AppContext, stages: Stages) {
  return async (app: FastifyInstance) => {
    app.get<{ Querystring: Query }>('/site/audit', { preHandler: [stages.requireAdmin] }, async (request, reply) => {
      const q = request.query;
      const limit = intParam(q, 'limit', 100, 1000);
      const offset = intParam(q, 'offset', 0, 1_000_000_000);
      const since = dateParam(q, 'since');
      const until = dateParam(q, 'until');
      let query = ctx.db.selectFrom('audit_log');
      // A family (`token.`) is a range on the action index: every action from `token.` up to `token/`.
      if (q.action)
        query = q.action.endsWith('.')
          ? query.where('action', '>=', q.action).where('action', '<', `${q.action.slice(0, -1)}/`)
          : query.where('action', '=', q.action);
      if (q.actor) query = /^\d+$/.test(q.actor) ? query.where('actor_id', '=', Number(q.actor)) : query.where('actor_name', '=', q.actor);
      if (q['target.type']) query = query.where('target_type', '=', q['target.type']);
      if (q['target.id']) query = query.where('target_id', '=', q['target.id']);
      if (since !== undefined) query = query.where('at', '>=', since);
      if (until !== undefined) query = query.where('at', '<', until);
      const [rows, total] = await Promise.all([
        query.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
        query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return sendDocument(request, reply, el('audit', { count: String(rows.length), querycount: String(Number(total.n)) }, rows.map(toEntry)));
    });
  };
}
