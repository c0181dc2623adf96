/** Every action the audit log records, as stored in `audit_log.action`; the dashboard names each in words. */
export const AUDIT_ACTIONS = [
  'token.create',
  'token.update',
  'token.delete',
  'token.roll',
  'user.create',
  'user.update',
  'user.deactivate',
  'user.password',
  'signin.success',
  'signin.failure',
  'keys.rotate',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
