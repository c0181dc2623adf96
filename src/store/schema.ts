/** Table types for Kysely. Times are milliseconds since the epoch; booleans are 0/1 for portability. */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface UsersTable {
  id: Generated<number>;
  username: string;
  /** Lower-cased username, unique: usernames are case-insensitive. */
  username_key: string;
  email: string;
  fullname: string;
  status: 'active' | 'inactive';
  seat: number;
  role: Role;
  password_hash: string | null;
  created_at: number;
}

export const ROLES = ['None', 'Viewer', 'Author', 'Editor', 'Admin'] as const;
export type Role = (typeof ROLES)[number];

export interface SessionsTable {
  /** SHA-256 of the authtoken: the authtoken itself is never stored. */
  token_hash: string;
  user_id: number;
  created_at: number;
  expires_at: number;
}

export type TokenType = 'server' | 'browser' | 'oauth';

export interface DeveloperTokensTable {
  id: Generated<number>;
  type: TokenType;
  name: string;
  key: string;
  /** AES-256-GCM ciphertext of the secret (crypto/envelope.ts); null for browser tokens. */
  secret_enc: string | null;
  host: string | null;
  restricted_user_id: number | null;
  /** The user the long-term JWT acts as, fixed when it was issued; null when none was issued. */
  jwt_user_id: number | null;
  /** The master key the JWT signing key was derived from. */
  jwt_key_id: string | null;
  jwt_issued_at: number | null;
  created_at: number;
  created_by: number;
  /** After this the token is refused (optional expiry, and the end of a roll's overlap). */
  expires_at: number | null;
  /** The token this one replaced by a roll. */
  rolled_from: number | null;
  /** Last successful use, as the usage recorder last wrote it (for sorting and filtering lists). */
  last_used_at: number | null;
  /** OAuth apps: registered redirect URIs, separated by single spaces; when set, the only ones accepted. */
  redirect_uris: string | null;
}

/** One entry per security-relevant change, written in the change's transaction; never a secret. */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  action: string;
  actor_id: number | null;
  actor_name: string | null;
  /** How the actor authenticated: `session`, `jwt:<token id>`, `server-signature:<token id>`, `cli`, … */
  credential: string;
  ip: string | null;
  target_type: string | null;
  target_id: string | null;
  /** JSON: what changed. */
  details: string;
}

/** Token usage, flushed in batches from each node's memory. */
export interface TokenUsageTable {
  token_id: number;
  last_used_at: number;
  last_ip: string | null;
  last_user_agent: string | null;
  last_user_id: number | null;
}

export interface TokenUsageHourlyTable {
  token_id: number;
  /** Hours since the epoch. */
  hour: number;
  requests: number;
  failures: number;
  /** Failures by reason (`src/usage/failure-reason.ts`); they add up to `failures`. */
  f_bad_signature: ColumnType<number, number | undefined>;
  f_expired_signature: ColumnType<number, number | undefined>;
  f_wrong_user: ColumnType<number, number | undefined>;
  f_origin_refused: ColumnType<number, number | undefined>;
  f_expired_token: ColumnType<number, number | undefined>;
  f_inactive_user: ColumnType<number, number | undefined>;
  f_rate_limited: ColumnType<number, number | undefined>;
}

export interface TokenUsageIpsTable {
  token_id: number;
  ip: string;
  last_seen: number;
}

export interface PagesTable {
  id: Generated<number>;
  /** '' is the home page. */
  path: string;
  title: string;
  body: string;
  restriction: 'public' | 'private';
  created_at: number;
  created_by: number;
  modified_at: number;
  modified_by: number;
}

/** Site-wide values the server records for its other tools (the CLI): `site_url`. */
export interface SettingsTable {
  name: string;
  value: string;
}

/**
 * The change feed: one row per revocation, user change or ended session, written in the
 * same transaction as the change. `seq` only grows, and rows become visible in `seq` order.
 */
export interface ChangesTable {
  seq: Generated<number>;
  kind: ChangeKind;
  /** The token id, user id, or session hash the change is about. */
  ref: string;
  at: number;
}

/**
 * One row per serving process (store/feed-peers.ts): how far it has applied the change feed, and
 * when it last said so, on the heartbeat clock (the database's on PostgreSQL, the machine's
 * monotonic clock on SQLite), in milliseconds.
 */
export interface FeedNodesTable {
  node_id: string;
  /** Host and pid, for operators. */
  label: string;
  applied_seq: number;
  seen_at: number;
}

/** Failed-credential and sign-in counters (store/attempt-counters.ts), shared by every node. */
export interface AttemptCountersTable {
  key: string;
  window_start: number;
  count: number;
}

/**
 * `token`: updated or deleted (an OAuth app's too); `user`: updated; `session`: ended;
 * `user-sessions`: all of a user's ended; `oauth-token`: an access or refresh token revoked (ref:
 * its hash); `oauth-family`: every token of a family revoked; `oauth-grant`: a grant and everything
 * issued under it deleted.
 */
export type ChangeKind = 'token' | 'user' | 'session' | 'user-sessions' | 'oauth-token' | 'oauth-family' | 'oauth-grant';

/** OAuth: one row per user and app, what the user consented to ("authorized apps"). */
export interface OAuthGrantsTable {
  id: Generated<number>;
  /** The `type="oauth"` developer token: the app. */
  token_id: number;
  user_id: number;
  /** Space-separated scopes the user consented to. */
  scope: string;
  created_at: number;
  last_issued_at: number;
}

/** Authorization codes: one use, short-lived. Only the SHA-256 of the code is stored. */
export interface OAuthCodesTable {
  code_hash: string;
  grant_id: number;
  token_id: number;
  redirect_uri: string;
  scope: string;
  /** PKCE S256 challenge, or null when the client sent none. */
  code_challenge: string | null;
  /** The token family the code was exchanged for, so a replayed code can revoke it. */
  family_id: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Access and refresh tokens. Only SHA-256 is stored; a family is one chain of rotations. */
export interface OAuthTokensTable {
  token_hash: string;
  kind: 'access' | 'refresh';
  family_id: string;
  grant_id: number;
  token_id: number;
  scope: string;
  created_at: number;
  expires_at: number;
  /** Refresh tokens: when it was rotated. Presented again after that, the family is revoked. */
  used_at: number | null;
}

/** Device authorization requests (RFC 8628). */
export interface OAuthDeviceCodesTable {
  device_code_hash: string;
  user_code_hash: string;
  token_id: number;
  /** Requested scopes; on approval, the scopes granted. */
  scope: string;
  status: 'pending' | 'approved' | 'denied' | 'used';
  grant_id: number | null;
  family_id: string | null;
  interval_s: number;
  last_polled_at: number | null;
  created_at: number;
  expires_at: number;
}

export interface Database {
  audit_log: AuditLogTable;
  token_usage: TokenUsageTable;
  token_usage_hourly: TokenUsageHourlyTable;
  token_usage_ips: TokenUsageIpsTable;
  changes: ChangesTable;
  feed_nodes: FeedNodesTable;
  attempt_counters: AttemptCountersTable;
  settings: SettingsTable;
  users: UsersTable;
  sessions: SessionsTable;
  developer_tokens: DeveloperTokensTable;
  pages: PagesTable;
  oauth_grants: OAuthGrantsTable;
  oauth_codes: OAuthCodesTable;
  oauth_tokens: OAuthTokensTable;
  oauth_device_codes: OAuthDeviceCodesTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewAuditRow = Insertable<AuditLogTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type TokenRow = Selectable<DeveloperTokensTable>;
export type NewToken = Insertable<DeveloperTokensTable>;
export type PageRow = Selectable<PagesTable>;
export type SessionRow = Selectable<SessionsTable>;
export type OAuthGrantRow = Selectable<OAuthGrantsTable>;
export type OAuthCodeRow = Selectable<OAuthCodesTable>;
export type OAuthTokenRow = Selectable<OAuthTokensTable>;
export type OAuthDeviceCodeRow = Selectable<OAuthDeviceCodesTable>;
