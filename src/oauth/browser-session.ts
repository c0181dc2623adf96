/**
 * Who is signed in on an OAuth page: the `authtoken` cookie's session, and nothing else.
 * Pages never take Bearer or X-Deki-Token credentials: an app must not be able to approve itself.
 * Signing in sets the cookie through `auth/session-cookie.ts`, as `users/authenticate` does.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { AUTHTOKEN_COOKIE } from '../auth/resolve.js';
import { findSessionUser } from '../auth/session.js';
import type { UserRow } from '../store/schema.js';

export interface BrowserSession {
  readonly user: UserRow;
  readonly authtoken: string;
}

export async function browserSession(ctx: AppContext, request: FastifyRequest): Promise<BrowserSession | undefined> {
  const authtoken = request.cookies[AUTHTOKEN_COOKIE];
  if (!authtoken) return undefined;
  const user = await findSessionUser(ctx, authtoken);
  return user ? { user, authtoken } : undefined;
}

