/**
 * The built-in authenticating proxy: each `GATEHOUSE_PROXY` route is checked as forward-auth checks
 * it, then forwarded by @fastify/reply-from (undici: pooled keep-alive connections; request bodies
 * stream, answers too unless small, see sendUpstreamResponse). The upstream gets the
 * `X-Gatehouse-*` identity and never the client's credentials or a forged identity. Preflights and
 * CORS are the API's.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import replyFrom, { type FastifyReplyFromHooks } from '@fastify/reply-from';
import { Pool } from 'undici';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { AppContext } from '../context.js';
import { answerPreflight } from '../auth/browser-token.js';
import { AUTHTOKEN_COOKIE } from '../auth/session-cookie.js';
import type { Principal } from '../auth/principal.js';
import { upstreamFailure } from '../dream/to-deki-error.js';
import { DekiError } from '../errors.js';
import { type CredentialStage, checkGatewayRequest } from './check.js';
import { IDENTITY_PREFIX, identityHeaders } from './identity.js';
import type { ProxyRoute } from './proxy-routes.js';
import type { UploadCollector } from './upload-collector.js';

const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
const DOT_SEGMENT = /(^|\/)\.\.?(\/|$)/;

/** The Cookie header without the authtoken cookie; undefined when nothing else is left. */
export function withoutAuthtoken(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  if (!cookie.includes(AUTHTOKEN_COOKIE)) return cookie; // the usual case: nothing to take out, nothing to rebuild
  const kept = cookie
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c && c.split('=', 1)[0]!.trim() !== AUTHTOKEN_COOKIE);
  return kept.length > 0 ? kept.join('; ') : undefined;
}

/**
 * What the upstream receives: the client's headers less its credentials and any `X-Gatehouse-*`,
 * plus ours. `Expect: 100-continue` stays here: Node has already answered it, and undici refuses
 * it. `headers` is reply-from's own copy of the client's (without Connection and what it
 * names); this runs for every proxied request, hence a plain loop and no intermediate objects.
 */
function upstreamHeaders(
  request: { principal: Principal; ip: string; protocol: string; headers: { host?: string | undefined } },
  headers: IncomingHttpHeaders,
): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (name === 'authorization' || name === 'x-deki-token' || name === 'cookie' || name === 'expect' || name.startsWith(IDENTITY_PREFIX)) continue;
    out[name] = headers[name];
  }
  const cookie = withoutAuthtoken(headers.cookie);
  if (cookie) out.cookie = cookie;
  const forwardedFor = headers['x-forwarded-for'];
  out['x-forwarded-for'] = forwardedFor ? `${String(forwardedFor)}, ${request.ip}` : request.ip;
  out['x-forwarded-host'] = request.headers.host ?? '';
  out['x-forwarded-proto'] = request.protocol;
  const identity = identityHeaders(request.principal);
  for (const name in identity) if (identity[name] !== '') out[name] = identity[name];
  return out;
}

/** Headers about the upstream connection, not the response: the client's connection to us is ours (an upstream's `Connection: close` must not close it). */
function responseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const connection = headers.connection;
  if (connection === undefined && headers['keep-alive'] === undefined) return headers;
  const value = String(connection ?? '').toLowerCase();
  const named = value === '' || value === 'keep-alive' || value === 'close' ? undefined : value.split(',').map((h) => h.trim());
  const out: IncomingHttpHeaders = {};
  for (const name in headers) if (name !== 'connection' && name !== 'keep-alive' && !named?.includes(name)) out[name] = headers[name];
  return out;
}

/** Upstream answers up to this size are read whole and sent in one piece; larger ones, or of unknown length, stream. */
const WHOLE_BODY_BYTES = 64 * 1024;

interface UpstreamReply {
  send(payload?: unknown): unknown;
  removeHeader(name: string): unknown;
  raw: { headersSent: boolean };
}

interface UpstreamResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** undici's body: a Readable that can also be read whole. */
  stream: Readable & { arrayBuffer(): Promise<ArrayBuffer> };
}

/**
 * Sends the upstream's answer on. A small body of known length and type is read whole first, as
 * nginx's proxy buffering does: piping a stream into the reply costs more than the bytes (~5% of a
 * small proxied request's CPU, measured A/B). Memory stays bounded by WHOLE_BODY_BYTES per request.
 * (An untyped body streams: Fastify would call a Buffer `application/octet-stream`.)
 */
function sendUpstreamResponse(method: string, reply: UpstreamReply, res: UpstreamResponse): void {
  // 204 and 304 have no body whatever their Content-Length says (RFC 9110), which undici takes for a body cut short.
  if (res.statusCode === 204 || res.statusCode === 304) {
    res.stream.on('error', () => undefined).destroy();
    void reply.send();
    return;
  }
  const length = Number(res.headers['content-length']);
  // A HEAD answer has no body either, but its Content-Length is the client's to see: it goes the stream's way.
  if (method === 'HEAD' || !(length > 0 && length <= WHOLE_BODY_BYTES) || res.headers['content-type'] === undefined) {
    res.stream.once('error', () => dropUpstreamHeaders(reply, res));
    void reply.send(res.stream);
    return;
  }
  res.stream.arrayBuffer().then(
    (body) => void reply.send(Buffer.from(body)),
    // Cut off or stalled mid-body: nothing is sent yet, so the client gets a 502 or 504 document.
    (err: unknown) => {
      dropUpstreamHeaders(reply, res);
      void reply.send(err);
    },
  );
}

/**
 * An answer that fails before anything was sent becomes an error document, which must not carry
 * the upstream's headers (its encoding, its cookies); Gatehouse's own (CORS) and the Date stay.
 */
function dropUpstreamHeaders(reply: UpstreamReply, res: UpstreamResponse): void {
  if (!reply.raw.headersSent) for (const name of Object.keys(responseHeaders(res.headers))) if (name !== 'date') reply.removeHeader(name);
}

/** reply-from reports a failed upstream by its own error names; the client gets ours, by the rule every upstream failure follows. */
function upstreamError(reply: { send(err: Error): unknown }, { error }: { error: Error & { statusCode?: number; code?: string } }): void {
  void reply.send(upstreamFailure(error));
}

/** `/reports/a/b?x` → `<basePath>/a/b` (reply-from adds the query); dot segments are refused, not resolved. */
function upstreamPath(route: ProxyRoute, url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (!path.startsWith(route.prefix)) throw new DekiError('BAD_URL'); // an encoded prefix (`/%72eports`)
  const rest = path.slice(route.prefix.length);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    throw new DekiError('BAD_URL');
  }
  if (DOT_SEGMENT.test(decoded)) throw new DekiError('BAD_URL');
  return `${route.basePath}${rest}` || '/';
}

/**
 * reply-from's options, the same for every request: made once, as each function made per request
 * costs (and under tsx, which names every function it compiles, costs twice).
 */
const FORWARDING = {
  rewriteRequestHeaders: upstreamHeaders,
  rewriteHeaders: responseHeaders,
  onError: upstreamError,
  // reply-from's types call `res` a Node response; with undici it is { statusCode, headers, stream: undici's body }.
  onResponse: (request: { method: string }, reply: UpstreamReply, res: unknown) => sendUpstreamResponse(request.method, reply, res as UpstreamResponse),
} satisfies FastifyReplyFromHooks;

function isPreflight(request: FastifyRequest): boolean {
  return request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
}

export function proxyRoute(ctx: AppContext, resolveCredential: CredentialStage, route: ProxyRoute, uploads: UploadCollector | undefined) {
  return async (app: FastifyInstance) => {
    // One undici Pool per route, handed to reply-from: given options instead, it builds an Agent that
    // looks the origin up and wraps each request's handler once more before reaching the same Pool.
    const timeout = ctx.config.proxyTimeoutMs;
    const pool = new Pool(route.origin, { connections: 128, keepAliveTimeout: 30_000, headersTimeout: timeout, bodyTimeout: timeout });
    await app.register(replyFrom, { base: route.origin, disableRequestLogging: true, destroyAgent: true, undici: pool });
    // The body goes upstream as the stream it arrives as: no parsing, no body limit, no copy.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (request, payload, done) => done(null, uploads ? uploads.counted(payload, request.headers) : payload));

    const forward = async (request: FastifyRequest, reply: FastifyReply) => {
      if (isPreflight(request)) return answerPreflight(ctx, request, reply);
      checkGatewayRequest(ctx, request, route.require, { method: request.method, origin: undefined });
      return reply.from(upstreamPath(route, request.url), FORWARDING);
    };
    const onRequest = [resolveCredential];
    app.route({ method: METHODS, url: route.prefix, onRequest, handler: forward });
    app.route({ method: METHODS, url: `${route.prefix}/*`, onRequest, handler: forward });
  };
}
