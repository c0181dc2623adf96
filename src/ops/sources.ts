/** What the scrape-time gauges read from a running site. */
import type { OpenedSite } from '../open.js';
import type { MetricSources } from './metrics.js';

/** Token counts are a query, so a scrape reuses the last one for a minute. */
const TOKEN_COUNT_MS = 60_000;

export function siteSources(site: OpenedSite): MetricSources {
  let counted: { at: number; counts: Promise<Record<string, number>> } | undefined;
  const count = async () => {
    const rows = await site.ctx.db
      .selectFrom('developer_tokens')
      .select((eb) => ['type', eb.fn.countAll<number>().as('n')])
      .groupBy('type')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
  };
  return {
    cacheSizes: () => site.ctx.cache.sizes(),
    feedStaleness: () => site.feed?.staleness(),
    tokensByType() {
      const now = Date.now();
      if (!counted || now - counted.at > TOKEN_COUNT_MS) {
        const counts = count();
        counted = { at: now, counts };
        counts.catch(() => (counted = undefined)); // a failed count is tried again at the next scrape
      }
      return counted.counts;
    },
  };
}
