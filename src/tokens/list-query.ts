/**
 * The query of `GET site/developer-tokens` (docs/api.md#listing-tokens): `limit`, `offset` and
 * `sortby` ask for one page; `filter`, `type` and `state` narrow the list, paged or not. Any bad
 * value is a 400 naming the parameter.
 */
import { queryInt } from '../dream/query.js';
import { DekiError } from '../errors.js';
import type { TokenType } from '../store/schema.js';
import { TOKEN_SORTS, TOKEN_STATES, type TokenFilter, type TokenPage, type TokenSortKey, type TokenState } from './listing.js';

type Query = Readonly<Record<string, string | undefined>>;

const TYPES: readonly TokenType[] = ['server', 'browser', 'oauth'];
export const MAX_PAGE = 1000;
const MAX_FILTER = 255;

export interface TokenListQuery {
  filter: TokenFilter;
  /** Undefined without `limit`: then every matching token, by id. */
  page: TokenPage | undefined;
}

/** A comma-separated list of allowed words; empty when absent. */
function words<T extends string>(q: Query, name: string, allowed: readonly T[]): T[] {
  const raw = q[name]?.trim();
  if (!raw) return [];
  const list = raw.split(',').map((w) => w.trim().toLowerCase());
  for (const w of list)
    if (!(allowed as readonly string[]).includes(w)) throw new DekiError('BAD_QUERY', name, `use ${allowed.join(', ')}, or several separated by commas`);
  return [...new Set(list)] as T[];
}

function readSort(q: Query): TokenPage['sort'] {
  const raw = q.sortby?.trim();
  if (!raw) return { by: 'created', descending: false };
  const descending = raw.startsWith('-');
  const by = descending ? raw.slice(1) : raw;
  if (!(TOKEN_SORTS as readonly string[]).includes(by))
    throw new DekiError('BAD_QUERY', 'sortby', `use ${TOKEN_SORTS.join(', ')}, with - before it for descending`);
  return { by: by as TokenSortKey, descending };
}

export function readTokenListQuery(q: Query): TokenListQuery {
  const text = q.filter?.trim();
  if (text !== undefined && [...text].length > MAX_FILTER) throw new DekiError('BAD_QUERY', 'filter', `use at most ${MAX_FILTER} characters`);
  const filter: TokenFilter = { text: text || undefined, types: words(q, 'type', TYPES), states: words<TokenState>(q, 'state', TOKEN_STATES) };
  if (q.limit === undefined) {
    // Without a page there is no order to choose and nothing to skip: say so rather than ignore them.
    for (const name of ['offset', 'sortby'])
      if (q[name] !== undefined) throw new DekiError('BAD_QUERY', name, 'give limit too: without limit every token is listed, in creation order');
    return { filter, page: undefined };
  }
  if (q.limit === '') throw new DekiError('BAD_QUERY', 'limit', `use a whole number from 0 to ${MAX_PAGE}`);
  return {
    filter,
    page: { limit: queryInt(q, 'limit', 0, MAX_PAGE), offset: queryInt(q, 'offset', 0, 1_000_000_000), sort: readSort(q) },
  };
}
