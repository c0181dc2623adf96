/** Sends a DReAM document in the format the request asked for. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Element, toJson, toXml } from './document.js';
import { chooseFormat } from './negotiate.js';

export function sendDocument(request: FastifyRequest, reply: FastifyReply, doc: Element, status = 200): FastifyReply {
  const format = chooseFormat(request.query as Record<string, unknown>, request.headers.accept);
  reply.code(status);
  if (format === 'json') return reply.type('application/json; charset=utf-8').send(toJson(doc));
  return reply.type('application/xml; charset=utf-8').send(toXml(doc));
}

/** RFC 1123 date, as in every document. */
export function rfc1123(ms: number): string {
  return new Date(ms).toUTCString();
}
