/**
 * Who is signed in on an OAuth page: the `authtoken` cookie's session, and nothing else.
 * Pages never take Bearer or X-Deki-Token credentials: an app must not be able to approve itself.
 * Signing in sets the cookie through `auth/session-cookie.ts`, as `users/authenticate` does.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { verifySession } from '../auth/session.js';
import { AUTHTOKEN_COOKIE } from '../auth/session-cookie.js';
import { DekiError } from '../errors.js';
import type { UserRow } from '../store/schema.js';

export interface BrowserSession {
  readonly user: UserRow;
  readonly authtoken: string;
}

export async function browserSession(ctx: AppContext, request: FastifyRequest): Promise<BrowserSession | undefined> {
  const authtoken = request.cookies[AUTHTOKEN_COOKIE];
  if (!authtoken) return undefined;
  try {
    return { user: (await verifySession(ctx, authtoken, 'cookie')).user, authtoken };
  } catch (err) {
    if (err instanceof DekiError && err.code === 'AUTHTOKEN_INVALID') return undefined;
    throw err;
  }
}
