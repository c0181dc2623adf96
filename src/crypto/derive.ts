/**
 * Per-token JWT signing keys: 64 bytes derived from the master key with HKDF-SHA512.
 * Nothing derived is ever stored; the token row only names which master key was used.
 */
import { hkdfSync } from 'node:crypto';
import type { MasterKey } from './master-key.js';

export function deriveJwtKey(master: MasterKey, tokenId: number, tokenKey: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha512', master.bytes, 'gatehouse/jwt/v1', `${tokenId}:${tokenKey}`, 64));
}
