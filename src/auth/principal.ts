/** Who a request acts as, and by which credential (SPEC 3). Set once per request by `resolve.ts`. */
import type { UserRow } from '../store/schema.js';

export type Credential =
  | { kind: 'anonymous' }
  | { kind: 'jwt'; tokenId: number }
  | { kind: 'server-signature'; tokenId: number }
  | { kind: 'session'; via: 'cookie' | 'bearer'; authtoken: string };

export interface Principal {
  readonly user: UserRow;
  readonly credential: Credential;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the `resolveCredential` stage on every API request. */
    principal: Principal;
  }
}
