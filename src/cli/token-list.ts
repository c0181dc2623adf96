/**
 * `gatehouse token list`: a page (`--limit`, `--offset`, `--sort`) or, without `--limit`, every
 * token, read and printed a chunk at a time so a site with a million tokens lists in bounded memory.
 * `--filter`, `--type` and `--state` narrow it as on `GET site/developer-tokens` (docs/api.md#listing-tokens).
 */
import type { Command } from 'commander';
import { readTokenListQuery } from '../tokens/list-query.js';
import { CHUNK } from '../tokens/list-stream.js';
import { pageTokens, tokenChunk } from '../tokens/listing.js';
import type { TokenListing } from '../tokens/store.js';
import { type SiteFlags, siteOptions, withSite } from './site.js';

interface ListFlags extends SiteFlags {
  json?: boolean;
  limit?: string;
  offset?: string;
  sort?: string;
  filter?: string;
  type?: string;
  state?: string;
}

type Summary = { key: string; id: number; type: string; jwtIssued: boolean; name: string };

const line = (t: Summary) => `${t.id}\t${t.type}\t${t.key.slice(0, 8)}…\t${t.jwtIssued ? 'JWT' : '-'}\t${t.name}`;

/** `JSON.stringify(list, null, 2)`, written an element at a time. */
function jsonWriter() {
  let first = true;
  return {
    write(items: unknown[]) {
      for (const item of items) {
        process.stdout.write(`${first ? '[\n' : ',\n'}${JSON.stringify(item, null, 2).replace(/^/gm, '  ')}`);
        first = false;
      }
    },
    end: () => void process.stdout.write(first ? '[]\n' : '\n]\n'),
  };
}

export function addTokenListCommand(token: Command, summary: (t: TokenListing) => Summary): void {
  siteOptions(token.command('list'))
    .description('list tokens (never their secrets): all of them, or one page with --limit')
    .option('--limit <n>', 'one page of at most n tokens (0 to 1000)')
    .option('--offset <n>', 'with --limit: skip this many matching tokens first')
    .option('--sort <order>', 'with --limit: name, created, lastused or type; -name etc. for descending')
    .option('--filter <text>', 'only tokens whose name, hosts, key prefix, restricted user or creator contain this')
    .option('--type <types>', 'only these types: server, browser, oauth (comma-separated)')
    .option('--state <states>', 'only tokens in these states: unused, expired, expiring, rolled (comma-separated)')
    .option('--json', 'print JSON')
    .action(async (o: ListFlags) =>
      withSite(o, async (site) => {
        const { filter, page } = readTokenListQuery({ limit: o.limit, offset: o.offset, sortby: o.sort, filter: o.filter, type: o.type, state: o.state });
        const clock = { now: Date.now(), unusedDays: site.ctx.config.unusedDays };
        const json = jsonWriter();
        if (page) {
          const { tokens, total } = await pageTokens(site.ctx.db, filter, page, clock);
          const rows = tokens.map(summary);
          if (o.json) {
            json.write(rows);
            json.end();
          } else {
            const first = page.offset + 1;
            const range = rows.length === 0 ? `No tokens at offset ${page.offset}` : `Tokens ${first}–${first + rows.length - 1}`;
            process.stdout.write(`${rows.map((r) => `${line(r)}\n`).join('')}${range} of ${total}.\n`);
          }
          return;
        }
        let printed = 0;
        for (let chunk = await tokenChunk(site.ctx.db, filter, clock, { afterId: 0 }, CHUNK); chunk.length > 0;) {
          const rows = chunk.map(summary);
          if (o.json) json.write(rows);
          else process.stdout.write(rows.map((r) => `${line(r)}\n`).join(''));
          printed += rows.length;
          chunk = await tokenChunk(site.ctx.db, filter, clock, { afterId: chunk[chunk.length - 1]!.id }, CHUNK);
        }
        if (o.json) json.end();
        else if (printed === 0) process.stdout.write('No tokens.\n');
      }),
    );
}
