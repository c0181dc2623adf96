/**
 * Where a token stands in its life, from its expiry and its place in a roll. The page
 * computes it with the browser's clock; the server decides with its own, so the words hedge nothing
 * that matters: an "Expired" token is refused with 403 `developer token has expired`.
 */
import type { Token } from './api';

/** Tokens that stop working within this are flagged "Expires soon". */
export const SOON_MS = 7 * 24 * 3_600_000;

export type Lifetime =
  | { state: 'expired'; at: number }
  /** Replaced by a roll; works until `at`, the end of the overlap. */
  | { state: 'retiring'; at: number }
  | { state: 'soon'; at: number }
  | { state: 'later'; at: number }
  | { state: 'never' };

export function lifetime(token: Token, now: number, replaced: boolean): Lifetime {
  const at = token.expires;
  if (at === undefined) return { state: 'never' };
  if (at <= now) return { state: 'expired', at };
  if (replaced) return { state: 'retiring', at };
  return { state: at - now <= SOON_MS ? 'soon' : 'later', at };
}

/** The words the list filter matches for a token's state, so "expired" or "unused" find those rows. */
export function stateWords(life: Lifetime, unused: boolean): string[] {
  const words: string[] = [];
  if (life.state === 'expired') words.push('expired');
  if (life.state === 'retiring') words.push('replaced', 'rotating');
  if (life.state === 'soon') words.push('expires soon');
  if (unused && life.state !== 'expired') words.push('unused');
  return words;
}
