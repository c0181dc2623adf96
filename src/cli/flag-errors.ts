/**
 * Errors in the CLI's own terms: the registry's messages name the API's fields
 * (`restricted-by-user-id`, `accountpassword`); a person at the command line typed a flag, so the
 * CLI names the flag instead. Everything else reads the same on both.
 */
import { DekiError, type ErrorCode } from '../errors.js';

/** The flag a user-document field is set with (`user create|update`). */
const USER_FIELD_FLAGS: Record<string, string> = {
  accountpassword: '--password',
  email: '--email',
  fullname: '--fullname',
  status: '--status',
  'license.seat': '--seat',
  'permissions.user/role': '--role',
};

const IN_FLAG_TERMS: Partial<Record<ErrorCode, (args: readonly string[]) => string>> = {
  TOKEN_NAME_INVALID: () => '--name is required and must be 1 to 255 characters',
  TOKEN_HOST_ON_SERVER: () => '--host is only allowed on browser and oauth tokens',
  TOKEN_HOST_REQUIRED: () => '--host is required for a browser token: give one or more hostname patterns',
  TOKEN_RESTRICTION_NOT_SERVER: () => '--restricted-user is only allowed on server tokens',
  TOKEN_RESTRICTION_INVALID: () => '--restricted-user must name an existing user who is not Anonymous',
  TOKEN_GENERATE_JWT_INVALID: () => '--jwt is only allowed on server tokens',
  TOKEN_EXPIRES_INVALID: () => '--expires must be a date in the future, such as 2027-01-31T00:00:00Z',
  USER_FIELD_INVALID: ([field = '', why = '']) => `${USER_FIELD_FLAGS[field] ?? field} is not valid: ${why}`,
};

/** The one line the CLI prints for an error. */
export function cliMessage(err: unknown): string {
  if (err instanceof DekiError) return IN_FLAG_TERMS[err.code]?.(err.args) ?? err.message;
  return err instanceof Error ? err.message : String(err);
}
