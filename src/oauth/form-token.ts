/**
 * CSRF protection for the OAuth pages' forms. A form carries a token that is an HMAC of the
 * session's authtoken (signed-in forms) or of a random pre-session cookie (the sign-in form, so a
 * login cannot be forged either). The key is derived from the master key and never stored. A form
 * post whose `Origin` is another site's is refused as well.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';

const PRESESSION_COOKIE = 'gatehouse_oauth_form';
const keys = new WeakMap<object, Buffer>();

function formKey(ctx: AppContext): Buffer {
  let key = keys.get(ctx.keys);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', ctx.keys.current.bytes, 'gatehouse/oauth-form/v1', '', 32));
    keys.set(ctx.keys, key);
  }
  return key;
}

function mac(ctx: AppContext, purpose: string, binding: string): string {
  return createHmac('sha256', formKey(ctx)).update(`${purpose}\0${binding}`).digest('base64url');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function checkOrigin(ctx: AppContext, request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== new URL(ctx.config.siteUrl).origin) throw new DekiError('OAUTH_FORM_EXPIRED');
}

/** The form token for a signed-in user's forms. */
export function sessionFormToken(ctx: AppContext, authtoken: string): string {
  return mac(ctx, 'session', authtoken);
}

export function checkSessionFormToken(ctx: AppContext, request: FastifyRequest, authtoken: string, given: string | undefined): void {
  checkOrigin(ctx, request);
  if (given === undefined || !same(given, sessionFormToken(ctx, authtoken))) throw new DekiError('OAUTH_FORM_EXPIRED');
}

/** The sign-in form's token, setting the pre-session cookie it is bound to when there is none. */
export function preSessionFormToken(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): string {
  let binding = request.cookies[PRESESSION_COOKIE];
  if (!binding || !/^[0-9a-f]{64}$/.test(binding)) {
    binding = randomBytes(32).toString('hex');
    reply.setCookie(PRESESSION_COOKIE, binding, { path: '/@app/', httpOnly: true, sameSite: 'lax', secure: ctx.config.siteUrl.startsWith('https:') });
  }
  return mac(ctx, 'presession', binding);
}

export function checkPreSessionFormToken(ctx: AppContext, request: FastifyRequest, given: string | undefined): void {
  checkOrigin(ctx, request);
  const binding = request.cookies[PRESESSION_COOKIE];
  if (!binding || given === undefined || !same(given, mac(ctx, 'presession', binding))) throw new DekiError('OAUTH_FORM_EXPIRED');
}
