/** Token keys and secrets: 32 random bytes as 64 lowercase hex; secrets encrypted at rest. */
import { randomBytes } from 'node:crypto';
import type { MasterKeyRing } from '../crypto/master-key.js';
import { decrypt, encrypt } from '../crypto/envelope.js';

export function newKeyMaterial(): string {
  return randomBytes(32).toString('hex');
}

// The token's key is the authenticated context: a secret copied onto another token's row won't decrypt.
const context = (tokenKey: string) => `developer-token-secret:${tokenKey}`;

export function sealSecret(keys: MasterKeyRing, tokenKey: string, secret: string): string {
  return encrypt(keys, secret, context(tokenKey));
}

export function openSecret(keys: MasterKeyRing, tokenKey: string, sealed: string): string {
  return decrypt(keys, sealed, context(tokenKey));
}
