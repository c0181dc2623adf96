/**
 * The opaque values the OAuth server hands out. Each has a prefix of its own, so a value says what
 * it is and where it came from, and none can be mistaken for the API's other Bearer credentials
 * (a JWT has dots or starts `eyJ`; an authtoken is `<digits>_<64 hex>`). Only SHA-256 of
 * each value is stored.
 *
 *   gth_at_<64 hex>  access token       gth_rt_<64 hex>  refresh token
 *   gth_ac_<64 hex>  authorization code gth_dc_<64 hex>  device code
 *   BCDF-GHJK        user code (RFC 8628 §6.1: 20 consonants, 8 characters, ~34 bits)
 */
import { hash, randomBytes, randomInt } from 'node:crypto';

export const PREFIX = { access: 'gth_at_', refresh: 'gth_rt_', code: 'gth_ac_', device: 'gth_dc_' } as const;
type OpaqueKind = keyof typeof PREFIX;

export function newOpaque(kind: OpaqueKind): string {
  return PREFIX[kind] + randomBytes(32).toString('hex');
}

/** Whether `value` has the shape of a value of this kind (cheap, before any lookup). */
export function isOpaque(kind: OpaqueKind, value: string): boolean {
  return SHAPE[kind].test(value);
}

/** One pattern per kind, whole value at once: no slice of it on every API request. */
const SHAPE = Object.fromEntries(Object.entries(PREFIX).map(([kind, prefix]) => [kind, new RegExp(`^${prefix}[0-9a-f]{64}$`)])) as Record<OpaqueKind, RegExp>;

export function hashOpaque(value: string): string {
  return hash('sha256', value, 'hex');
}

const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

export function newUserCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What a person typed, as stored: upper case, without spaces or dashes. Undefined when it cannot be a code. */
export function normalizeUserCode(typed: string): string | undefined {
  const code = typed.toUpperCase().replace(/[\s-]/g, '');
  return new RegExp(`^[${USER_CODE_ALPHABET}]{8}$`).test(code) ? code : undefined;
}

/** A new token family id: one chain of rotations from one code or device approval. */
export function newFamilyId(): string {
  return randomBytes(16).toString('hex');
}
