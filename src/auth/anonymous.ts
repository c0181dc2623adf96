/** No credential: the request acts as the built-in Anonymous user (id 2), who can never sign in. */
import type { AppContext } from '../context.js';
import type { Principal } from './principal.js';

export async function verifyAnonymous(ctx: AppContext): Promise<Principal> {
  return { user: ctx.anonymous, credential: { kind: 'anonymous' } };
}
