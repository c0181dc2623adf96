/**
 * Listing developer tokens at any size: one page in a chosen order, or every token in chunks by id
 * for a streamed list. Every filter and order here has its index (store/listing-migration.ts).
 */
import { type Expression, type Kysely, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { Database, TokenType } from '../store/schema.js';
import { tokenTextMatch } from '../store/text-search.js';
import { listingQuery, type TokenListing } from './store.js';

const DAY = 86_400_000;
/** A token stopping within this is "expiring", as the dashboard's "Expires soon". */
export const EXPIRING_DAYS = 7;

export const TOKEN_SORTS = ['name', 'created', 'lastused', 'type'] as const;
export type TokenSortKey = (typeof TOKEN_SORTS)[number];
export const TOKEN_STATES = ['unused', 'expired', 'expiring', 'rolled'] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

export interface TokenFilter {
  /** Matched against name, hosts, key prefix, and the restricted user's and creator's usernames. */
  text: string | undefined;
  /** Any of these types; all when empty. */
  types: TokenType[];
  /** In any of these states; all when empty. */
  states: TokenState[];
}

export interface TokenPage {
  sort: { by: TokenSortKey; descending: boolean };
  limit: number;
  offset: number;
}

/** The moment states are judged at, and the site's "unused" period. */
export interface StateClock {
  now: number;
  unusedDays: number;
}

type TokenQueryBuilder<O> = SelectQueryBuilder<Database & { t: Database['developer_tokens'] }, 't', O>;

function replaced() {
  return sql<SqlBool>`exists (select 1 from developer_tokens n where n.rolled_from = t.id)`;
}

function stateCondition(state: TokenState, clock: StateClock): Expression<SqlBool> {
  const { now } = clock;
  switch (state) {
    case 'expired':
      return sql<SqlBool>`(t.expires_at is not null and t.expires_at <= ${now})`;
    case 'rolled':
      return sql<SqlBool>`(t.expires_at > ${now} and ${replaced()})`;
    case 'expiring':
      return sql<SqlBool>`(t.expires_at > ${now} and t.expires_at <= ${now + EXPIRING_DAYS * DAY} and not ${replaced()})`;
    case 'unused':
      return sql<SqlBool>`coalesce(t.last_used_at, t.created_at) < ${now - clock.unusedDays * DAY}`;
  }
}

function applyFilter<O>(db: Kysely<Database>, query: TokenQueryBuilder<O>, filter: TokenFilter, clock: StateClock): TokenQueryBuilder<O> {
  let q = query;
  if (filter.text) q = q.where(tokenTextMatch(db, filter.text));
  if (filter.types.length > 0) q = q.where('t.type', 'in', filter.types);
  if (filter.states.length > 0) q = q.where((eb) => eb.or(filter.states.map((s) => stateCondition(s, clock))));
  return q;
}

/**
 * The ORDER BY of a page. When a filter narrows the list, the order's index is deliberately not
 * used (`+ 0`, `|| ''`): without statistics SQLite would walk the whole order index testing each
 * token against the filter, where finding the matches by the filter's own index and sorting them
 * is bounded by how many match.
 */
function orderTerms(sort: TokenPage['sort'], filtered: boolean) {
  const dir = sort.descending ? sql.raw('desc') : sql.raw('asc');
  const num = filtered ? sql.raw(' + 0') : sql.raw('');
  const str = filtered ? sql.raw(" || ''") : sql.raw('');
  switch (sort.by) {
    case 'name':
      return [sql`lower(t.name)${str} ${dir}`, sql`t.id${num} ${dir}`];
    case 'type':
      return [sql`t.type${str} ${dir}`, sql`t.id${num} ${dir}`];
    case 'created':
      return [sql`t.created_at${num} ${dir}`, sql`t.id${num} ${dir}`];
    case 'lastused':
      // Never used counts as longest ago: first ascending, last descending.
      return [sort.descending ? sql`t.last_used_at${num} desc nulls last` : sql`t.last_used_at${num} asc nulls first`, sql`t.id${num} ${dir}`];
  }
}

/** One page of matching tokens, and how many match in all. */
export async function pageTokens(
  db: Kysely<Database>,
  filter: TokenFilter,
  page: TokenPage,
  clock: StateClock,
): Promise<{ tokens: TokenListing[]; total: number }> {
  let rows = applyFilter(db, listingQuery(db) as TokenQueryBuilder<TokenListing>, filter, clock);
  const filtered = filter.text !== undefined || filter.types.length > 0 || filter.states.length > 0;
  for (const term of orderTerms(page.sort, filtered)) rows = rows.orderBy(term);
  const count = applyFilter(db, db.selectFrom('developer_tokens as t') as TokenQueryBuilder<object>, filter, clock).select((eb) =>
    eb.fn.countAll<number>().as('n'),
  );
  const [tokens, total] = await Promise.all([rows.limit(page.limit).offset(page.offset).execute(), count.executeTakeFirstOrThrow()]);
  return { tokens, total: Number(total.n) };
}

/** How many tokens match, among those with an id up to `maxId`. */
export async function countMatching(db: Kysely<Database>, filter: TokenFilter, clock: StateClock, maxId: number): Promise<number> {
  const q = applyFilter(db, db.selectFrom('developer_tokens as t') as TokenQueryBuilder<object>, filter, clock);
  const row = await q
    .where('t.id', '<=', maxId)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The highest token id now, or 0: a streamed list stops there, so tokens made meanwhile do not stretch it. */
export async function maxTokenId(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('developer_tokens')
    .select((eb) => eb.fn.max<number>('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

/** Up to `size` matching tokens with ids above `afterId` (and at most `maxId`), by id. */
export function tokenChunk(
  db: Kysely<Database>,
  filter: TokenFilter,
  clock: StateClock,
  range: { afterId: number; maxId?: number },
  size: number,
): Promise<TokenListing[]> {
  let q = applyFilter(db, listingQuery(db) as TokenQueryBuilder<TokenListing>, filter, clock).where('t.id', '>', range.afterId);
  if (range.maxId !== undefined) q = q.where('t.id', '<=', range.maxId);
  return q.orderBy('t.id').limit(size).execute();
}
