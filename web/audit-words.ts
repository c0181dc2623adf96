/**
 * The audit log in words: action names, the credential an actor used, and each entry's
 * details, turned from the API's codes into what an admin reads. An action, credential or detail
 * the page has no words for is shown as the server wrote it, never hidden.
 */
import type { AuditEntry, TokenType } from './api';
import type { Directory } from './names';
import { duration, localDateTime } from './format';

export interface ActionChoice {
  value: string;
  label: string;
}

/** The action filter's choices, by family; a value ending in a dot is the whole family. */
export const ACTION_GROUPS: { label: string; choices: ActionChoice[] }[] = [
  {
    label: 'Tokens',
    choices: [
      { value: 'token.', label: 'Any token change' },
      { value: 'token.create', label: 'Token created' },
      { value: 'token.update', label: 'Token changed' },
      { value: 'token.roll', label: 'Token rotated' },
      { value: 'token.delete', label: 'Token deleted' },
    ],
  },
  {
    label: 'Users',
    choices: [
      { value: 'user.', label: 'Any user change' },
      { value: 'user.create', label: 'User created' },
      { value: 'user.update', label: 'User changed' },
      { value: 'user.deactivate', label: 'User deactivated' },
      { value: 'user.password', label: 'Password changed' },
    ],
  },
  {
    label: 'Sign-ins',
    choices: [
      { value: 'signin.', label: 'Any sign-in' },
      { value: 'signin.success', label: 'Signed in' },
      { value: 'signin.failure', label: 'Sign-in failed' },
    ],
  },
  { label: 'Keys', choices: [{ value: 'keys.rotate', label: 'Master key rotated' }] },
];

const ACTION_WORDS = new Map(ACTION_GROUPS.flatMap((g) => g.choices.filter((c) => !c.value.endsWith('.')).map((c) => [c.value, c.label] as const)));

export function actionWords(action: string): string {
  return ACTION_WORDS.get(action) ?? action;
}

export function actionChoiceLabel(value: string): string | undefined {
  for (const g of ACTION_GROUPS) for (const c of g.choices) if (c.value === value) return c.label;
  return undefined;
}

export function tokenWords(id: string | number, names: Directory, fallbackName?: string): string {
  const name = names.tokens.get(Number(id))?.name ?? fallbackName;
  return name ? `token “${name}” (#${id})` : `token #${id}`;
}

function userWords(id: string, names: Directory): string {
  const name = names.users.get(Number(id));
  return name ? `${name} (#${id})` : `user #${id}`;
}

/** The credential the actor used, from the API's label (`session:cookie`, `jwt:12`, …). */
export function credentialWords(label: string, names: Directory): string {
  const [kind = '', id] = label.split(':');
  switch (kind) {
    case 'session':
      return id === 'cookie' ? 'a signed-in browser session' : 'a session (authtoken sent as a bearer token)';
    case 'jwt':
      return `the JWT of ${tokenWords(id ?? '?', names)}`;
    case 'server-signature':
      return `a signature of ${tokenWords(id ?? '?', names)}`;
    case 'oauth':
      return 'an OAuth access token';
    case 'sign-in':
      return 'a username and password';
    case 'cli':
      return 'the command line on the server';
    case 'anonymous':
      return 'no credential';
    default:
      return label;
  }
}

const TYPE_WORDS: Record<TokenType, string> = { server: 'Server', browser: 'Browser', oauth: 'OAuth' };

const LABELS: Record<string, string> = {
  name: 'Name',
  type: 'Type',
  jwt: 'JWT',
  restrictedUserId: 'Restricted to',
  restricted_user_id: 'Restricted to',
  host: 'Hosts',
  redirectUris: 'Redirect URIs',
  expiresAt: 'Expires',
  expires: 'Expires',
  newTokenId: 'New token',
  rolledFrom: 'Replaces token',
  overlapSeconds: 'Overlap',
  oldExpiresAt: 'Old credentials stop',
  oldExpires: 'Old credentials stop',
  username: 'Username',
  method: 'With',
  fullname: 'Full name',
  email: 'Email',
  status: 'Status',
  seat: 'Licence seat',
  role: 'Role',
  via: 'Via',
  tokenId: 'Token',
  reEncrypted: 'Secrets re-encrypted',
  source: 'Key from',
};

function yesNo(value: string): string | undefined {
  if (value === 'true' || value === '1') return 'yes';
  if (value === 'false' || value === '0') return 'no';
  return undefined;
}

function dateOr(value: string, none: string): string {
  if (/^\d+$/.test(value)) return localDateTime(Number(value));
  const at = Date.parse(value);
  return Number.isFinite(at) ? localDateTime(at) : value || none;
}

function value(key: string, raw: string, names: Directory): string {
  switch (key) {
    case 'type':
      return TYPE_WORDS[raw as TokenType] ?? raw;
    case 'jwt':
      return raw === 'true' ? 'issued' : raw === 'false' ? 'none' : raw;
    case 'restrictedUserId':
    case 'restricted_user_id':
      return raw === '' ? 'any user' : userWords(raw, names);
    case 'host':
      return raw === '' ? 'none' : raw.split(',').join(', ');
    case 'redirectUris':
      return raw === '' ? 'none' : raw.split(/\s+/).join(', ');
    case 'expiresAt':
    case 'expires':
      return dateOr(raw, 'never');
    case 'oldExpiresAt':
    case 'oldExpires':
      return dateOr(raw, 'now');
    case 'newTokenId':
    case 'rolledFrom':
    case 'tokenId':
      return tokenWords(raw, names);
    case 'overlapSeconds':
      return /^\d+$/.test(raw) ? (raw === '0' ? 'none: revoked at once' : duration(Number(raw))) : raw;
    case 'seat':
      return yesNo(raw) ?? raw;
    case 'method':
      return raw === 'basic' ? 'username and password' : raw === 'x-deki-token' ? 'a server token signature' : raw;
    default:
      return raw === '' ? '—' : raw;
  }
}

/** "expiresAt" → "Expires at": a readable label for a detail the page has no words for. */
function humanise(key: string): string {
  const words = key
    .replace(/[_.-]+/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Details that say nothing for this entry: no hosts on a server token, no JWT on a browser token. */
function idle(entry: AuditEntry, key: string, raw: string): boolean {
  const type = entry.details.type;
  if (key === 'host') return raw === '' && type === 'server';
  if (key === 'redirectUris') return raw === '' && type !== 'oauth';
  if (key === 'restrictedUserId' || key === 'restricted_user_id') return raw === '' && type !== undefined && type !== 'server';
  if (key === 'jwt') return raw === 'false' && type !== undefined && type !== 'server';
  return false;
}

/** An entry's details as label and value, in the order the server gave them. */
export function detailWords(entry: AuditEntry, names: Directory): [string, string][] {
  return Object.entries(entry.details)
    .filter(([key, raw]) => !idle(entry, key, raw))
    .map(([key, raw]) => [LABELS[key] ?? humanise(key), value(key, raw, names)]);
}

/** What the entry is about: a token, a user, the master keys. */
export function targetWords(entry: AuditEntry, names: Directory): string {
  const id = entry.targetId;
  switch (entry.targetType) {
    case 'token':
      return id === undefined ? 'a token' : tokenWords(id, names, entry.details.name);
    case 'user': {
      if (id === undefined) return entry.details.username ? `unknown user “${entry.details.username}”` : 'an unknown user';
      const name = entry.details.username ?? (String(entry.actorId) === id ? entry.actorName : names.users.get(Number(id)));
      return name ? `user ${name} (#${id})` : `user #${id}`;
    }
    case 'keys':
      return id === undefined ? 'master keys' : `master key ${id}`;
    case undefined:
      return '—';
    default:
      return id === undefined ? entry.targetType : `${entry.targetType} ${id}`;
  }
}
