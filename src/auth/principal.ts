/** Who a request acts as, and by which credential. Set once per request by `resolve.ts`. */
import type { UserRow } from '../store/schema.js';

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
