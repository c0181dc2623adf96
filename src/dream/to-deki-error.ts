/**
 * The one mapping from whatever was thrown to a registry error: a DekiError as it is; Fastify's
 * framework and body errors, Node's HTTP parser errors, the proxy's upstream errors and database
 * outages to their codes;
 * anything else to INTERNAL, whose detail only the log may see.
 */
import { DekiError } from '../errors.js';

interface Thrown {
  code?: unknown;
  message?: unknown;
}

const STORE_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  // SQLite: another process holds the file past the busy timeout, or the disk fails.
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
  // PostgreSQL: a statement past its timeout (store/database.ts), as slow as a database that is gone.
  '57014',
  // PostgreSQL: too many connections; administrator, crash or immediate shutdown.
  '53300',
  '57P01',
  '57P02',
  '57P03',
]);

/**
 * The database cannot answer (refused, reset, timed out, locked, shutting down): a 503, never a
 * 500, whichever part of the code met it. Drivers report some of these only in words.
 */
export function isStoreUnavailable(err: Thrown): boolean {
  const code = typeof err.code === 'string' ? err.code : '';
  if (STORE_DOWN_CODES.has(code) || code.startsWith('SQLITE_IOERR')) return true;
  // PostgreSQL class 08: connection exceptions.
  if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  const message = typeof err.message === 'string' ? err.message : '';
  // "not queryable": a transaction's ROLLBACK on a connection lost mid-transaction; "destroyed"/
  // "not open"/"after calling end": a request still in flight while the store closes.
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|driver has already been destroyed|database connection is not open|pool after calling end/i.test(
    message,
  );
}

/** The built-in proxy's upstream failed: too slow (504) or no valid answer (502). */
export function upstreamFailure(err: { statusCode?: unknown; code?: unknown }): DekiError {
  const timedOut = err.statusCode === 504 || (typeof err.code === 'string' && /TIMEOUT/i.test(err.code));
  return new DekiError(timedOut ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE');
}

export interface MapOptions {
  /** The configured body limit, named in BODY_TOO_LARGE. */
  readonly bodyLimit: number;
  /** The error came from the HTTP parser (a socket before any request exists). */
  readonly socket?: boolean;
}

/** Every error a client may meet, as the registry error it is shown as. */
export function toDekiError(err: unknown, opts: MapOptions): DekiError {
  if (err instanceof DekiError) return err;
  const thrown: Thrown = typeof err === 'object' && err !== null ? (err as Thrown) : {};
  const code = typeof thrown.code === 'string' ? thrown.code : '';
  if (opts.socket) return new DekiError(code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : 'HTTP_INVALID');
  switch (code) {
    case 'FST_ERR_BAD_URL':
      return new DekiError('BAD_URL');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new DekiError('NOT_FOUND');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DekiError('BODY_TOO_LARGE', String(opts.bodyLimit));
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new DekiError('BAD_REQUEST_BODY', `JSON: ${String(thrown.message)}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new DekiError('BODY_NOT_DOCUMENT');
  }
  // undici's, from the built-in proxy: the upstream's answer broke off or broke HTTP's rules.
  if (code.startsWith('UND_ERR_')) return upstreamFailure(thrown);
  if (isStoreUnavailable(thrown)) return new DekiError('STORE_UNAVAILABLE');
  if (err instanceof SyntaxError) return new DekiError('BAD_REQUEST_BODY', `JSON: ${err.message}`);
  return new DekiError('INTERNAL');
}
