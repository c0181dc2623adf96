/**
 * The few Gatehouse API calls the benchmark needs to set itself up: sign in, create tokens, delete
 * one. Only the public API is used, so the credentials are exactly what an integration would hold.
 */
import { inBatches } from '../../scripts/lib/system.js';
import { ADMIN_PASSWORD, type Proc } from './processes.js';

export { inBatches };

export const CURRENT_USER = '/@api/deki/users/current?dream.out.format=json';
export const TOKENS = '/@api/deki/site/developer-tokens';

export interface ServerToken {
  id: number;
  key: string;
  secret: string;
  /** The long-term JWT, without `Bearer `. */
  jwt: string;
}

/** `GET users/authenticate` with Basic: returns a new authtoken (a session). */
export async function signIn(target: Proc, username = 'admin', password = ADMIN_PASSWORD): Promise<string> {
  const res = await fetch(`${target.url}/@api/deki/users/authenticate`, {
    headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${target.label}: sign-in answered ${res.status}: ${body.slice(0, 200)}`);
  return body.trim();
}

/** Creates a server token with a JWT as the admin; the JWT acts as the admin. */
export async function createServerToken(target: Proc, authtoken: string, name: string): Promise<ServerToken> {
  const res = await fetch(`${target.url}${TOKENS}?dream.out.format=json`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${authtoken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ '@type': 'server', name, 'generate-jwt': 'true' }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${target.label}: token create answered ${res.status}: ${text.slice(0, 200)}`);
  const doc = JSON.parse(text) as Record<string, string>;
  const jwt = doc.authorization?.replace(/^Bearer /, '');
  if (!doc['@id'] || !doc.key || !doc.secret || !jwt) throw new Error(`${target.label}: token create response lacks id, key, secret or JWT`);
  return { id: Number(doc['@id']), key: doc.key, secret: doc.secret, jwt };
}

export async function createServerTokens(target: Proc, authtoken: string, count: number, prefix: string): Promise<ServerToken[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
  return inBatches(names, 8, (name) => createServerToken(target, authtoken, name));
}

/** `GET path` (users/current unless told) with the given headers; returns the status. */
export async function requestStatus(target: Proc, path: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(target.url + path, { headers });
  await res.arrayBuffer();
  return res.status;
}

/** `GET users/current` with the given headers; returns the status. */
export function currentUserStatus(target: Proc, headers: Record<string, string>): Promise<number> {
  return requestStatus(target, CURRENT_USER, headers);
}
