/**
 * `GET site/developer-tokens` without `limit`: every matching token, as it always was, but read and
 * written in chunks, so the server's memory stays bounded however many tokens there are. The bytes
 * are those `sendDocument` would send for the whole list; a list that fits in one chunk is sent by
 * it. The count is taken before streaming: a token deleted meanwhile is counted but not listed.
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { el, toJson, toXml } from '../dream/document.js';
import { chooseFormat } from '../dream/negotiate.js';
import { sendDocument } from '../dream/reply.js';
import type { Database } from '../store/schema.js';
import type { UsageRecorder } from '../usage/recorder.js';
import { toTokenDocument } from './document.js';
import { countMatching, maxTokenId, type StateClock, tokenChunk, type TokenFilter } from './listing.js';
import type { TokenListing } from './store.js';

/** Tokens read, and usage figures computed, per step. */
export const CHUNK = 500;

interface Deps {
  db: Kysely<Database>;
  usage: UsageRecorder;
  siteUrl: string;
}

async function documents(deps: Deps, tokens: TokenListing[]) {
  const figures = await deps.usage.figures(tokens);
  return tokens.map((t) => toTokenDocument(t, deps.siteUrl, figures.get(t.id)));
}

export async function sendAllTokens(request: FastifyRequest, reply: FastifyReply, deps: Deps, filter: TokenFilter, clock: StateClock): Promise<FastifyReply> {
  const first = await tokenChunk(deps.db, filter, clock, { afterId: 0 }, CHUNK + 1);
  if (first.length <= CHUNK) {
    return sendDocument(request, reply, el('developer-tokens', { count: String(first.length) }, await documents(deps, first)));
  }
  const maxId = await maxTokenId(deps.db);
  const count = await countMatching(deps.db, filter, clock, maxId);
  const json = chooseFormat(request.query as Record<string, unknown>, request.headers.accept) === 'json';

  async function* body(): AsyncGenerator<string> {
    yield json ? `{"@count":"${count}","developer-token":[` : `<developer-tokens count="${count}">`;
    let chunk = first.slice(0, CHUNK);
    let written = 0;
    while (chunk.length > 0) {
      const docs = await documents(deps, chunk);
      yield docs.map((d) => (json ? (written++ > 0 ? ',' : '') + toJson(d) : toXml(d))).join('');
      chunk = await tokenChunk(deps.db, filter, clock, { afterId: chunk[chunk.length - 1]!.id, maxId }, CHUNK);
    }
    yield json ? ']}' : '</developer-tokens>';
  }

  reply.type(json ? 'application/json; charset=utf-8' : 'application/xml; charset=utf-8');
  return reply.send(Readable.from(body()));
}
