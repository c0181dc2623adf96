/**
 * Signs server-token requests the way every known Expert client does. The result goes in
 * the `X-Deki-Token` header (or the `x-deki-token` query parameter of `users/authenticate`).
 *
 * @example
 *   const value = signServerToken({ key, secret, user: '=admin' });
 *   fetch(`${site}/@api/deki/users/current`, { headers: { 'X-Deki-Token': value } });
 */
import { createHmac } from 'node:crypto';

/**
 * - `tkn`: `tkn_{key}_{epoch}_{user}_{hash}`, HMAC over `{key}_{epoch}_{user}` (current docs)
 * - `legacy`: `{key}_{epoch}_{user}_{hash}`, HMAC over `{key}{epoch}{user}` (PHP client, LibreTexts)
 * - `int`: `int_{key}_{epoch}_{user}_{hash}`, HMAC over `{key}{epoch}{user}` (martian JS SDK)
 * - `userless`: `{key}_{epoch}_{hash}`, HMAC over `{key}{epoch}` (oldest; acts as Anonymous)
 */
export type SignatureFormat = 'tkn' | 'legacy' | 'int' | 'userless';

export interface SignOptions {
  key: string;
  secret: string;
  /** A user id (`5` or `'5'`) or `=` and a username (`'=admin'`). Names are percent-encoded when `encodeUser` is true. Default `2` (Anonymous). */
  user?: string | number;
  /** Unix seconds; default now. */
  epoch?: number;
  format?: SignatureFormat;
  /** Percent-encode a `=username` (Expert's "this must be encoded"). Default true. */
  encodeUser?: boolean;
  /** Emit the hash in upper case, as the official C# example does. Default false. */
  upperCaseHash?: boolean;
}

/** The user part as it appears in the signature. */
export function userPart(user: string | number, encode = true): string {
  const s = String(user);
  return s.startsWith('=') && encode ? `=${encodeURIComponent(s.slice(1))}` : s;
}

export function signServerToken(opts: SignOptions): string {
  const format = opts.format ?? 'tkn';
  const epoch = String(opts.epoch ?? Math.floor(Date.now() / 1000));
  const user = userPart(opts.user ?? 2, opts.encodeUser ?? true);
  const message = format === 'tkn' ? `${opts.key}_${epoch}_${user}` : format === 'userless' ? `${opts.key}${epoch}` : `${opts.key}${epoch}${user}`;
  let hash = createHmac('sha256', Buffer.from(opts.secret, 'utf8')).update(message, 'utf8').digest('hex');
  if (opts.upperCaseHash) hash = hash.toUpperCase();
  switch (format) {
    case 'tkn':
      return `tkn_${opts.key}_${epoch}_${user}_${hash}`;
    case 'int':
      return `int_${opts.key}_${epoch}_${user}_${hash}`;
    case 'legacy':
      return `${opts.key}_${epoch}_${user}_${hash}`;
    case 'userless':
      return `${opts.key}_${epoch}_${hash}`;
  }
}
