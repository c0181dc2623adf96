/** Table types for Kysely. Times are milliseconds since the epoch; booleans are 0/1 for portability. */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface UsersTable {
  id: Generated<number>;
  username: string;
  /** Lower-cased username, unique: usernames are case-insensitive (SPEC 2). */
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
  /** The user the long-term JWT acts as, fixed when it was issued (SPEC 4.2); null when none was issued. */
  jwt_user_id: number | null;
  /** The master key the JWT signing key was derived from. */
  jwt_key_id: string | null;
  jwt_issued_at: number | null;
  created_at: number;
  created_by: number;
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

export interface Database {
  settings: SettingsTable;
  users: UsersTable;
  sessions: SessionsTable;
  developer_tokens: DeveloperTokensTable;
  pages: PagesTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type TokenRow = Selectable<DeveloperTokensTable>;
export type NewToken = Insertable<DeveloperTokensTable>;
export type PageRow = Selectable<PagesTable>;
export type SessionRow = Selectable<SessionsTable>;
