/**
 * JWTs for the peers, minted by the bench with the peers' shared secret (peers have no token API).
 * One JWT per token row, so both peers see the same rotating pool as Gatehouse does; the claims
 * carry the user's fields, which is what lets the stateless Fastify peer answer without a lookup.
 */
import jwt from 'jsonwebtoken';
import { ADMIN, SITE_URL } from '../peers/user-document.js';

export function mintPeerJwts(secret: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    jwt.sign(
      {
        sub: String(ADMIN.id),
        jti: String(i + 1),
        username: ADMIN.username,
        email: ADMIN.email,
        fullname: ADMIN.fullname,
        status: ADMIN.status,
        seat: ADMIN.seat,
        role: ADMIN.role,
        created: ADMIN.createdAt,
      },
      secret,
      { algorithm: 'HS512', audience: 'auth-service-Server', issuer: `${SITE_URL}/`, expiresIn: '3650d' },
    ),
  );
}
