/**
 * The one place errors become HTTP. A DekiError is rendered with its status and message;
 * Fastify's own client errors are translated to registry codes; anything else is a generic 500 whose
 * detail goes only to the log.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DekiError, statusTitle } from '../errors.js';
import { el, textEl } from './document.js';
import { sendDocument } from './reply.js';

/** The database is unreachable (refused, reset, timed out, shutting down): a 503, not a 500. */
function isStoreUnavailable(err: { code?: string; message?: string }): boolean {
  const code = String(err.code ?? '');
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'SQLITE_BUSY', '53300', '57P01', '57P02', '57P03'].includes(code) ||
    code.startsWith('08') ||
    // "not queryable": a transaction's ROLLBACK on a connection that was lost mid-transaction.
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable/i.test(err.message ?? '')
  );
}

function fromFastify(err: FastifyError, bodyLimit: number): DekiError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DekiError('BODY_TOO_LARGE', String(bodyLimit));
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new DekiError('BAD_REQUEST_BODY', `JSON: ${err.message}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new DekiError('BODY_NOT_DOCUMENT');
    case 'FST_ERR_BAD_URL':
      return new DekiError('BAD_URL');
    default:
      if (isStoreUnavailable(err)) return new DekiError('STORE_UNAVAILABLE');
      if (err instanceof SyntaxError) return new DekiError('BAD_REQUEST_BODY', `JSON: ${err.message}`);
      return undefined;
  }
}

export function errorDocument(request: FastifyRequest, siteUrl: string, status: number, message: string) {
  return el('error', {}, [
    textEl('status', status),
    textEl('title', statusTitle(status)),
    textEl('message', message),
    textEl('uri', siteUrl + request.url.split('?')[0]),
  ]);
}

/** `site` is read per error: a server on port 0 learns its URL only once it listens. */
export function makeErrorHandler(site: { readonly siteUrl: string }, bodyLimit: number) {
  return function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const { siteUrl } = site;
    const deki = err instanceof DekiError ? err : fromFastify(err, bodyLimit);
    if (!deki) {
      request.log.error({ err }, 'unhandled error');
      const internal = new DekiError('INTERNAL');
      return sendDocument(request, reply, errorDocument(request, siteUrl, internal.status, internal.message), internal.status);
    }
    if (deki.status >= 500) request.log.error({ err }, deki.message);
    if (deki.retryAfter !== undefined) reply.header('Retry-After', String(deki.retryAfter));
    return sendDocument(request, reply, errorDocument(request, siteUrl, deki.status, deki.message), deki.status);
  };
}
