/**
 * Substring filters that use an index: on SQLite the FTS5 trigram tables, on PostgreSQL pg_trgm
 * (both made by store/listing-migration.ts). Matching is case-insensitive. A trigram index needs
 * three characters; a shorter filter is matched with LIKE, which scans. Tokens created since
 * SQLite's index was last brought up to date are matched with LIKE too (store/token-search-backlog.ts).
 */
import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import { dialectOf } from './dialect.js';
import type { Database } from './schema.js';
import { BACKLOG_START } from './token-search-backlog.js';

/** `%text%` for LIKE, with LIKE's own wildcards escaped so they match themselves. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** An FTS5 phrase: the trigram tokenizer turns a quoted phrase into a substring match. */
function ftsPhrase(text: string, column?: string): string {
  const phrase = `"${text.replace(/"/g, '""')}"`;
  return column ? `{${column}} : ${phrase}` : phrase;
}

/** Control characters match nothing stored (names refuse them), and a NUL would end an FTS5 query early. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, '');
}

const NOTHING = sql<SqlBool>`1 = 0`;

function indexable(text: string): boolean {
  return [...text].length >= 3;
}

/** Ids of users whose username contains `text`. */
function usernameIds(db: Kysely<Database>, text: string) {
  if (dialectOf(db) === 'sqlite' && indexable(text)) return sql`(select rowid from users_search where users_search match ${ftsPhrase(text, 'username')})`;
  return sql`(select id from users where username_key like ${likePattern(text)} escape '\\')`;
}

/** Tokens (aliased `t`) whose name or hosts contain `text`, by LIKE: a scan unless bounded otherwise. */
function likeNameOrHost(text: string) {
  return sql<SqlBool>`(lower(t.name) like ${likePattern(text)} escape '\\' or lower(t.host) like ${likePattern(text)} escape '\\')`;
}

/**
 * Tokens (aliased `t`) whose name or hosts contain `text`, whose key starts with it, or whose
 * restricted user or creator has a username containing it.
 */
export function tokenTextMatch(db: Kysely<Database>, raw: string): Expression<SqlBool> {
  const text = printable(raw);
  if (text === '') return NOTHING;
  const lower = text.toLowerCase();
  const keyPrefix = /^[0-9a-f]{1,64}$/.test(lower) ? sql`or (t.key >= ${lower} and t.key < ${`${lower}g`})` : sql``;
  const users = usernameIds(db, text);
  const own =
    dialectOf(db) === 'sqlite' && indexable(text)
      ? sql`(t.id in (select rowid from developer_tokens_search where developer_tokens_search match ${ftsPhrase(text)}) or (t.id > ${BACKLOG_START} and ${likeNameOrHost(text)}))`
      : likeNameOrHost(text);
  return sql<SqlBool>`(${own} ${keyPrefix} or t.restricted_user_id in ${users} or t.created_by in ${users})`;
}

/** Users whose username or full name contains `text`. */
export function userTextMatch(db: Kysely<Database>, raw: string): Expression<SqlBool> {
  const text = printable(raw);
  if (text === '') return NOTHING;
  if (dialectOf(db) === 'sqlite' && indexable(text))
    return sql<SqlBool>`users.id in (select rowid from users_search where users_search match ${ftsPhrase(text)})`;
  const pattern = likePattern(text);
  return sql<SqlBool>`(users.username_key like ${pattern} escape '\\' or lower(users.fullname) like ${pattern} escape '\\')`;
}
