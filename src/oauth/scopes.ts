/**
 * OAuth scopes: `profile` acts as the user with a community member's powers;
 * `seated` adds the user's licence seat (and so, for an admin, admin powers). Powers that reach
 * further live shorter, as in Expert: the TTLs below are the only place they are set.
 */
import { DekiError } from '../errors.js';
import type { UserRow } from '../store/schema.js';
import { ANONYMOUS_ID } from '../users/store.js';

export const SCOPES = ['profile', 'seated'] as const;
export type Scope = (typeof SCOPES)[number];

interface ScopeTtl {
  readonly accessSeconds: number;
  readonly refreshSeconds: number;
}

/** `profile`: 24 h and 6.5 days, as Expert documents. `seated`: 1 h and 24 h (Expert's are unpublished). */
const TTL: Record<Scope, ScopeTtl> = {
  profile: { accessSeconds: 24 * 3600, refreshSeconds: 6.5 * 24 * 3600 },
  seated: { accessSeconds: 3600, refreshSeconds: 24 * 3600 },
};

/**
 * Parses a space-separated `scope`. Absent or empty means `profile`; `seated` always brings
 * `profile` with it (a seat is worth nothing without the user). Unknown scopes are refused.
 */
export function parseScope(raw: string | undefined): Scope[] {
  const words = (raw ?? '').split(' ').filter((w) => w !== '');
  if (words.some((w) => !(SCOPES as readonly string[]).includes(w))) throw new DekiError('OAUTH_SCOPE_INVALID');
  const set = new Set<Scope>(['profile', ...(words as Scope[])]);
  return SCOPES.filter((s) => set.has(s));
}

/** The canonical `scope` string: known scopes in a fixed order. */
export function formatScope(scopes: readonly Scope[]): string {
  return SCOPES.filter((s) => scopes.includes(s)).join(' ');
}

/** Stored scope strings read so far: canonical, so there are at most as many as sets of scopes. */
const readScopes = new Map<string, readonly Scope[]>();

/** Reads a stored scope string (always canonical); read once per string, as every API request with an access token reads one. */
export function storedScope(scope: string): readonly Scope[] {
  let scopes = readScopes.get(scope);
  if (scopes === undefined) {
    const stored = scope.split(' ');
    scopes = Object.freeze(SCOPES.filter((s) => stored.includes(s)));
    // Only canonical strings are kept, which bounds the map whatever is passed in.
    if (formatScope(scopes) === scope) readScopes.set(scope, scopes);
  }
  return scopes;
}

export function includesAll(granted: readonly Scope[], wanted: readonly Scope[]): boolean {
  return wanted.every((s) => granted.includes(s));
}

/** The shortest lifetimes among the scopes: a token lives as long as its most powerful scope allows. */
export function scopeTtl(scopes: readonly Scope[]): ScopeTtl {
  const ttls = scopes.map((s) => TTL[s]);
  return {
    accessSeconds: Math.min(...ttls.map((t) => t.accessSeconds)),
    refreshSeconds: Math.min(...ttls.map((t) => t.refreshSeconds)),
  };
}

/** What each scope lets an app do, in words for the consent page. */
export const SCOPE_WORDS: Record<Scope, string> = {
  profile: 'Act as you: read your account details and what you can read as a community member.',
  seated: 'Use your licence seat: everything your role allows you to do on this site, including private pages and any admin powers you have.',
};

/**
 * Whether tokens with these scopes may act as this user now: active and not Anonymous, and seated
 * when `seated` is among them. Checked at every issue and on every request.
 */
export function userMayHold(user: UserRow | undefined, scopes: readonly Scope[]): user is UserRow {
  return user !== undefined && user.status === 'active' && user.id !== ANONYMOUS_ID && (!scopes.includes('seated') || user.seat === 1);
}

/** What the app can do as this user: with `seated`, the user; without it, the user as if unseated. */
export function actingUser(user: UserRow, scopes: readonly Scope[]): UserRow {
  if (scopes.includes('seated')) return user;
  // One unseated copy per user row: a changed user is a new row (the cache drops the old one), so the copy follows it.
  let unseated = unseatedCopies.get(user);
  if (!unseated) unseatedCopies.set(user, (unseated = { ...user, seat: 0 }));
  return unseated;
}

const unseatedCopies = new WeakMap<UserRow, UserRow>();
