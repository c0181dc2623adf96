/** Who a request acts as, and by which credential. Set once per request by `resolve.ts`. */
import type { UserRow } from '../store/schema.js';
import { isAdmin } from '../users/store.js';

export type Credential =
  | { kind: 'anonymous' }
  | { kind: 'jwt'; tokenId: number }
  | { kind: 'server-signature'; tokenId: number }
  /** An OAuth access token: the app's developer-token id, the user's grant, its scope. */
  | { kind: 'oauth'; tokenId: number; grantId: number; scope: string }
  | { kind: 'session'; via: 'cookie' | 'bearer'; authtoken: string };

export interface Principal {
  readonly user: UserRow;
  readonly credential: Credential;
  /** The browser token that admitted this cross-origin request, if one did. */
  readonly browserTokenId?: number | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the `resolveCredential` stage on every API request. */
    principal: Principal;
  }
}

/**
 * Whether the request may use an admin's powers. Never when a browser token admitted it: a page on
 * an allowed host that is same-site with Gatehouse gets the visitor's cookie sent along, and must
 * not manage tokens, users, keys or the audit log with an admin's session (or read others' emails).
 */
export function actsAsAdmin(principal: Principal): boolean {
  return principal.browserTokenId === undefined && isAdmin(principal.user);
}
