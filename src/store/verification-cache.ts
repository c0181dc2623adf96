/**
 * What credential checks read, kept in memory per node: tokens by key and by id with
 * what is derived from them (the decrypted secret, the JWT key), users, and sessions. Warm, an
 * authenticated request does no database I/O.
 *
 * Correctness rests on the change feed: every change that could revoke something invalidates its
 * entries, and when the feed cannot confirm it is current (`isFresh()` false) nothing cached is
 * used. Misses are not cached (new tokens, users and sessions need no feed row to be seen), and a
 * read that raced a change is used once but not kept. Each map is bounded; the oldest entry goes.
 */
import type { Kysely } from 'kysely';
import type { ChangeFeed } from './change-feed.js';
import type { ChangesTable, Database, OAuthTokenRow, SessionRow, TokenRow, UserRow } from './schema.js';

/** What an OAuth access-token check needs of its row: the token, its grant's user, its app's key. */
export type CachedOAuthToken = OAuthTokenRow & { user_id: number; client_id: string };

/**
 * What a verified JWT is looked up by: its last 32 characters, which are signature bytes (an HS512
 * signature is 86), unique in practice. A lookup then hashes 32 characters instead of the whole
 * token (~400, new with every request); the hit is compared whole, so a collision is only a miss.
 */
function jwtKey(jwt: string): string {
  return jwt.slice(-32);
}

export class VerificationCache {
  private readonly tokensByKey = new Map<string, TokenRow>();
  private readonly tokensById = new Map<number, TokenRow>();
  private readonly derivedByToken = new Map<number, Map<string, unknown>>();
  private readonly usersById = new Map<number, UserRow>();
  private readonly userIdsByName = new Map<string, number>();
  private readonly sessions = new Map<string, SessionRow>();
  /** OAuth access tokens by SHA-256 of the value. */
  private readonly oauthTokens = new Map<string, CachedOAuthToken>();
  /** JWT strings verified on this node (by `jwtKey`), each with the token row it was checked against and its time window. */
  private readonly jwtProofs = new Map<string, { jwt: string; token: TokenRow; nbf: number; exp: number }>();
  /** Digests of credential strings seen lately (authtokens, OAuth tokens): a repeat request skips hashing. */
  private readonly digests = new Map<string, string>();
  /** Server signature strings verified on this node, oldest first; each holds the token row it was checked against. */
  private readonly signatureProofs = new Map<string, { token: TokenRow; parts: unknown; until: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    /** Without a feed (the CLI), nothing is cached. */
    private readonly feed: ChangeFeed | undefined,
    private readonly maxEntries: number,
    /** Told of every lookup, for the hit and miss counts. */
    private readonly onLookup: (kind: 'tokens' | 'users' | 'sessions' | 'jwts' | 'oauth', hit: boolean) => void = () => undefined,
  ) {}

  private trusted(): boolean {
    return this.feed !== undefined && this.feed.isFresh();
  }

  /** Reads through the database; keeps the value only if no change was applied meanwhile. */
  private async load<T>(fetch: () => Promise<T | undefined>, keep: (value: T) => void): Promise<T | undefined> {
    const before = this.feed?.position();
    // A failed read propagates: a credential we cannot check is refused, never guessed (fail
    // closed), and dream/to-deki-error.ts says whether the store was unavailable (503).
    const value = await fetch();
    if (value !== undefined && this.trusted() && this.feed!.position() === before) keep(value);
    return value;
  }

  private bound<K, V>(map: Map<K, V>, onEvict?: (value: V) => void): void {
    while (map.size > this.maxEntries) {
      const [oldestKey, oldest] = map.entries().next().value as [K, V];
      map.delete(oldestKey);
      onEvict?.(oldest);
    }
  }

  private keepToken(token: TokenRow): void {
    this.tokensByKey.set(token.key, token);
    this.tokensById.set(token.id, token);
    this.bound(this.tokensByKey, (t) => this.forgetToken(t.id));
  }

  /**
   * The cached token, without waiting: a hit costs no promise and no turn of the event loop, and is
   * counted; undefined when it must be read (`tokenByKey` then counts the miss). The same for the
   * other `cached…` peeks below.
   */
  cachedTokenByKey(key: string): TokenRow | undefined {
    const hit = this.trusted() ? this.tokensByKey.get(key) : undefined;
    if (hit) this.onLookup('tokens', true);
    return hit;
  }

  async tokenByKey(key: string): Promise<TokenRow | undefined> {
    const hit = this.cachedTokenByKey(key);
    if (hit) return hit;
    this.onLookup('tokens', false);
    return this.load(
      () => this.db.selectFrom('developer_tokens').selectAll().where('key', '=', key).executeTakeFirst(),
      (t) => this.keepToken(t),
    );
  }

  cachedTokenById(id: number): TokenRow | undefined {
    const hit = this.trusted() ? this.tokensById.get(id) : undefined;
    if (hit) this.onLookup('tokens', true);
    return hit;
  }

  async tokenById(id: number): Promise<TokenRow | undefined> {
    const hit = this.cachedTokenById(id);
    if (hit) return hit;
    this.onLookup('tokens', false);
    return this.load(
      () => this.db.selectFrom('developer_tokens').selectAll().where('id', '=', id).executeTakeFirst(),
      (t) => this.keepToken(t),
    );
  }

  /** A value computed from a token (a decrypted secret, a signing key), kept as long as the token is. */
  derived<T>(token: TokenRow, name: string, compute: () => T): T {
    let slot = this.derivedByToken.get(token.id);
    if (slot?.has(name)) return slot.get(name) as T;
    const value = compute();
    if (this.trusted() && this.tokensById.get(token.id) === token) {
      if (!slot) this.derivedByToken.set(token.id, (slot = new Map()));
      slot.set(name, value);
    }
    return value;
  }

  /**
   * Remembers that `jwt` verified against `token` (signature and claims), so the same string need
   * not be verified again while the token is unchanged. Forgotten with the token on any change.
   */
  rememberJwt(jwt: string, token: TokenRow, window: { nbf: number; exp: number }): void {
    if (!this.trusted() || this.tokensById.get(token.id) !== token) return;
    this.jwtProofs.set(jwtKey(jwt), { jwt, token, nbf: window.nbf, exp: window.exp });
    this.bound(this.jwtProofs);
  }

  /** The token a JWT string was verified against, if that proof still stands. */
  recallJwt(jwt: string): { token: TokenRow; nbf: number; exp: number } | undefined {
    const proof = this.trusted() ? this.jwtProofs.get(jwtKey(jwt)) : undefined;
    // The whole string must match; and a changed or dropped token leaves a different row (or none) in tokensById.
    const hit = proof !== undefined && proof.jwt === jwt && this.tokensById.get(proof.token.id) === proof.token;
    this.onLookup('jwts', hit);
    return hit ? proof : undefined;
  }

  /**
   * `digest(value)`, remembered for the exact string: the SHA-256 a session or OAuth token is looked up
   * by is the same every time, so only a string's first request computes it. Proves nothing by itself.
   */
  digestOf(value: string, digest: (value: string) => string): string {
    let known = this.digests.get(value);
    if (known === undefined) {
      known = digest(value);
      this.digests.set(value, known);
      this.bound(this.digests);
    }
    return known;
  }

  /**
   * Remembers that the signature string `value` verified against `token` (its parts and HMAC), until
   * `until` (ms; when its epoch leaves the window). A client signs every request of one second alike,
   * so the HMAC need not be computed again for the same string. Proofs that are past it go first.
   */
  rememberSignature<P>(value: string, token: TokenRow, parts: P, until: number, now: number): void {
    if (!this.trusted() || this.tokensById.get(token.id) !== token) return;
    for (const [oldest, proof] of this.signatureProofs) {
      if (proof.until > now && this.signatureProofs.size < this.maxEntries) break;
      this.signatureProofs.delete(oldest);
    }
    this.signatureProofs.set(value, { token, parts, until });
  }

  /** The token and parts a signature string was verified against, if that token is unchanged since. */
  recallSignature<P>(value: string): { token: TokenRow; parts: P } | undefined {
    const proof = this.trusted() ? this.signatureProofs.get(value) : undefined;
    // A changed or dropped token leaves a different row (or none) in tokensById: the proof no longer stands.
    if (!proof || this.tokensById.get(proof.token.id) !== proof.token) return undefined;
    // A hit on the token cache, by the signature string; a miss goes on to tokenByKey, which counts itself.
    this.onLookup('tokens', true);
    return proof as { token: TokenRow; parts: P };
  }

  private keepUser(user: UserRow): void {
    this.usersById.set(user.id, user);
    this.userIdsByName.set(user.username_key, user.id);
    this.bound(this.usersById, (u) => this.userIdsByName.delete(u.username_key));
    this.bound(this.userIdsByName);
  }

  cachedUserById(id: number): UserRow | undefined {
    const hit = this.trusted() ? this.usersById.get(id) : undefined;
    if (hit) this.onLookup('users', true);
    return hit;
  }

  async userById(id: number): Promise<UserRow | undefined> {
    const hit = this.cachedUserById(id);
    if (hit) return hit;
    this.onLookup('users', false);
    return this.load(
      () => this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
      (u) => this.keepUser(u),
    );
  }

  /** By `username_key` (the name in lower case). */
  cachedUserByKey(key: string): UserRow | undefined {
    const id = this.trusted() ? this.userIdsByName.get(key) : undefined;
    const hit = id === undefined ? undefined : this.usersById.get(id);
    if (hit?.username_key !== key) return undefined;
    this.onLookup('users', true);
    return hit;
  }

  async userByName(name: string): Promise<UserRow | undefined> {
    const key = name.toLowerCase();
    const hit = this.cachedUserByKey(key);
    if (hit) return hit;
    this.onLookup('users', false);
    return this.load(
      () => this.db.selectFrom('users').selectAll().where('username_key', '=', key).executeTakeFirst(),
      (u) => this.keepUser(u),
    );
  }

  cachedSession(hash: string): SessionRow | undefined {
    const hit = this.trusted() ? this.sessions.get(hash) : undefined;
    if (hit) this.onLookup('sessions', true);
    return hit;
  }

  async session(hash: string): Promise<SessionRow | undefined> {
    const hit = this.cachedSession(hash);
    if (hit) return hit;
    this.onLookup('sessions', false);
    return this.load(
      () => this.db.selectFrom('sessions').selectAll().where('token_hash', '=', hash).executeTakeFirst(),
      (s) => {
        this.sessions.set(hash, s);
        this.bound(this.sessions);
      },
    );
  }

  /**
   * An OAuth access token by its hash, with its grant's user and its app (`fetch` joins them). Kept
   * until a feed row revokes it, its family, its grant or its app; its expiry and its user (read
   * through `userById`) are checked on every use by the caller.
   */
  cachedOAuthToken(hash: string): CachedOAuthToken | undefined {
    const hit = this.trusted() ? this.oauthTokens.get(hash) : undefined;
    if (hit) this.onLookup('oauth', true);
    return hit;
  }

  async oauthToken<T extends CachedOAuthToken>(hash: string, fetch: () => Promise<T | undefined>): Promise<T | undefined> {
    const hit = this.cachedOAuthToken(hash) as T | undefined;
    if (hit) return hit;
    this.onLookup('oauth', false);
    return this.load(fetch, (t) => {
      this.oauthTokens.set(hash, t);
      this.bound(this.oauthTokens);
    });
  }

  private forgetOAuth(matches: (t: CachedOAuthToken) => boolean): void {
    for (const [hash, t] of this.oauthTokens) if (matches(t)) this.oauthTokens.delete(hash);
  }

  private forgetToken(id: number): void {
    const token = this.tokensById.get(id);
    this.tokensById.delete(id);
    this.derivedByToken.delete(id);
    if (token) this.tokensByKey.delete(token.key);
    // An OAuth app is a developer token: its access tokens go with it.
    if (this.oauthTokens.size > 0) this.forgetOAuth((t) => t.token_id === id);
  }

  /** Invalidates what a feed row is about. */
  apply(change: Pick<ChangesTable, 'kind' | 'ref'>): void {
    const id = Number(change.ref);
    switch (change.kind) {
      case 'token':
        this.forgetToken(id);
        break;
      case 'user': {
        const user = this.usersById.get(id);
        this.usersById.delete(id);
        if (user) this.userIdsByName.delete(user.username_key);
        break;
      }
      case 'session':
        this.sessions.delete(change.ref);
        break;
      case 'user-sessions':
        for (const [hash, s] of this.sessions) if (s.user_id === id) this.sessions.delete(hash);
        break;
      case 'oauth-token':
        this.oauthTokens.delete(change.ref);
        break;
      case 'oauth-family':
        this.forgetOAuth((t) => t.family_id === change.ref);
        break;
      case 'oauth-grant':
        this.forgetOAuth((t) => t.grant_id === id);
        break;
    }
  }

  reset(): void {
    for (const map of [
      this.tokensByKey,
      this.tokensById,
      this.derivedByToken,
      this.usersById,
      this.userIdsByName,
      this.sessions,
      this.jwtProofs,
      this.signatureProofs,
      this.digests,
      this.oauthTokens,
    ])
      map.clear();
  }

  /** Entry counts, for metrics and the scaling docs. */
  sizes(): Record<string, number> {
    return {
      tokens: this.tokensById.size,
      users: this.usersById.size,
      sessions: this.sessions.size,
      jwts: this.jwtProofs.size,
      oauth: this.oauthTokens.size,
    };
  }
}
