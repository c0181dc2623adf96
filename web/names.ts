/**
 * Names for the numbers the API gives: tokens by id, and the users the token list names
 * (restricted users and creators; a JWT's user is always one of them).
 */
import type { Token } from './api';

export interface Directory {
  /** Listed tokens, and the names of deleted ones where the audit log gives them. */
  tokens: ReadonlyMap<number, Pick<Token, 'id' | 'name'> & Partial<Pick<Token, 'rolledFrom'>>>;
  users: ReadonlyMap<number, string>;
}

export const EMPTY_DIRECTORY: Directory = { tokens: new Map(), users: new Map() };

export function directoryOf(list: readonly Token[]): Directory {
  const users = new Map<number, string>();
  for (const t of list) {
    if (t.restrictedUserId !== undefined && t.restrictedUsername) users.set(t.restrictedUserId, t.restrictedUsername);
    if (t.createdById !== undefined && t.createdBy) users.set(t.createdById, t.createdBy);
  }
  return { tokens: new Map(list.map((t) => [t.id, t])), users };
}
