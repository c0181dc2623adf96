/**
 * The audit log in words: action names, the credential an actor used, and each entry's
 * details, turned from the API's codes into what an admin reads. An action, credential or detail
 * the page has no words for is shown as the server wrote it, never hidden.
 */
import type { AuditAction } from '../src/audit/actions.js';
import type { AuditEntry, TokenType } from './api';
import type { Directory } from './names';
import { duration, localDateTime } from './format';

export interface ActionChoice {
  value: string;
  label: string;
}

/** Words for every action the server records (`src/audit/actions.ts`): a new one fails the dashboard's typecheck until it has them. */
const ACTION_LABEL: Record<AuditAction, string> = {
  'token.create': 'Token created',
  'token.update': 'Token changed',
  'token.roll': 'Token rotated',
  'token.delete': 'Token deleted',
  'user.create': 'User created',
  'user.update': 'User changed',
  'user.deactivate': 'User deactivated',
  'user.password': 'Password changed',
  'signin.success': 'Signed in',
  'signin.failure': 'Sign-in failed',
  'keys.rotate': 'Master key rotated',
};

const choice = (value: AuditAction): ActionChoice => ({ value, label: ACTION_LABEL[value] });

/** The action filter's choices, by family; a value ending in a dot is the whole family. */
export const ACTION_GROUPS: { label: string; choices: ActionChoice[] }[] = [
  {
    label: 'Tokens',
    choices: [{ value: 'token.', label: 'Any token change' }, ...(['token.create', 'token.update', 'token.roll', 'token.delete'] as const).map(choice)],
  },
  {
    label: 'Users',
    choices: [{ value: 'user.', label: 'Any user change' }, ...(['user.create', 'user.update', 'user.deactivate', 'user.password'] as const).map(choice)],
  },
  { label: 'Sign-ins', choices: [{ value: 'signin.', label: 'Any sign-in' }, ...(['signin.success', 'signin.failure'] as const).map(choice)] },
  { label: 'Keys', choices: [choice('keys.rotate')] },
];

const ACTION_WORDS = new Map<string, string>(Object.entries(ACTION_LABEL));

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
