/** Reads and validates developer-token documents from request bodies (type, name, hosts, restricted user and expiry rules). */
import type { Kysely } from 'kysely';
import { readText } from '../dream/body.js';
import { DekiError } from '../errors.js';
import type { Database, TokenType } from '../store/schema.js';
import { TOKEN_TYPES } from './token-type.js';
import { ANONYMOUS_ID, findUserById } from '../users/store.js';
import { parseRedirectUris } from '../oauth/redirect-uri.js';
import { parseHostPatterns } from './host-pattern.js';

export interface TokenInput {
  type: TokenType;
  name: string;
  host: string | null;
  restrictedUserId: number | null;
  generateJwt: boolean;
  /** Optional expiry, ms since the epoch. */
  expiresAt: number | null;
  /** OAuth apps: registered redirect URIs, space-separated, or null for none. */
  redirectUris?: string | null;
}

export function validName(raw: string | undefined): string {
  const name = (raw ?? '').trim();
  if (name.length < 1 || name.length > 255) throw new DekiError('TOKEN_NAME_INVALID');
  return name;
}

/** Normalised patterns joined by commas, or null when the value is empty. */
export function validHost(raw: string | undefined): string | null {
  if (raw === undefined || raw.trim() === '') return null;
  const parsed = parseHostPatterns(raw);
  if ('invalid' in parsed) throw new DekiError('TOKEN_HOST_INVALID', parsed.invalid.slice(0, 100));
  return parsed.patterns.join(',');
}

/** `redirect-uris` (oauth tokens only): validated, joined by spaces, or null when empty. */
export function validRedirectUris(type: TokenType, raw: string | undefined): string | null | undefined {
  if (raw === undefined) return undefined;
  if (type !== 'oauth') {
    if (raw.trim() !== '') throw new DekiError('TOKEN_REDIRECT_URIS_NOT_OAUTH');
    return undefined;
  }
  const parsed = parseRedirectUris(raw);
  if ('invalid' in parsed) throw new DekiError('TOKEN_REDIRECT_URI_INVALID', parsed.invalid.slice(0, 100));
  return parsed.uris;
}

export async function validRestriction(db: Kysely<Database>, raw: string | undefined): Promise<number | null> {
  if (raw === undefined || raw.trim() === '') return null;
  const id = raw.trim();
  if (!/^\d{1,15}$/.test(id) || Number(id) === ANONYMOUS_ID || !(await findUserById(db, Number(id)))) {
    throw new DekiError('TOKEN_RESTRICTION_INVALID');
  }
  return Number(id);
}

/** `<expires>`: an ISO 8601 or RFC 1123 date in the future; empty or absent means never. */
export function validExpiry(raw: string | undefined, now: number): number | null {
  if (raw === undefined || raw.trim() === '') return null;
  const at = Date.parse(raw.trim());
  if (!Number.isFinite(at) || at <= now) throw new DekiError('TOKEN_EXPIRES_INVALID');
  return at;
}

export async function readCreateInput(db: Kysely<Database>, doc: Record<string, unknown>, now: number): Promise<TokenInput> {
  const type = readText(doc, '@type')?.trim().toLowerCase();
  if (!type || !TOKEN_TYPES.includes(type as TokenType)) throw new DekiError('TOKEN_TYPE_INVALID');
  const name = validName(readText(doc, 'name'));
  const host = validHost(readText(doc, 'host'));
  const restriction = readText(doc, 'restricted-by-user-id');
  const generate = readText(doc, 'generate-jwt')?.trim().toLowerCase();
  if (type === 'server') {
    if (host !== null) throw new DekiError('TOKEN_HOST_ON_SERVER');
    if (generate !== undefined && generate !== 'true' && generate !== 'false') throw new DekiError('TOKEN_GENERATE_JWT_INVALID');
  } else {
    if (restriction !== undefined && restriction.trim() !== '') throw new DekiError('TOKEN_RESTRICTION_NOT_SERVER');
    if (generate !== undefined && generate !== 'false') throw new DekiError('TOKEN_GENERATE_JWT_INVALID');
    if (type === 'browser' && host === null) throw new DekiError('TOKEN_HOST_REQUIRED');
  }
  const restrictedUserId = type === 'server' ? await validRestriction(db, restriction) : null;
  // The seed's API example gets a JWT by naming a restricted user; the dashboard asks for one explicitly.
  const generateJwt = type === 'server' && (generate === 'true' || restrictedUserId !== null);
  const redirectUris = validRedirectUris(type as TokenType, readText(doc, 'redirect-uris')) ?? null;
  return { type: type as TokenType, name, host, restrictedUserId, generateJwt, expiresAt: validExpiry(readText(doc, 'expires'), now), redirectUris };
}

export interface TokenPatch {
  name?: string;
  host?: string | null;
  restricted_user_id?: number | null;
  redirect_uris?: string | null;
}

/** A PUT body: only the fields present change; an empty `restricted-by-user-id` lifts the restriction. */
export async function readUpdateInput(db: Kysely<Database>, type: TokenType, doc: Record<string, unknown>): Promise<TokenPatch> {
  const patch: TokenPatch = {};
  const name = readText(doc, 'name');
  if (name !== undefined) patch.name = validName(name);
  const host = readText(doc, 'host');
  if (host !== undefined) {
    if (type === 'server' && host.trim() !== '') throw new DekiError('TOKEN_HOST_ON_SERVER');
    if (type !== 'server') {
      patch.host = validHost(host);
      if (type === 'browser' && patch.host === null) throw new DekiError('TOKEN_HOST_REQUIRED');
    }
  }
  const redirectUris = validRedirectUris(type, readText(doc, 'redirect-uris'));
  if (redirectUris !== undefined) patch.redirect_uris = redirectUris;
  const restriction = readText(doc, 'restricted-by-user-id');
  if (restriction !== undefined) {
    if (type !== 'server' && restriction.trim() !== '') throw new DekiError('TOKEN_RESTRICTION_NOT_SERVER');
    if (type === 'server') patch.restricted_user_id = await validRestriction(db, restriction);
  }
  return patch;
}
