/**
 * The one place where API failures become words, by their registry code.
 *
 * Every error answer names its code in the `X-Gatehouse-Error` header (`src/errors.ts`); the
 * message is read only for what fills a `%s` (the host pattern that was refused). A code the page
 * has no words for is shown as the server wrote it.
 */
import { ERROR_CODE_HEADER, type ErrorCode, errors, isErrorCode } from '../src/errors.js';

/** A form field an error belongs next to. */
export type Field = 'name' | 'host' | 'redirects' | 'user' | 'expires';

interface Words {
  text: (detail: string) => string;
  field?: Field;
}

const words: Partial<Record<ErrorCode, Words>> = {
  LOGIN_FAILED: { text: () => 'That username and password do not match. Check both and try again.' },
  USER_INVALID: { text: () => 'This account is not active. Ask an admin to reactivate it.' },
  ANONYMOUS_IMMUTABLE: { text: () => 'The Anonymous account cannot sign in. Use your own username.' },
  ADMIN_REQUIRED: { text: () => 'This needs an active, seated user with the Admin role.' },
  BROWSER_TOKEN_NOT_ADMIN: { text: () => 'A browser token cannot be used to manage the site.' },
  TOKENS_DISABLED: {
    text: () =>
      'API token management is not enabled for this site. Ask the operator of this Gatehouse to enable it (on CXone Expert, contact your Customer Success Manager).',
  },
  TOKEN_ALLOWANCE_REACHED: {
    text: () => 'This site has reached its API token allowance. Delete a token that is no longer used, or ask the operator to raise the allowance.',
  },
  TOKEN_NAME_INVALID: { text: () => 'Give the token a name of 1 to 255 characters.', field: 'name' },
  TOKEN_HOST_REQUIRED: { text: () => 'A browser token needs at least one host, for example *.example.com.', field: 'host' },
  TOKEN_HOST_INVALID: { text: (pattern) => hostPatternWords(pattern), field: 'host' },
  TOKEN_REDIRECT_URI_INVALID: { text: (uri) => redirectUriWords(uri), field: 'redirects' },
  TOKEN_REDIRECT_URIS_NOT_OAUTH: { text: () => 'Only OAuth apps have redirect URIs: leave Redirect URIs empty or choose OAuth.', field: 'redirects' },
  TOKEN_HOST_ON_SERVER: { text: () => 'Server tokens have no hosts: leave Host empty or choose Browser.', field: 'host' },
  TOKEN_RESTRICTION_INVALID: { text: () => 'That user cannot be picked: they no longer exist, or are Anonymous. Choose another user.', field: 'user' },
  TOKEN_RESTRICTION_NOT_SERVER: { text: () => 'Only server tokens can be restricted to a user.', field: 'user' },
  TOKEN_NOT_FOUND: { text: () => 'This token no longer exists: it may have been deleted already.' },
  TOKEN_EXPIRES_INVALID: { text: () => 'Choose an expiry in the future, or choose Never.', field: 'expires' },
  TOKEN_ROLL_EXPIRED: { text: () => 'This token has expired, so it cannot be rotated. Create a new token instead, and delete this one.' },
  TOKEN_ROLL_OVERLAP_INVALID: { text: () => 'The overlap must be between none and 7 days. Choose one of the options.' },
  BAD_QUERY: { text: (param) => `The page asked for “${param}” in a way Gatehouse does not accept. Clear the filters and try again.` },
  CSRF_REFUSED: { text: () => 'Gatehouse refused the request as a possible cross-site request. Reload the page and try again.' },
  BODY_TOO_LARGE: { text: () => 'That is too much text for one request. Shorten the name or the hosts.' },
};

/** Words for a host pattern refused by the page's own check or by the server. */
export function redirectUriWords(uri: string): string {
  return `“${uri}” is not a redirect URI Gatehouse accepts. Give up to 20 full http(s) URLs such as https://app.example.com/callback, one a line, without a # part or a user name.`;
}

export function hostPatternWords(pattern: string): string {
  return `“${pattern}” is not a valid host pattern. Use hostnames such as crm.example.com or *.example.com, optionally with a scheme and port (https://app.example.com:8443), separated by commas.`;
}

/** What filled the first `%s` of `code`'s message template in `message`, or '' when nothing did. */
function detailOf(code: ErrorCode, message: string): string {
  const template: string = errors[code][1];
  if (!template.includes('%s')) return '';
  const pattern = template
    .split('%s')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('([\\s\\S]*?)');
  return new RegExp(`^${pattern}$`).exec(message)?.[1] ?? '';
}

/** A failed API call, already in words. `code` is the registry code the server named. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'NETWORK' | undefined;
  readonly field: Field | undefined;

  constructor(status: number, code: ApiError['code'], words: string, field?: Field) {
    super(words);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }

  static network(): ApiError {
    return new ApiError(0, 'NETWORK', 'Gatehouse could not be reached. Check the connection and try again.');
  }

  static async fromResponse(res: Response): Promise<ApiError> {
    let message = '';
    try {
      const doc = (await res.json()) as { message?: unknown };
      if (typeof doc.message === 'string') message = doc.message;
    } catch {
      // No JSON body (a proxy's error page): the status alone decides the words below.
    }
    const header = res.headers.get(ERROR_CODE_HEADER);
    const code = isErrorCode(header) ? header : undefined;
    const entry = code ? words[code] : undefined;
    if (code && entry) return new ApiError(res.status, code, entry.text(detailOf(code, message)), entry.field);
    if (res.status >= 500) {
      const id = res.headers.get('X-Request-Id');
      return new ApiError(
        res.status,
        code,
        `Gatehouse had an internal problem and did not finish. Try again; if it persists, give the operator this request id: ${id ?? 'unknown'}.`,
      );
    }
    // A message the dashboard has no words of its own for: the server's words, with a capital.
    const fallback = message ? `${message.charAt(0).toUpperCase()}${message.slice(1)}.` : `The request failed (HTTP ${res.status}).`;
    return new ApiError(res.status, code, fallback);
  }
}

/** Words for anything a call may throw. */
export function describe(err: unknown): string {
  return err instanceof ApiError ? err.message : 'Something went wrong in the page. Reload it and try again.';
}
