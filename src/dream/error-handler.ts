/**
 * The one place errors become HTTP. `toDekiError` (dream/to-deki-error.ts) says which registry
 * error something is; this file renders it as the DReAM error document in the format the request
 * asked for, with the registry code in the `X-Gatehouse-Error` header (the document keeps Expert's
 * shape: status, title, message, uri). Used by the API's error handler, Fastify's framework errors
 * (a bad URL), and the HTTP parser's socket errors (before any request exists).
 */
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type DekiError, ERROR_CODE_HEADER, statusTitle } from '../errors.js';
import { type Element, el, textEl, toJson, toXml } from './document.js';
import { type WireFormat, chooseFormat } from './negotiate.js';
import { parseQuery } from './query.js';
import { toDekiError } from './to-deki-error.js';

export function errorDocument(err: DekiError, uri: string | undefined): Element {
  return el('error', {}, [textEl('status', err.status), textEl('title', statusTitle(err.status)), textEl('message', err.message), textEl('uri', uri)]);
}

/** An error document as bytes of the asked format. */
export function renderError(err: DekiError, format: WireFormat, uri: string | undefined): { contentType: string; body: string } {
  const doc = errorDocument(err, uri);
  return format === 'json'
    ? { contentType: 'application/json; charset=utf-8', body: toJson(doc) }
    : { contentType: 'application/xml; charset=utf-8', body: toXml(doc) };
}

/** The format a request asked for, also when routing failed before its query was parsed (a bad URL). */
function requestFormat(request: FastifyRequest): WireFormat {
  const parsed = request.query as Record<string, unknown> | null | undefined;
  const url = request.raw.url ?? '';
  const query = parsed ?? (url.includes('?') ? parseQuery(url.slice(url.indexOf('?') + 1)) : {});
  return chooseFormat(query, request.headers.accept);
}

/** Logs what a client must not see, and sends the error document. */
export function sendError(request: FastifyRequest, reply: FastifyReply, thrown: unknown, opts: { siteUrl: string; bodyLimit: number }): FastifyReply {
  const err = toDekiError(thrown, opts);
  if (err.status >= 500) request.log.error({ err: thrown }, err.code === 'INTERNAL' ? 'unhandled error' : err.message);
  if (err.retryAfter !== undefined) reply.header('Retry-After', String(err.retryAfter));
  const { contentType, body } = renderError(err, requestFormat(request), opts.siteUrl + request.url.split('?')[0]);
  return reply.code(err.status).header(ERROR_CODE_HEADER, err.code).type(contentType).send(body);
}

/** `site` is read per error: a server on port 0 learns its URL only once it listens. */
export function makeErrorHandler(site: { readonly siteUrl: string }, bodyLimit: number) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply) => sendError(request, reply, err, { siteUrl: site.siteUrl, bodyLimit });
}

/** The request line's query and the Accept header of what the parser refused, when it got that far. */
function rawFormat(rawPacket: unknown): WireFormat {
  if (!Buffer.isBuffer(rawPacket)) return 'xml';
  const lines = rawPacket.toString('latin1').split('\r\n');
  const target = lines[0]?.split(' ')[1] ?? '';
  const accept = lines.find((l) => /^accept\s*:/i.test(l))?.replace(/^accept\s*:\s*/i, '');
  return chooseFormat(target.includes('?') ? parseQuery(target.slice(target.indexOf('?') + 1)) : {}, accept);
}

/** Answers an HTTP parser error on the socket itself, in the same document, then closes it. */
export function answerClientError(err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Socket, bodyLimit: number): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const deki = toDekiError(err, { bodyLimit, socket: true });
  const { contentType, body } = renderError(deki, rawFormat(err.rawPacket), undefined);
  socket.end(
    `HTTP/1.1 ${deki.status} ${statusTitle(deki.status)}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${ERROR_CODE_HEADER}: ${deki.code}\r\nConnection: close\r\n\r\n${body}`,
  );
}
