/**
 * Audit entries: who did what, with which credential, from where, to what, and what
 * changed. Built from the request by `auditFrom`; written by the store in the change's own
 * transaction. Details are allow-listed by the callers: never a secret, JWT, password or authtoken.
 */
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import type { AuditRecord } from '../store/changes.js';
import type { AuditAction } from './actions.js';
import type { UserRow } from '../store/schema.js';

export type { AuditAction };

/** An audit entry as the change log writes it (`store/changes.ts`), in the change's transaction. */
export interface AuditEntry extends AuditRecord {
  action: AuditAction;
  target_type: 'token' | 'user' | 'keys' | null;
}

type Target = { type: AuditEntry['target_type']; id: string | number | null };

/** Details as stored: JSON of what the caller allow-listed. */
function entry(
  action: AuditAction,
  actor: { id: number | null; name: string | null },
  credential: string,
  ip: string | null,
  target: Target,
  details: Record<string, unknown>,
): AuditEntry {
  return {
    action,
    actor_id: actor.id,
    actor_name: actor.name,
    credential,
    ip,
    target_type: target.type,
    target_id: target.id === null ? null : String(target.id),
    details: JSON.stringify(details),
  };
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
export function auditFrom(request: FastifyRequest, action: AuditAction, target: Target, details: Record<string, unknown> = {}): AuditEntry {
  const { user } = request.principal;
  return entry(action, { id: user.id, name: user.username }, credentialLabel(request.principal), request.ip, target, details);
}

/** An entry for the command line, where the operator acts through the data directory. */
export function auditFromCli(action: AuditAction, target: Target, details: Record<string, unknown> = {}): AuditEntry {
  return entry(action, { id: null, name: 'cli' }, 'cli', null, target, details);
}

/** Sign-in attempts are audited whoever makes them: the actor is the account tried, if it exists. */
export function signInAudit(
  request: FastifyRequest,
  action: 'signin.success' | 'signin.failure',
  user: UserRow | undefined,
  details: Record<string, unknown>,
): AuditEntry {
  return entry(action, { id: user?.id ?? null, name: user?.username ?? null }, 'sign-in', request.ip, { type: 'user', id: user?.id ?? null }, details);
}
