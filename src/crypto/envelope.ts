/**
 * Encryption at rest: AES-256-GCM under a master key. The stored form names the key it was
 * written with, so several keys can be live during a rotation. `context` is authenticated but not
 * stored (e.g. the token's key), so a ciphertext copied to another row does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { MasterKeyRing } from './master-key.js';

const VERSION = 'v1';

export function encrypt(ring: MasterKeyRing, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.current.bytes, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}:${ring.current.id}:${iv.toString('base64url')}:${body.toString('base64url')}`;
}

/** Decrypts what `encrypt` wrote. Throws if the key is unknown or the data or context was changed. */
export function decrypt(ring: MasterKeyRing, stored: string, context: string): string {
  const [version, keyId, iv, body] = stored.split(':');
  const key = keyId ? ring.byId(keyId) : undefined;
  if (version !== VERSION || !key || !iv || !body) throw new Error('encrypted value has an unknown format or key');
  const data = Buffer.from(body, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
}

/** The id of the master key a stored value was written with. */
export function encryptedWith(stored: string): string | undefined {
  return stored.split(':')[1];
}
