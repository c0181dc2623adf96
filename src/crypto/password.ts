/** Password hashing with scrypt (passwords are stored with a slow hash), compared in constant time. */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const N = 16384,
  r = 8,
  p = 1,
  LEN = 32;

function scryptAsync(password: string, salt: Buffer, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, LEN, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, N);
  return `scrypt$${N}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  // Without a stored hash we still spend the time, so response times do not reveal which users have passwords.
  const [scheme, n, salt, key] = (stored ?? `scrypt$${N}$AAAAAAAAAAAAAAAAAAAAAA$`).split('$');
  if (scheme !== 'scrypt' || !n || salt === undefined || key === undefined) return false;
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), Number(n));
  const expected = Buffer.from(key, 'base64url');
  return stored !== null && expected.length === actual.length && timingSafeEqual(actual, expected);
}
