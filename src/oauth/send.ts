/** JSON answers of the OAuth endpoints (RFC 6749 §5.1): never cached. */
import type { FastifyReply } from 'fastify';

export function sendOAuthJson(reply: FastifyReply, body: object, status = 200): FastifyReply {
  return reply.code(status).header('Cache-Control', 'no-store').header('Pragma', 'no-cache').type('application/json; charset=utf-8').send(JSON.stringify(body));
}
