/**
 * Path ids: an integer, a keyword (`home`, `current`), or `=` and a name that was URI-encoded
 * twice. The router has decoded once; the name is decoded here a second time.
 */
import { DekiError } from '../errors.js';

export type PathId = { kind: 'id'; id: number } | { kind: 'keyword'; word: string } | { kind: 'name'; name: string };

export function parsePathId(raw: string, keywords: readonly string[]): PathId {
  if (/^\d{1,15}$/.test(raw)) return { kind: 'id', id: Number(raw) };
  if (keywords.includes(raw)) return { kind: 'keyword', word: raw };
  if (raw.startsWith('=') && raw.length > 1) {
    try {
      return { kind: 'name', name: decodeURIComponent(raw.slice(1)) };
    } catch {
      // fall through to the error below
    }
  }
  throw new DekiError('BAD_PATH_ID', raw.slice(0, 100));
}

/** An integer id only (developer tokens). */
export function parseIntegerId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new DekiError('BAD_PATH_ID', raw.slice(0, 100));
  return Number(raw);
}
