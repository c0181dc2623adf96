/** Reads and validates a `user` document from a request body. */
import { readObject, readText } from '../dream/body.js';
import { DekiError } from '../errors.js';
import { ROLES, type Role, type UserUpdate } from '../store/schema.js';

/**
 * A username as it is looked up and stored: without surrounding white space. Applied once, before
 * both, so `=admin%20` names the user `admin` rather than a new one that collides with it.
 */
export function normalUsername(raw: string): string {
  return raw.trim();
}

export function validUsername(raw: string): string {
  const name = normalUsername(raw);
  if (name.length < 1 || name.length > 255) throw new DekiError('USERNAME_REQUIRED');
  // `=` and `#` open path ids and restricted names; `/` would break `users/=name`.
  if (/[\/\u0000-\u001f\u007f]/.test(name) || /^[=#]/.test(name)) throw new DekiError('USERNAME_INVALID');
  return name;
}

function validBoolean(field: string, value: string): number {
  if (value === 'true') return 1;
  if (value === 'false') return 0;
  throw new DekiError('USER_FIELD_INVALID', field, "use 'true' or 'false'");
}

/** The fields present in the document, validated; absent fields are left out of the patch. */
export function readUserPatch(doc: Record<string, unknown>): UserUpdate {
  const patch: UserUpdate = {};
  const username = readText(doc, 'username');
  if (username !== undefined) {
    patch.username = validUsername(username);
    patch.username_key = patch.username.toLowerCase();
  }
  const email = readText(doc, 'email');
  if (email !== undefined) {
    const e = email.trim();
    if (e.length > 255 || (e !== '' && !/^[^\s@]+@[^\s@]+$/.test(e)))
      throw new DekiError('USER_FIELD_INVALID', 'email', 'use an address such as ada@example.com');
    patch.email = e;
  }
  const fullname = readText(doc, 'fullname');
  if (fullname !== undefined) {
    if (fullname.length > 255) throw new DekiError('USER_FIELD_INVALID', 'fullname', 'at most 255 characters');
    patch.fullname = fullname.trim();
  }
  const status = readText(doc, 'status');
  if (status !== undefined) {
    if (status !== 'active' && status !== 'inactive') throw new DekiError('USER_FIELD_INVALID', 'status', "use 'active' or 'inactive'");
    patch.status = status;
  }
  const seat = readText(doc, 'license.seat');
  if (seat !== undefined) patch.seat = validBoolean('license.seat', seat.trim());
  const permissions = readObject(doc, 'permissions.user');
  const role = permissions ? readText(permissions, 'role') : undefined;
  if (role !== undefined) {
    const match = ROLES.find((r) => r.toLowerCase() === role.trim().toLowerCase());
    if (!match) throw new DekiError('USER_FIELD_INVALID', 'permissions.user/role', `use one of ${ROLES.join(', ')}`);
    patch.role = match satisfies Role;
  }
  return patch;
}

export function validPassword(password: string): string {
  if (password.length < 8 || password.length > 1024) throw new DekiError('USER_FIELD_INVALID', 'accountpassword', 'use 8 to 1024 characters');
  return password;
}

/** What an audit entry may say of a user change: the fields, never the password hash. */
export function userChanges(patch: UserUpdate): Record<string, unknown> {
  const { password_hash: _hash, username_key: _key, ...visible } = patch;
  return visible;
}
