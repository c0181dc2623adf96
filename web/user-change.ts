/**
 * What a change to a user's status, seat or role does to their tokens and sessions, in words for
 * the confirmation. The rules are the server's: a deactivated user's sessions end and every JWT and
 * signature acting as them is refused; a JWT needs a seated user too; an admin is active, seated
 * and has role Admin, and the last one cannot be demoted.
 */
import type { DependentToken, User, UserChange } from './api';

export const ROLES = ['None', 'Viewer', 'Author', 'Editor', 'Admin'];

const REFUSED = '403 “invalid user requesting”';

export interface ChangeWords {
  title: string;
  confirm: string;
  lines: string[];
  /** `danger` when credentials stop working. */
  tone: 'danger' | 'primary';
}

function names(tokens: DependentToken[]): string {
  return tokens.map((t) => `“${t.name}”`).join(', ');
}

function isAdminAfter(user: User, change: UserChange): boolean {
  return (change.active ?? user.active) && (change.seated ?? user.seated) && (change.role ?? user.role) === 'Admin';
}

/** The user is the site's last admin, so the API refuses any change that would demote them. */
export function isLastAdmin(user: User, admins: number): boolean {
  return user.active && user.seated && user.role === 'Admin' && admins <= 1;
}

export function changeWords(user: User, change: UserChange): ChangeWords {
  const who = user.username;
  const tokens = user.tokens ?? [];
  const jwts = tokens.filter((t) => t.jwt);
  const sessions = user.sessions ?? 0;
  const lines: string[] = [];
  const adminLost = user.active && user.seated && user.role === 'Admin' && !isAdminAfter(user, change);
  let words: Omit<ChangeWords, 'lines'>;
  if (change.active === false) {
    words = { title: `Deactivate ${who}?`, confirm: `Deactivate ${who}`, tone: 'danger' };
    lines.push(`${who} can no longer sign in, and their ${sessions === 1 ? 'open session ends' : `${sessions} open sessions end`} now.`);
    lines.push(
      tokens.length
        ? `Signatures and JWTs acting as ${who} get ${REFUSED} until they are reactivated: ${tokens.length === 1 ? 'token' : 'tokens'} ${names(tokens)}.`
        : `Signatures naming ${who} get ${REFUSED} until they are reactivated. No token is restricted to them.`,
    );
  } else if (change.active === true) {
    words = { title: `Reactivate ${who}?`, confirm: `Reactivate ${who}`, tone: 'primary' };
    lines.push(
      `${who} can sign in again, and signatures acting as them work again${jwts.length ? `, as do the JWTs of ${names(jwts)}` : ''}${user.seated ? '' : ' (a JWT also needs a licence seat)'}.`,
    );
    lines.push('Sessions that ended when they were deactivated do not come back.');
  } else if (change.seated === false) {
    words = { title: `Remove ${who}'s licence seat?`, confirm: `Remove the seat`, tone: 'danger' };
    lines.push(jwts.length ? `The JWTs of ${names(jwts)} get ${REFUSED}: a JWT needs a seated user.` : `No JWT acts as ${who}.`);
    lines.push(
      `Signatures acting as ${who} still work, as an unseated user who cannot read private pages or edit. Their ${sessions === 1 ? 'session stays' : `${sessions} sessions stay`} open, with the same limits.`,
    );
  } else if (change.seated === true) {
    words = { title: `Assign ${who} a licence seat?`, confirm: `Assign a seat`, tone: 'primary' };
    lines.push(
      jwts.length
        ? `The JWTs of ${names(jwts)} work again${user.active ? '' : ` once ${who} is reactivated`}.`
        : `${who} can read private pages and, with a role that allows it, edit.`,
    );
  } else {
    const role = change.role ?? user.role;
    words = { title: `Change ${who}'s role to ${role}?`, confirm: `Change the role`, tone: 'primary' };
    lines.push(`Tokens and sessions acting as ${who} keep working; what they may do follows the new role.`);
    if (role === 'Admin')
      lines.push(user.active && user.seated ? `${who} becomes an admin: they can manage tokens and users.` : `${who} becomes an admin once active and seated.`);
  }
  if (adminLost) lines.push(`${who} stops being an admin: they can no longer manage tokens and users.`);
  return { ...words, lines };
}
