/**
 * The one error registry. Every failure a client can see has a stable code, a status and
 * the exact message from SPEC; handlers throw `new DekiError('CODE')` and `dream/error-handler.ts`
 * renders it. `%s` in a message is filled from the arguments given to the constructor.
 */

export const errors = {
  // Wire and input
  BAD_REQUEST_BODY: [400, 'request body is not well-formed %s'],
  BODY_DTD_FORBIDDEN: [400, 'request body must not contain a DTD or entity declaration'],
  BODY_TOO_LARGE: [413, 'request body is larger than the limit of %s bytes'],
  BODY_REQUIRED: [400, 'request body is required: send an XML or JSON document'],
  BODY_NOT_DOCUMENT: [400, 'request body must be an XML or JSON document'],
  BODY_ROOT_WRONG: [400, "request body must be a '%s' document"],
  HEADERS_TOO_LARGE: [431, 'request headers are too large'],
  HTTP_INVALID: [400, 'request is not valid HTTP'],
  BAD_URL: [400, 'request URL is not valid: check its percent-encoding'],
  BAD_PATH_ID: [400, "'%s' is not a valid id: use an integer, a keyword or '=' and a name"],
  BAD_QUERY: [400, "query parameter '%s' is not valid: %s"],
  NOT_FOUND: [404, 'resource not found'],
  INTERNAL: [500, 'internal error'],
  STORE_UNAVAILABLE: [503, 'authentication store unavailable'],

  // Credentials
  AUTH_HEADER_NOT_BEARER: [403, "Authorization header must be 'Bearer <token>'"],
  JWT_UNPARSEABLE: [403, 'Unable to parse JWT token'],
  JWT_INVALID: [403, 'invalid json web token'],
  USER_INVALID: [403, 'invalid user requesting'],
  SIGNATURE_INVALID: [403, 'invalid server token signature'],
  SIGNATURE_EXPIRED: [403, 'server token signature expired'],
  SIGNATURE_RESTRICTED: [403, 'server token is restricted to another user'],
  AUTHTOKEN_INVALID: [403, 'invalid authtoken'],
  BROWSER_ORIGIN_REFUSED: [403, 'browser token is not allowed from this origin'],
  OAUTH_ORIGIN_REFUSED: [403, 'no OAuth app allows cross-origin requests from this origin'],
  CSRF_REFUSED: [403, 'request refused as a possible cross-site request forgery: send X-Deki-Requested-With, or a non-form Content-Type'],

  AUTH_RATE_LIMITED: [429, 'too many failed authentication attempts from this client or for this token: retry later'],
  LOGIN_THROTTLED: [429, 'too many failed sign-in attempts for this user or from this client: retry later'],

  // Operations (docs/operations.md)
  METRICS_FORBIDDEN: [403, 'metrics are served to loopback clients, and to others with Authorization: Bearer and the metrics token'],

  // Sign-in
  LOGIN_FAILED: [401, 'invalid username or password'],
  LOGIN_REQUIRED: [401, 'authentication required: send HTTP Basic credentials or x-deki-token'],
  REDIRECT_NOT_ALLOWED: [400, 'redirect must be a path on this site or an absolute URL on an allowed host'],

  // Permissions
  ADMIN_REQUIRED: [403, 'this operation requires an active, seated user with the Admin role'],
  BROWSER_TOKEN_NOT_ADMIN: [403, 'a request made with a browser token cannot manage tokens, users, keys or the audit log'],
  ROLE_REQUIRED: [403, 'this operation requires an active, seated user with the Author, Editor or Admin role'],
  PAGE_FORBIDDEN: [403, 'this page is private: sign in as a seated user to read it'],
  USER_FORBIDDEN: [403, "reading another user's details requires a signed-in user"],

  // Forward-auth and the built-in proxy (README.md#put-gatehouse-in-front-of-your-api)
  CREDENTIAL_REQUIRED: [401, 'authentication required: send a JWT, a server token signature, an authtoken or an OAuth access token'],
  SIGNED_IN_USER_REQUIRED: [403, 'this resource requires a signed-in user, not Anonymous'],
  SEAT_REQUIRED: [403, 'this resource requires an active user with a licence seat'],
  UPSTREAM_UNAVAILABLE: [502, 'the upstream server could not be reached or gave no valid answer'],
  UPSTREAM_TIMEOUT: [504, 'the upstream server did not answer in time'],

  // Users
  USER_NOT_FOUND: [404, 'user not found'],
  USERNAME_REQUIRED: [400, 'username is required (1 to 255 characters)'],
  USERNAME_INVALID: [400, 'username must not contain /, control characters, or start with = or #'],
  USERNAME_TAKEN: [409, "a user named '%s' already exists"],
  USER_FIELD_INVALID: [400, "user field '%s' is not valid: %s"],
  ANONYMOUS_IMMUTABLE: [403, 'the Anonymous user cannot be changed or signed in'],
  BOOTSTRAP_ADMIN_LOCKOUT: [400, 'the last active seated admin cannot lose the Admin role, the seat or the active status'],

  // Developer tokens
  TOKENS_DISABLED: [403, 'API token management is not enabled for this site'],
  TOKEN_ALLOWANCE_REACHED: [403, 'API token allowance reached'],
  TOKEN_NOT_FOUND: [404, 'developer token not found'],
  TOKEN_TYPE_INVALID: [400, "token type must be 'server', 'browser' or 'oauth'"],
  TOKEN_NAME_INVALID: [400, 'name is required and must be 1 to 255 characters'],
  TOKEN_HOST_ON_SERVER: [400, 'host is only allowed on browser and oauth tokens'],
  TOKEN_HOST_REQUIRED: [400, 'host is required for a browser token: give one or more hostname patterns'],
  TOKEN_REDIRECT_URI_INVALID: [
    400,
    "redirect URI '%s' is not valid: give absolute http(s) URLs without a fragment or user-info, at most 20, separated by spaces",
  ],
  TOKEN_REDIRECT_URIS_NOT_OAUTH: [400, 'redirect-uris is only allowed on oauth tokens'],
  TOKEN_HOST_INVALID: [
    400,
    "host pattern '%s' is not valid: use hostnames such as crm.example.com or *.example.com, optionally with a scheme and port (https://app.example.com:8443)",
  ],
  TOKEN_RESTRICTION_NOT_SERVER: [400, 'restricted-by-user-id is only allowed on server tokens'],
  TOKEN_RESTRICTION_INVALID: [400, 'restricted-by-user-id must name an existing user who is not Anonymous'],
  TOKEN_EXPIRES_INVALID: [400, 'expires must be a date in the future, such as 2027-01-31T00:00:00Z'],
  TOKEN_EXPIRED: [403, 'developer token has expired'],
  TOKEN_ROLL_EXPIRED: [400, 'an expired token cannot be rolled: create a new one'],
  TOKEN_ROLL_OVERLAP_INVALID: [400, 'overlap must be a whole number of seconds from 0 to 604800 (7 days)'],
  TOKEN_GENERATE_JWT_INVALID: [400, "generate-jwt must be 'true' or 'false' and is only allowed on server tokens"],

  // Pages
  PAGE_NOT_FOUND: [404, 'page not found'],
  PAGE_PATH_INVALID: [400, 'page path is not valid'],
  PAGE_RESTRICTION_INVALID: [400, "restriction must be 'public' or 'private'"],

  // OAuth apps. On /@app/auth/ these render as RFC 6749 {error, error_description};
  // the RFC `error` name of each lives in oauth/oauth-error.ts.
  OAUTH_ACCESS_TOKEN_INVALID: [403, 'invalid OAuth access token'],
  OAUTH_ACCESS_TOKEN_EXPIRED: [403, 'OAuth access token expired'],
  OAUTH_AUTH_ID_UNKNOWN: [404, "identity provider not found: use 1, Gatehouse's built-in sign-in"],
  OAUTH_CLIENT_UNKNOWN: [400, 'client_id does not name an OAuth app on this site'],
  OAUTH_CLIENT_INVALID: [401, 'client authentication failed: unknown client_id or wrong client_secret'],
  OAUTH_CLIENT_AUTH_TWICE: [400, 'send client_secret once: in the Basic header or in the form, not both'],
  OAUTH_CLIENT_ID_MISMATCH: [400, 'client_id in the form differs from the one in the Basic header'],
  OAUTH_PARAM_MISSING: [400, "parameter '%s' is required"],
  OAUTH_PARAM_REPEATED: [400, "parameter '%s' must appear only once"],
  OAUTH_BODY_NOT_FORM: [400, 'send the parameters as application/x-www-form-urlencoded'],
  OAUTH_REDIRECT_URI_INVALID: [400, "redirect_uri must be an absolute http(s) URL, without a fragment, on a host the app's host patterns allow"],
  OAUTH_REDIRECT_URI_UNREGISTERED: [400, "redirect_uri must be exactly one of the app's registered redirect URIs"],
  OAUTH_RESPONSE_TYPE_UNSUPPORTED: [400, "response_type must be 'code'"],
  OAUTH_SCOPE_INVALID: [400, "scope must be 'profile', 'seated' or both, separated by a space"],
  OAUTH_SCOPE_WIDENED: [400, 'a refresh may not ask for a scope that was not granted'],
  OAUTH_PROMPT_INVALID: [400, "prompt must be 'consent' or 'none'"],
  OAUTH_LOGIN_REQUIRED: [400, 'the user is not signed in, and prompt=none forbids asking'],
  OAUTH_CONSENT_REQUIRED: [400, 'the user has not yet approved this app for this scope, and prompt=none forbids asking'],
  OAUTH_ACCESS_DENIED: [400, 'the user denied the request'],
  OAUTH_PKCE_METHOD_UNSUPPORTED: [400, "code_challenge_method must be 'S256'"],
  OAUTH_PKCE_CHALLENGE_INVALID: [400, 'code_challenge must be 43 base64url characters: the SHA-256 of the code_verifier'],
  OAUTH_PKCE_VERIFIER_INVALID: [400, 'code_verifier is missing or does not match the code_challenge'],
  OAUTH_PKCE_VERIFIER_UNEXPECTED: [400, 'code_verifier was sent, but the authorization request had no code_challenge'],
  OAUTH_GRANT_TYPE_UNSUPPORTED: [400, "grant_type must be 'authorization_code', 'refresh_token' or 'urn:ietf:params:oauth:grant-type:device_code'"],
  OAUTH_CODE_INVALID: [400, 'authorization code is invalid, expired or already used'],
  OAUTH_CODE_REDIRECT_MISMATCH: [400, 'redirect_uri differs from the one the authorization code was issued for'],
  OAUTH_REFRESH_INVALID: [400, 'refresh token is invalid, expired or revoked'],
  OAUTH_REFRESH_REUSED: [400, 'refresh token was already used: every token issued from it has been revoked'],
  OAUTH_GRANT_USER_INVALID: [400, 'the user who authorized this app is deactivated, or no longer has the seat the scope needs'],
  OAUTH_TOKEN_NOT_YOURS: [400, 'this token was issued to another client'],
  OAUTH_DEVICE_PENDING: [428, 'the user has not yet approved this device: poll again after the interval'],
  OAUTH_DEVICE_SLOW_DOWN: [400, 'polling too fast: wait %s seconds between polls'],
  OAUTH_DEVICE_DENIED: [400, 'the user denied this device'],
  OAUTH_DEVICE_EXPIRED: [400, 'device code expired: start again at device.json'],
  OAUTH_DEVICE_CODE_INVALID: [400, 'device code is invalid or already used'],
  OAUTH_USER_CODE_RATE_LIMITED: [429, 'too many codes entered from this session or this client: wait a minute, then enter the code your device shows'],
  OAUTH_USER_CODE_INVALID: [400, 'that code is not valid, or it has expired: check the code your device shows'],
  OAUTH_FORM_EXPIRED: [403, 'this form has expired or did not come from this site: reload the page and try again'],
  OAUTH_AUTHORIZATIONS_ANONYMOUS: [403, 'sign in to see the apps you authorized'],
  OAUTH_AUTHORIZATION_NOT_FOUND: [404, 'authorization not found'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof errors;

/**
 * The response header that carries an error's registry code on every error answer, so the
 * dashboard and SDKs recognise errors by code, never by message text. A header, because the error
 * document keeps Expert's exact shape (status, title, message, uri) that existing clients parse.
 */
export const ERROR_CODE_HEADER = 'X-Gatehouse-Error';

/** Whether `value` (a header a server sent) is a code of this registry. */
export function isErrorCode(value: string | null | undefined): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errors, value);
}

/**
 * The codes that mean "this credential was refused": each is counted for the token it names (its
 * usage figures) and toward the failure limits. A store outage or a missing permission is not.
 */
export const CREDENTIAL_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'AUTH_HEADER_NOT_BEARER',
  'JWT_UNPARSEABLE',
  'JWT_INVALID',
  'USER_INVALID',
  'SIGNATURE_INVALID',
  'SIGNATURE_EXPIRED',
  'SIGNATURE_RESTRICTED',
  'AUTHTOKEN_INVALID',
  'BROWSER_ORIGIN_REFUSED',
  'TOKEN_EXPIRED',
  'OAUTH_ACCESS_TOKEN_INVALID',
  'OAUTH_ACCESS_TOKEN_EXPIRED',
]);

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The HTTP reason phrase used as an error document's `title`. */
export function statusTitle(status: number): string {
  return titles[status] ?? 'Error';
}

/** A failure a client caused or may see; rendered as a DReAM error document. */
export class DekiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** What filled the message's `%s`, in order: lets the CLI say a flag where the API says a field. */
  readonly args: readonly string[];

  /** The developer token a failed credential named, for its usage figures and failure limits. */
  tokenId: number | undefined;
  /** Seconds, sent as `Retry-After` (429s). */
  retryAfter: number | undefined;

  constructor(code: ErrorCode, ...args: string[]) {
    const [status, template] = errors[code];
    let i = 0;
    super(template.replace(/%s/g, () => args[i++] ?? ''));
    this.name = 'DekiError';
    this.code = code;
    this.status = status;
    this.args = args;
  }

  /** Names the token a credential failure is about. */
  about(tokenId: number): this {
    this.tokenId = tokenId;
    return this;
  }

  retryIn(seconds: number): this {
    this.retryAfter = seconds;
    return this;
  }
}
