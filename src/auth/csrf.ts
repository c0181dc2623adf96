/**
 * The CSRF rule: a request that relies on the `authtoken` cookie alone, with an unsafe
 * method, must show it did not come from a plain HTML form.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';

const UNSAFE = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain', '']);

/**
 * `original` is the request a gateway asks about (forward-auth): its method, and the origin of the
 * site the gateway serves, which counts as the site's own beside Gatehouse's.
 */
export function refuseCrossSiteForm(ctx: AppContext, request: FastifyRequest, original?: { method: string; origin: string | undefined }): void {
  const { credential } = request.principal;
  if (credential.kind !== 'session' || credential.via !== 'cookie' || !UNSAFE.has(original?.method ?? request.method)) return;
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (!FORM_TYPES.has(type)) return;
  if (request.headers['x-requested-with'] || request.headers['x-deki-requested-with']) return;
  const origin = request.headers.origin;
  if (origin === new URL(ctx.config.siteUrl).origin || (origin !== undefined && origin === original?.origin)) return;
  throw new DekiError('CSRF_REFUSED');
}
