/**
 * Every call the dashboard makes, in one file. Only the public API, in its JSON form
 * (`dream.out.format=json`), so anything the page does can be done with curl too.
 *
 * Expert's JSON is derived from XML: every scalar is a string, attributes are `@name`, and
 * a single child is an object where several would be an array. `many()` and `text()` absorb that.
 */
import type { TokenType } from '../src/tokens/token-type.js';
import { ApiError } from './messages.js';

export type { TokenType };

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
  /** Admins only see these (users.ts extras): open sessions, and the tokens that act as the user. */
  email?: string | undefined;
  created?: number | undefined;
  sessions?: number | undefined;
  tokens?: DependentToken[] | undefined;
}

/** A token restricted to a user, or whose JWT acts as them: the server's own shape. */
export type { DependentToken } from '../src/users/extras.js';
import type { DependentToken } from '../src/users/extras.js';

export interface Token {
  id: number;
  type: TokenType;
  /** Creation time, ms since the epoch. */
  created: number;
  name: string;
  key: string;
  hosts: string[];
  /** OAuth apps: the registered redirect URIs, the only ones accepted when there are any. */
  redirectUris: string[];
  createdById: number | undefined;
  createdBy: string | undefined;
  restrictedUserId: number | undefined;
  restrictedUsername: string | undefined;
  /** The restricted user's and the JWT's user's state: whether their credentials are refused. */
  restrictedUser: UserState | undefined;
  jwtIssued: boolean;
  jwtUserId: number | undefined;
  jwtUser: UserState | undefined;
  /** When the token stops working, ms since the epoch; undefined when it never expires. */
  expires: number | undefined;
  /** The token this one replaced in a roll. */
  rolledFrom: number | undefined;
  /** The token a roll made from this one. */
  replacedBy: number | undefined;
  /** Undefined when the server sent no usage figures. */
  usage: Usage | undefined;
}

/** How a token is used: the `usage` element and `date.lastused` of a token document. */
export interface Usage {
  lastUsed: number | undefined;
  lastIp: string | undefined;
  lastUserAgent: string | undefined;
  lastUserId: number | undefined;
  requests24h: number;
  requests30d: number;
  failures30d: number;
  /** Distinct client IPs in 30 days: more than one hints that several integrations share the token. */
  clients30d: number;
  /** Not used for the site's "unused" period (90 days by default), counted from creation when never used. */
  unused: boolean;
  /** Refusals in the last 24 h by reason (`origin-refused`, …), only those that happened. */
  refusals24h: Record<string, number>;
}

export interface UserState {
  active: boolean;
  seated: boolean;
}

/** The create response: the only document that ever carries the secret and the JWT. */
export interface CreatedToken {
  id: number;
  type: TokenType;
  name: string;
  key: string;
  secret: string | undefined;
  jwt: string | undefined;
  expires: number | undefined;
}

export interface NewToken {
  type: TokenType;
  name: string;
  host?: string;
  /** OAuth apps: redirect URIs separated by white space (one a line in the form). */
  redirectUris?: string;
  restrictedUserId?: number;
  generateJwt?: boolean;
  /** When the token stops working, ms since the epoch. */
  expires?: number;
}

/** One entry of the audit log (`GET site/audit`). Details are the server's own words, as strings. */
export interface AuditEntry {
  id: number;
  action: string;
  /** ms since the epoch. */
  at: number;
  actorId: number | undefined;
  actorName: string | undefined;
  credential: string;
  ip: string | undefined;
  targetType: string | undefined;
  targetId: string | undefined;
  details: Record<string, string>;
}

export interface AuditQuery {
  limit: number;
  offset: number;
  /** An action, or a family ending in a dot (`token.`). */
  action?: string;
  /** A username, or a user id. */
  actor?: string;
  targetType?: string;
  targetId?: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** How many entries match the filters, over all pages. */
  total: number;
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
    email: text(doc, 'email'),
    created: optionalDate(text(doc, 'date.created')),
    sessions: optionalInt(text(doc, 'sessions.active')),
    tokens: doc['developer-tokens'] ? many((doc['developer-tokens'] as Json)['developer-token']).map(toDependent) : undefined,
  };
}

function toDependent(doc: Json): DependentToken {
  return {
    id: Number(text(doc, '@id')),
    type: text(doc, '@type') as TokenType,
    name: text(doc, 'name') ?? '',
    restricted: text(doc, '@restricted') === 'true',
    jwt: text(doc, '@jwt') === 'true',
  };
}

function userState(status: string | undefined, seat: string | undefined): UserState | undefined {
  return status === undefined ? undefined : { active: status === 'active', seated: seat === 'true' };
}

function optionalDate(value: string | undefined): number | undefined {
  const at = value === undefined ? NaN : Date.parse(value);
  return Number.isFinite(at) ? at : undefined;
}

function toUsage(doc: Json): Usage | undefined {
  const usage = doc.usage;
  if (!usage || typeof usage !== 'object') return undefined;
  const u = usage as Json;
  const count = (name: string) => Number(text(u, name) ?? 0) || 0;
  return {
    lastUsed: optionalDate(text(doc, 'date.lastused')),
    lastIp: text(u, 'last.ip'),
    lastUserAgent: text(u, 'last.user-agent'),
    lastUserId: optionalInt(text(u, 'last.user-id')),
    requests24h: count('requests.24h'),
    requests30d: count('requests.30d'),
    failures30d: count('failures.30d'),
    clients30d: count('clients.30d'),
    unused: text(u, '@unused') === 'true',
    refusals24h: Object.fromEntries(Object.entries((u['refusals.24h'] ?? {}) as Json).map(([k, v]) => [k.slice(1), Number(v)])),
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
    redirectUris: (text(doc, 'redirect-uris') ?? '').split(' ').filter(Boolean),
    createdById: optionalInt(text(doc, 'created-by-user-id')),
    createdBy: text(doc, 'created-by-username'),
    restrictedUserId: optionalInt(text(doc, 'restricted-by-user-id')),
    restrictedUsername: text(doc, 'restricted-by-username'),
    restrictedUser: userState(text(doc, 'restricted-by-user-status'), text(doc, 'restricted-by-user-seat')),
    jwtIssued: text(jwt, '@issued') === 'true',
    jwtUserId: optionalInt(text(jwt, '@user-id')),
    jwtUser: userState(text(jwt, '@user-status'), text(jwt, '@user-seat')),
    expires: optionalDate(text(doc, 'date.expires')),
    rolledFrom: optionalInt(text(doc, 'rolled-from')),
    replacedBy: optionalInt(text(doc, 'replaced-by')),
    usage: toUsage(doc),
  };
}

function toCreated(doc: Json): CreatedToken {
  const authorization = text(doc, 'authorization');
  return {
    id: Number(text(doc, '@id')),
    type: text(doc, '@type') as TokenType,
    name: text(doc, 'name') ?? '',
    key: text(doc, 'key') ?? '',
    secret: text(doc, 'secret'),
    jwt: authorization?.replace(/^Bearer /, ''),
    expires: optionalDate(text(doc, 'date.expires')),
  };
}

function toAuditEntry(doc: Json): AuditEntry {
  const actor = (doc.actor ?? {}) as Json;
  const target = (doc.target ?? {}) as Json;
  // An entry without details has an empty `details` element: a string in the JSON form, not an object.
  const raw = doc.details && typeof doc.details === 'object' ? (doc.details as Json) : {};
  const details: Record<string, string> = {};
  for (const name of Object.keys(raw)) details[name] = text(raw, name) ?? '';
  return {
    id: Number(text(doc, '@id')),
    action: text(doc, '@action') ?? '',
    at: Date.parse(text(doc, '@date') ?? ''),
    actorId: optionalInt(text(actor, '@id')),
    actorName: text(actor, 'name'),
    credential: text(actor, '@credential') ?? '',
    ip: text(actor, '@ip'),
    targetType: text(target, '@type'),
    targetId: text(target, '@id'),
    details,
  };
}

async function request(method: string, path: string, init: { body?: Json; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
  const url = `${API}/${path}${path.includes('?') ? '&' : '?'}dream.out.format=json`;
  const headers: Record<string, string> = {
    Accept: 'application/json',
    // The CSRF rule: a cookie-authenticated unsafe request must show it is not a form post.
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

/** What the token list asks the server for: one page, in an order, narrowed by text and state. */
export interface TokenPageQuery {
  limit: number;
  offset: number;
  /** `name`, `created`, `lastused` or `type`; `-` before it for descending. */
  sortby: string;
  /** Matched by the server against name, hosts, key prefix, restricted user and creator. */
  filter?: string;
  /** `unused`, `expired`, `expiring` or `rolled`. */
  state?: string;
}

export interface TokenPage {
  tokens: Token[];
  /** How many tokens match, over all pages. */
  total: number;
}

/** One page of tokens, sorted and filtered by the server: the list never holds more than a page. */
export async function listTokenPage(query: TokenPageQuery, signal: AbortSignal): Promise<TokenPage> {
  const params = new URLSearchParams({ limit: String(query.limit), offset: String(query.offset), sortby: query.sortby });
  if (query.filter) params.set('filter', query.filter);
  if (query.state) params.set('state', query.state);
  const doc = await json(await request('GET', `site/developer-tokens?${params}`, { signal }));
  return { tokens: many(doc['developer-token']).map(toToken), total: Number(text(doc, '@querycount') ?? 0) };
}

export async function createToken(input: NewToken): Promise<CreatedToken> {
  const body: Json = { '@type': input.type, name: input.name };
  if (input.host !== undefined) body.host = input.host;
  if (input.redirectUris !== undefined && input.redirectUris.trim() !== '') body['redirect-uris'] = input.redirectUris;
  if (input.restrictedUserId !== undefined) body['restricted-by-user-id'] = String(input.restrictedUserId);
  if (input.type === 'server') body['generate-jwt'] = String(Boolean(input.generateJwt));
  if (input.expires !== undefined) body.expires = new Date(input.expires).toISOString();
  return toCreated(await json(await request('POST', 'site/developer-tokens', { body })));
}

/**
 * A roll: a new key, secret and (when the old token had one) JWT, answered like a create.
 * The old token keeps working for `overlapSeconds` (0 to 7 days), then stops.
 */
export async function rollToken(id: number, overlapSeconds: number): Promise<CreatedToken> {
  return toCreated(await json(await request('POST', `site/developer-tokens/${id}/roll?overlap=${overlapSeconds}`)));
}

export async function deleteToken(id: number): Promise<void> {
  await request('DELETE', `site/developer-tokens/${id}`);
}

/** A page of the audit log, newest first. */
export async function listAudit(query: AuditQuery, signal: AbortSignal): Promise<AuditPage> {
  const params = new URLSearchParams({ limit: String(query.limit), offset: String(query.offset) });
  if (query.action) params.set('action', query.action);
  if (query.actor) params.set('actor', query.actor);
  if (query.targetType) params.set('target.type', query.targetType);
  if (query.targetId) params.set('target.id', query.targetId);
  const doc = await json(await request('GET', `site/audit?${params}`, { signal }));
  return { entries: many(doc.entry).map(toAuditEntry), total: Number(text(doc, '@querycount') ?? 0) };
}

export interface UserPage {
  users: User[];
  /** Users matching the search, over all pages. */
  total: number;
  /** Active seated admins on the site: the last one cannot be demoted. */
  admins: number;
}

/** A page of users whose username or full name contains `search`, by username. */
export async function listUsers(search: string, offset: number, limit: number, signal?: AbortSignal): Promise<UserPage> {
  const params = new URLSearchParams({ usernamefilter: search, limit: String(limit), offset: String(offset) });
  const doc = await json(await request('GET', `users?${params}`, { signal }));
  return { users: many(doc.user).map(toUser), total: Number(text(doc, '@querycount') ?? 0), admins: Number(text(doc, '@admins') ?? 0) };
}

export async function getUser(id: number, signal?: AbortSignal): Promise<User> {
  return toUser(await json(await request('GET', `users/${id}`, { signal })));
}

export interface UserChange {
  active?: boolean;
  seated?: boolean;
  role?: string;
}

/** `PUT users/{id}` with only the changed fields. */
export async function changeUser(id: number, change: UserChange): Promise<User> {
  const body: Json = {};
  if (change.active !== undefined) body.status = change.active ? 'active' : 'inactive';
  if (change.seated !== undefined) body['license.seat'] = String(change.seated);
  if (change.role !== undefined) body['permissions.user'] = { role: change.role };
  return toUser(await json(await request('PUT', `users/${id}`, { body })));
}

export async function getToken(id: number, signal?: AbortSignal): Promise<Token> {
  return toToken(await json(await request('GET', `site/developer-tokens/${id}`, { signal })));
}

/** `PUT site/developer-tokens/{id}` with new hosts (browser and OAuth tokens). */
export async function changeHosts(id: number, host: string): Promise<Token> {
  return toToken(await json(await request('PUT', `site/developer-tokens/${id}`, { body: { host } })));
}

export interface UsageBucket {
  /** Start of the hour or UTC day, ms since the epoch. */
  start: number;
  requests: number;
  failures: number;
  /** Failures by reason, only those that happened. */
  reasons: Record<string, number>;
}

export interface UsageSeries {
  hours: UsageBucket[];
  days: UsageBucket[];
  /** Every reason, in the API's order, with its failures in 24 h and 30 days. */
  reasons: { name: string; day: number; month: number }[];
}

function toBucket(doc: Json): UsageBucket {
  const reasons: Record<string, number> = {};
  for (const [k, v] of Object.entries(doc)) if (!['@start', '@requests', '@failures'].includes(k)) reasons[k.slice(1)] = Number(v);
  return { start: Date.parse(text(doc, '@start') ?? ''), requests: Number(text(doc, '@requests')), failures: Number(text(doc, '@failures')), reasons };
}

/** A token's usage over time: per hour over 24 h, per UTC day over 30 days. */
export async function getTokenUsage(id: number, signal?: AbortSignal): Promise<UsageSeries> {
  const doc = await json(await request('GET', `site/developer-tokens/${id}/usage`, { signal }));
  return {
    hours: many((doc.hours as Json).hour).map(toBucket),
    days: many((doc.days as Json).day).map(toBucket),
    reasons: many((doc.reasons as Json).reason).map((r) => ({
      name: text(r, '@name') ?? '',
      day: Number(text(r, '@failures.24h')),
      month: Number(text(r, '@failures.30d')),
    })),
  };
}
