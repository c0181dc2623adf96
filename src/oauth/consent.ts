/** What a user can consent to, and recording that consent: shared by the authorize and device pages. */
import type { AppContext } from '../context.js';
import type { OAuthGrantRow, UserRow } from '../store/schema.js';
import { findGrant, saveGrant } from './grant-store.js';
import { type Scope, formatScope, storedScope } from './scopes.js';

/** The scopes this user can give: `seated` only with a seat (an unseated user gives `profile`). */
export function grantableScopes(asked: readonly Scope[], user: UserRow): Scope[] {
  return user.seat === 1 ? [...asked] : asked.filter((s) => s !== 'seated');
}

/** Records that the user approved `scopes` for the app, adding to what they approved before. */
export async function recordConsent(ctx: AppContext, appId: number, userId: number, scopes: readonly Scope[]): Promise<OAuthGrantRow> {
  const earlier = await findGrant(ctx.db, appId, userId);
  const consented = formatScope([...new Set([...(earlier ? storedScope(earlier.scope) : []), ...scopes])]);
  return saveGrant(ctx.db, appId, userId, consented, ctx.config.now());
}
