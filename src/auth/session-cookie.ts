/** The `authtoken` cookie, set the same way wherever a browser signs in: `users/authenticate` and the OAuth sign-in page. */
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../context.js';
import type { UserRow } from '../store/schema.js';
import { startSession } from './session.js';

export const AUTHTOKEN_COOKIE = 'authtoken';

/** Starts a session for the user, sets its cookie (HttpOnly, SameSite=Lax, Secure on https) and returns the authtoken. */
export async function startBrowserSession(ctx: AppContext, reply: FastifyReply, user: UserRow): Promise<string> {
  const authtoken = await startSession(ctx, user);
  reply.setCookie(AUTHTOKEN_COOKIE, authtoken, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.config.siteUrl.startsWith('https:'),
    maxAge: ctx.config.sessionTtlSeconds,
  });
  return authtoken;
}
