/**
 * Audit entries: who did what, with which credential, from where, to what, and what
 * changed. Built from the request by `auditFrom`; written by the store in the change's own
 * transaction. Details are allow-listed by the callers: never a secret, JWT, password or authtoken.
 */
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import type { UserRow } from '../store/schema.js';

export type AuditAction =
  | 'token.create'
  | 'token.update'
  | 'token.delete'
  | 'token.roll'
  | 'user.create'
  | 'user.update'
  | 'user.deactivate'
  | 'user.password'
  | 'signin.success'
  | 'signin.failure'
  | 'keys.rotate';

export interface AuditEntry {
  action: AuditAction;
  actorId: number | null;
  actorName: string | null;
  credential: string;
  ip: string | null;
  targetType: 'token' | 'user' | 'keys' | null;
  targetId: string | null;
  details: Record<string, unknown>;
}

export function credentialLabel(principal: Principal): string {
  const c = principal.credential;
  switch (c.kind) {
    case 'jwt':
    case 'server-signature':
      return `${c.kind}:${c.tokenId}`;
    case 'session':
      return `session:${c.via}`;
    default:
      return c.kind;
  }
}

/** An entry whose actor is the request's principal. */
export function auditFrom(
  request: FastifyRequest,
  action: AuditAction,
  target: { type: AuditEntry['targetType']; id: string | number | null },
  details: Record<string, unknown> = {},
): AuditEntry {
  const { user } = request.principal;
  return {
    action,
    actorId: user.id,
    actorName: user.username,
    credential: credentialLabel(request.principal),
    ip: request.ip,
    targetType: target.type,
    targetId: target.id === null ? null : String(target.id),
    details,
  };
}

/** An entry for the command line, where the operator acts through the data directory. */
export function auditFromCli(action: AuditAction, target: { type: AuditEntry['targetType']; id: string | number | null }, details: Record<string, unknown> = {}): AuditEntry {
  return { action, actorId: null, actorName: 'cli', credential: 'cli', ip: null, targetType: target.type, targetId: target.id === null ? null : String(target.id), details };
}

/** Sign-in attempts are audited whoever makes them: the actor is the account tried, if it exists. */
export function signInAudit(request: FastifyRequest, action: 'signin.success' | 'signin.failure', user: UserRow | undefined, details: Record<string, unknown>): AuditEntry {
  return { action, actorId: user?.id ?? null, actorName: user?.username ?? null, credential: 'sign-in', ip: request.ip, targetType: 'user', targetId: user ? String(user.id) : null, details };
}
