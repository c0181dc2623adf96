/**
 * What an admin sees of a user beyond Expert's document: how many sessions are open and which
 * tokens depend on the user (restricted to them, or with a JWT acting as them). Read for one page
 * of users at a time, so the cost follows the page, not the site.
 */
import type { Kysely } from 'kysely';
import { el, textEl } from '../dream/document.js';
import type { Database, TokenType } from '../store/schema.js';
import { tokenHref } from '../tokens/document.js';

export interface DependentToken {
  id: number;
  type: TokenType;
  name: string;
  restricted: boolean;
  jwt: boolean;
}

export interface UserExtras {
  sessions: number;
  tokens: DependentToken[];
}

export async function userExtras(db: Kysely<Database>, ids: readonly number[], now: number): Promise<Map<number, UserExtras>> {
  const out = new Map<number, UserExtras>(ids.map((id) => [id, { sessions: 0, tokens: [] }]));
  if (ids.length === 0) return out;
  const [sessions, tokens] = await Promise.all([
    db
      .selectFrom('sessions')
      .select((eb) => ['user_id', eb.fn.countAll<number>().as('n')])
      .where('user_id', 'in', ids)
      .where('expires_at', '>', now)
      .groupBy('user_id')
      .execute(),
    db
      .selectFrom('developer_tokens')
      .select(['id', 'type', 'name', 'restricted_user_id', 'jwt_user_id'])
      .where((eb) => eb.or([eb('restricted_user_id', 'in', ids), eb('jwt_user_id', 'in', ids)]))
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('id')
      .execute(),
  ]);
  for (const s of sessions) out.get(Number(s.user_id))!.sessions = Number(s.n);
  for (const t of tokens) {
    const users = new Set([t.restricted_user_id, t.jwt_user_id].filter((u): u is number => u !== null).map(Number));
    for (const id of users) {
      out
        .get(id)
        ?.tokens.push({ id: Number(t.id), type: t.type, name: t.name, restricted: Number(t.restricted_user_id) === id, jwt: Number(t.jwt_user_id) === id });
    }
  }
  return out;
}

/** The extras as elements of the user document (docs/api.md#get-users-id). */
export function extrasElements(x: UserExtras, siteUrl: string) {
  return {
    tokens: el(
      'developer-tokens',
      { count: String(x.tokens.length) },
      x.tokens.map((t) =>
        el('developer-token', { id: String(t.id), type: t.type, href: tokenHref(siteUrl, t.id), restricted: String(t.restricted), jwt: String(t.jwt) }, [
          textEl('name', t.name),
        ]),
      ),
    ),
    sessions: textEl('sessions.active', x.sessions),
  };
}
