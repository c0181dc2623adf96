/**
 * OAuth request parameters (RFC 6749 §3.1, §3.2): from the query of the authorize request, or from
 * an `application/x-www-form-urlencoded` body. A parameter sent twice is refused, not guessed at;
 * empty values count as absent.
 */
import type { FastifyRequest } from 'fastify';
import { isRawBody } from '../dream/body.js';
import { DekiError } from '../errors.js';

export type Params = ReadonlyMap<string, string>;

function fromSearch(search: URLSearchParams): Params {
  const out = new Map<string, string>();
  for (const [name, value] of search) {
    if (out.has(name)) throw new DekiError('OAUTH_PARAM_REPEATED', name.slice(0, 60));
    if (value !== '') out.set(name, value);
  }
  return out;
}

/** The request's own query string, read raw (the router keeps only a first value). */
export function queryParams(request: FastifyRequest): Params {
  const q = request.url.indexOf('?');
  return fromSearch(new URLSearchParams(q < 0 ? '' : request.url.slice(q + 1)));
}

/** A form body; anything else is `invalid_request`. */
export function formParams(request: FastifyRequest): Params {
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  const body = request.body;
  if (type !== 'application/x-www-form-urlencoded' || (body !== undefined && !isRawBody(body))) throw new DekiError('OAUTH_BODY_NOT_FORM');
  return fromSearch(new URLSearchParams(isRawBody(body) ? body.text : ''));
}

export function required(params: Params, name: string): string {
  const value = params.get(name);
  if (value === undefined) throw new DekiError('OAUTH_PARAM_MISSING', name);
  return value;
}
