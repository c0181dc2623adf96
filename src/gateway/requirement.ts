/**
 * What a forward-auth check or a proxy route requires of the caller, `require=anyone|user|seated|admin`
 * (default `user`: anyone but Anonymous). A request with no credential at all that needs one is a
 * 401; a credential that does not reach the level is a 403 with the message the API would give.
 */
import { DekiError } from '../errors.js';
import type { Principal } from '../auth/principal.js';
import { ANONYMOUS_ID, isAdmin, isSeatedActive } from '../users/store.js';

export const LEVELS = ['anyone', 'user', 'seated', 'admin'] as const;
export type Level = (typeof LEVELS)[number];
export const DEFAULT_LEVEL: Level = 'user';

export function isLevel(value: string): value is Level {
  return (LEVELS as readonly string[]).includes(value);
}

/** Throws when `principal` does not meet `level`; returns otherwise. */
export function requireLevel(principal: Principal, level: Level): void {
  if (level === 'anyone') return;
  const { user, credential } = principal;
  if (credential.kind === 'anonymous' && user.id === ANONYMOUS_ID) throw new DekiError('CREDENTIAL_REQUIRED');
  if (user.id === ANONYMOUS_ID) throw new DekiError('SIGNED_IN_USER_REQUIRED');
  if (level === 'seated' && !isSeatedActive(user)) throw new DekiError('SEAT_REQUIRED');
  // As on the API's admin routes: a browser key admits a widget, never an administrator.
  if (level === 'admin' && principal.browserTokenId !== undefined) throw new DekiError('BROWSER_TOKEN_NOT_ADMIN');
  if (level === 'admin' && !isAdmin(user)) throw new DekiError('ADMIN_REQUIRED');
}
