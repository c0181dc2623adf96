/**
 * Client authentication at the token, device, introspection and revocation endpoints (RFC 6749
 * §2.3.1): HTTP Basic with `client_id:client_secret`, or both as form fields. The client is a
 * `type="oauth"` developer token: key = client_id, secret = client_secret.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { readBasic } from '../auth/basic.js';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import type { TokenRow } from '../store/schema.js';
import { openSecret } from '../tokens/secret.js';
import { findOAuthApp } from './grant-store.js';
import type { Params } from './params.js';

/** Client credentials from a Basic header. */
function readClientBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const basic = readBasic(header);
  if (!basic) return undefined;
  // RFC 6749 §2.3.1: both halves are form-encoded before Basic encoding. Ours are hex, so this
  // matters only for clients that encode anyway.
  try {
    return { id: decodeURIComponent(basic.user.replace(/\+/g, ' ')), secret: decodeURIComponent(basic.password.replace(/\+/g, ' ')) };
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
  const basic = readClientBasic(header);
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
