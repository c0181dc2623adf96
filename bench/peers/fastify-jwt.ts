/**
 * Peer 2: Fastify 5 with @fastify/jwt (fast-jwt underneath), fully stateless: the user document is
 * built from the JWT's claims and nothing is looked up, so a leaked token works until it expires
 * and nothing can revoke it. The fastest thing a team can build; Gatehouse must at least match it
 * while still checking revocation.
 *
 * Env: PORT, PEER_JWT_SECRET. The bench mints the JWTs with the user's fields as claims.
 */
import fastifyJwt from '@fastify/jwt';
import Fastify from 'fastify';
import { SITE_URL, userDocument } from './user-document.js';

const secret = process.env.PEER_JWT_SECRET ?? '';
if (!secret) throw new TypeError('PEER_JWT_SECRET is required');

interface Claims {
  sub: string;
  username: string;
  email: string;
  fullname: string;
  status: string;
  seat: boolean;
  role: string;
  created: number;
}

const app = Fastify({ logger: false });
await app.register(fastifyJwt, {
  secret,
  sign: { algorithm: 'HS512' },
  verify: { algorithms: ['HS512'], allowedAud: 'auth-service-Server', allowedIss: `${SITE_URL}/` },
});
app.get('/health', async () => ({ ok: true }));
app.get('/@api/deki/users/current', {
  onRequest: async (request) => {
    await request.jwtVerify();
  },
  handler: async (request) => {
    const c = request.user as Claims;
    return userDocument({
      id: Number(c.sub),
      username: c.username,
      email: c.email,
      fullname: c.fullname,
      status: c.status,
      seat: c.seat,
      role: c.role,
      createdAt: c.created,
    });
  },
});
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 8082) });
