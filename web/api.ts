/**
 * Every call the dashboard makes, in one file. Only the public API, in its JSON form
 * (`dream.out.format=json`), so anything the page does can be done with curl too (issue 3).
 *
 * Expert's JSON is derived from XML (SPEC 1): every scalar is a string, attributes are `@name`, and
 * a single child is an object where several would be an array. `many()` and `text()` absorb that.
 */
import { ApiError } from './messages';

const API = '/@api/deki';

type Json = Record<string, unknown>;

export interface User {
  id: number;
  username: string;
  fullname: string;
  role: string;
  active: boolean;
  seated: boolean;
  anonymous: boolean;
}

export type TokenType = 'server' | 'browser' | 'oauth';

export interface Token {
  id: number;
  type: TokenType;
  /** Creation time, ms since the epoch. */
  created: number;
  name: string;
  key: string;
  hosts: string[];
  createdById: number | undefined;
  createdBy: string | undefined;
  restrictedUserId: number | undefined;
  restrictedUsername: string | undefined;
  jwtIssued: boolean;
  jwtUserId: number | undefined;
}

/** The create response: the only document that ever carries the secret and the JWT (SPEC 4.1). */
export interface CreatedToken {
  id: number;
  type: TokenType;
  name: string;
  key: string;
  secret: string | undefined;
  jwt: string | undefined;
}

export interface NewToken {
  type: TokenType;
  name: string;
  host?: string;
  restrictedUserId?: number;
  generateJwt?: boolean;
}

function text(doc: Json, name: string): string | undefined {
  const value = doc[name];
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Json)['#text'] === 'string') return (value as Json)['#text'] as string;
  return undefined;
}

function many(value: unknown): Json[] {
  if (Array.isArray(value)) return value as Json[];
  return value && typeof value === 'object' ? [value as Json] : [];
}

function optionalInt(value: string | undefined): number | undefined {
  return value === undefined || value === '' ? undefined : Number(value);
}

function toUser(doc: Json): User {
  const permissions = (doc['permissions.user'] ?? {}) as Json;
  return {
    id: Number(text(doc, '@id')),
    username: text(doc, 'username') ?? '',
    fullname: text(doc, 'fullname') ?? '',
    role: text(permissions, 'role') ?? 'None',
    active: text(doc, 'status') === 'active',
    seated: text(doc, 'license.seat') === 'true',
    anonymous: text(doc, '@anonymous') === 'true',
  };
}

function toToken(doc: Json): Token {
  const jwt = (doc.jwt ?? {}) as Json;
  return {
    id: Number(text(doc, '@id')),
    type: text(doc, '@type') as TokenType,
    created: Date.parse(text(doc, '@date') ?? ''),
    name: text(doc, 'name') ?? '',
    key: text(doc, 'key') ?? '',
    hosts: (text(doc, 'host') ?? '').split(',').filter(Boolean),
    createdById: optionalInt(text(doc, 'created-by-user-id')),
    createdBy: text(doc, 'created-by-username'),
    restrictedUserId: optionalInt(text(doc, 'restricted-by-user-id')),
    restrictedUsername: text(doc, 'restricted-by-username'),
    jwtIssued: text(jwt, '@issued') === 'true',
    jwtUserId: optionalInt(text(jwt, '@user-id')),
  };
}

async function request(method: string, path: string, init: { body?: Json; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
  const url = `${API}/${path}${path.includes('?') ? '&' : '?'}dream.out.format=json`;
  const headers: Record<string, string> = {
    Accept: 'application/json',
    // The CSRF rule (SPEC 2): a cookie-authenticated unsafe request must show it is not a form post.
    'X-Deki-Requested-With': 'XMLHttpRequest',
    ...init.headers,
  };
  if (init.body) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: init.body ? JSON.stringify(init.body) : null,
      credentials: 'same-origin',
      cache: 'no-store',
      signal: init.signal ?? null,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw ApiError.network();
  }
  if (!res.ok) throw await ApiError.fromResponse(res);
  return res;
}

async function json(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

/** The signed-in user, or Anonymous when there is no session. */
export async function getCurrentUser(): Promise<User> {
  return toUser(await json(await request('GET', 'users/current')));
}

/** `users/authenticate` with HTTP Basic: the server sets the `authtoken` cookie. */
export async function signIn(username: string, password: string): Promise<void> {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  const basic = btoa(String.fromCharCode(...bytes));
  await request('POST', 'users/authenticate', { headers: { Authorization: `Basic ${basic}` } });
}

export async function signOut(): Promise<void> {
  await request('POST', 'users/logout');
}

/** Users whose username or full name contains `filter`, for the "Restricted to user" picker. */
export async function findUsers(filter: string, signal: AbortSignal): Promise<User[]> {
  const res = await request('GET', `users?usernamefilter=${encodeURIComponent(filter)}&limit=8`, { signal });
  return many((await json(res)).user).map(toUser);
}

export async function listTokens(): Promise<Token[]> {
  return many((await json(await request('GET', 'site/developer-tokens')))['developer-token']).map(toToken);
}

export async function createToken(input: NewToken): Promise<CreatedToken> {
  const body: Json = { '@type': input.type, name: input.name };
  if (input.host !== undefined) body.host = input.host;
  if (input.restrictedUserId !== undefined) body['restricted-by-user-id'] = String(input.restrictedUserId);
  if (input.type === 'server') body['generate-jwt'] = String(Boolean(input.generateJwt));
  const doc = await json(await request('POST', 'site/developer-tokens', { body }));
  const authorization = text(doc, 'authorization');
  return {
    id: Number(text(doc, '@id')),
    type: text(doc, '@type') as TokenType,
    name: text(doc, 'name') ?? '',
    key: text(doc, 'key') ?? '',
    secret: text(doc, 'secret'),
    jwt: authorization?.replace(/^Bearer /, ''),
  };
}

export async function deleteToken(id: number): Promise<void> {
  await request('DELETE', `site/developer-tokens/${id}`);
}
