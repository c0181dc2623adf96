/**
 * Gatehouse's operational endpoints: `/@gatehouse/health/live`, `/@gatehouse/health/ready` and
 * `/@gatehouse/metrics`. None takes a user credential; none says anything secret.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import net from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DekiError } from '../errors.js';
import type { Readiness } from './health.js';
import type { Metrics } from './metrics.js';

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (net.isIPv4(v4)) return v4.startsWith('127.');
  return address === '::1';
}

/**
 * Loopback means the TCP peer is this host *and* it speaks for itself: a request carrying
 * X-Forwarded-For or Forwarded came through a proxy, which on the same host would make every
 * client of the internet look local. So the socket's address decides, never the trusted-proxy IP.
 */
export function fromLoopback(request: FastifyRequest): boolean {
  if (request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined) return false;
  return isLoopbackAddress(request.socket.remoteAddress);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** `Authorization: Bearer <token>` against the metrics token, in constant time (hashes of equal length). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = header ? /^bearer +(.+)$/i.exec(header.trim()) : null;
  return m !== null && timingSafeEqual(digest(m[1]!.trim()), digest(token));
}

export function operationsRoutes(deps: { metrics: Metrics; readiness: Readiness; metricsToken: string | undefined }) {
  return async (app: FastifyInstance) => {
    app.get('/@gatehouse/health/live', async (_request, reply) => {
      void reply.header('Cache-Control', 'no-store');
      return { status: 'live' };
    });
    app.get('/@gatehouse/health/ready', async (_request, reply) => {
      const { ready, failing } = deps.readiness.report();
      void reply.header('Cache-Control', 'no-store').code(ready ? 200 : 503);
      return ready ? { status: 'ready' } : { status: 'not ready', failing };
    });
    app.get('/@gatehouse/metrics', async (request, reply) => {
      const allowed = fromLoopback(request) || (deps.metricsToken !== undefined && bearerMatches(request.headers.authorization, deps.metricsToken));
      if (!allowed) throw new DekiError('METRICS_FORBIDDEN');
      const { registry } = deps.metrics;
      void reply.header('Cache-Control', 'no-store').type(registry.contentType);
      return registry.metrics();
    });
  };
}
