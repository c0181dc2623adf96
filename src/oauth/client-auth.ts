/**
 * Client authentication at the token, device, introspection and revocation endpoints (RFC 6749
 * §2.3.1): HTTP Basic with `client_id:client_secret`, or both as form fields. The client is a
 * `type="oauth"` developer token: key = client_id, secret = client_secret.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import type { TokenRow } from '../store/schema.js';
import { openSecret } from '../tokens/secret.js';
import { findOAuthApp } from './grant-store.js';
import type { Params } from './params.js';

function readBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^basic +([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both halves are form-encoded before Basic encoding. Ours are hex, so this
  // matters only for clients that encode anyway.
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')), secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')) };
  } catch {
    return undefined;
  }
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** The authenticated client's app, or OAUTH_CLIENT_INVALID (401). */
export async function authenticateClient(ctx: AppContext, request: FastifyRequest, params: Params): Promise<TokenRow> {
  const header = request.headers.authorization;
  const basic = readBasic(header);
  if (header !== undefined && /^basic /i.test(header) && !basic) throw new DekiError('OAUTH_CLIENT_INVALID');
  const formId = params.get('client_id');
  const formSecret = params.get('client_secret');
  if (basic && formSecret !== undefined) throw new DekiError('OAUTH_CLIENT_AUTH_TWICE');
  // Expert's own examples send client_id in the form as well as in Basic: allowed when they agree.
  if (basic && formId !== undefined && formId !== basic.id) throw new DekiError('OAUTH_CLIENT_ID_MISMATCH');
  const id = basic?.id ?? formId;
  const secret = basic?.secret ?? formSecret;
  if (id === undefined || secret === undefined) throw new DekiError('OAUTH_CLIENT_INVALID');
  const app = await findOAuthApp(ctx.db, id);
  if (!app || app.secret_enc === null || !sameSecret(openSecret(ctx.keys, app.key, app.secret_enc), secret)) {
    throw new DekiError('OAUTH_CLIENT_INVALID');
  }
  return app;
}
