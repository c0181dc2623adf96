/**
 * Server logs of a test run and the credentials the tests handled, kept for the log scan. With `GATEHOUSE_TEST_LOG_DIR` set (`npm test` sets it), every test server logs at trace
 * level to `<dir>/logs/`, and every credential this process sends or receives through `fetch` is
 * written to `<dir>/seen/<pid>.jsonl`; `scripts/scan-test-logs.ts` then looks for each credential
 * in each log. Files are per process, so node:test's parallel test files never share one.
 */
import fs from 'node:fs';
import path from 'node:path';

export const LOG_DIR = process.env.GATEHOUSE_TEST_LOG_DIR || undefined;

/**
 * One credential to look for. `window`: random material, found if any 16 characters of it in a row
 * appear in a log (so a truncated copy counts too). `exact`: a phrase such as a password, found if it
 * appears whole, as sent or percent-encoded.
 */
export interface Credential {
  readonly kind: string;
  readonly value: string;
  readonly match: 'window' | 'exact';
}

/** Passwords shorter than this are not looked for: 'wrong' or 'x' would match ordinary words. */
const MIN_EXACT = 8;
/** Random material shorter than one window is not looked for. */
export const WINDOW = 16;

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.([A-Za-z0-9_-]*)$/;
const AUTHTOKEN = /^\d+_([0-9a-f]{64})$/;
const SIGNATURE_HASH = /_([0-9a-fA-F]{64})$/;
const BROWSER_KEY = /^[0-9a-f]{64}$/;

/** Query and form parameters that carry credentials (sign-in, signatures; OAuth, RFC 6749 and 8628). */
const CREDENTIAL_PARAMS: Record<string, string> = {
  'x-deki-token': 'signature',
  authtoken: 'authtoken',
  accountpassword: 'password',
  password: 'password',
  client_secret: 'OAuth client secret',
  code: 'OAuth code',
  code_verifier: 'PKCE verifier',
  refresh_token: 'OAuth refresh token',
  access_token: 'OAuth access token',
  device_code: 'OAuth device code',
  user_code: 'OAuth user code',
  token: 'OAuth token',
};

/** Response fields that carry credentials: a token's create response and OAuth token responses. */
const CREDENTIAL_FIELDS: Record<string, string> = {
  secret: 'secret',
  authorization: 'JWT',
  access_token: 'OAuth access token',
  refresh_token: 'OAuth refresh token',
  id_token: 'JWT',
  device_code: 'OAuth device code',
  user_code: 'OAuth user code',
  client_secret: 'OAuth client secret',
};

/** What of a credential value is secret, by its shape: a JWT's signature, an authtoken's random part, a signature's hash. */
export function classify(value: string, hint: string): Credential | undefined {
  const v = value.replace(/^bearer +/i, '').trim();
  const jwt = JWT.exec(v);
  if (jwt) return jwt[1]!.length >= WINDOW ? { kind: 'JWT signature', value: jwt[1]!, match: 'window' } : undefined;
  const authtoken = AUTHTOKEN.exec(v);
  if (authtoken) return { kind: 'authtoken', value: authtoken[1]!, match: 'window' };
  if (hint === 'password' || hint === 'OAuth user code') return v.length >= MIN_EXACT ? { kind: hint, value: v, match: 'exact' } : undefined;
  if (hint === 'signature' || hint === 'x-deki-token header') {
    const hash = SIGNATURE_HASH.exec(v);
    if (hash) return { kind: 'signature hash', value: hash[1]!, match: 'window' };
    // A browser token's key goes in X-Deki-Token too; it is public by design (it ships in web pages).
    if (BROWSER_KEY.test(v)) return undefined;
  }
  return v.length >= WINDOW ? { kind: hint, value: v, match: 'window' } : undefined;
}

function basicPassword(header: string): string | undefined {
  const m = /^basic +([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

function fromParams(params: URLSearchParams, out: Credential[]): void {
  for (const [name, value] of params) {
    const hint = CREDENTIAL_PARAMS[name.toLowerCase()];
    const c = hint && classify(value, hint);
    if (c) out.push(c);
  }
}

function fromCookies(header: string, out: Credential[]): void {
  for (const m of header.matchAll(/(?:^|[;,]\s*)authtoken=([^;,\s]+)/gi)) {
    const c = classify(decodeURIComponent(m[1]!), 'authtoken');
    if (c) out.push(c);
  }
}

/** The credentials in a request: Authorization (Basic password, Bearer), X-Deki-Token, the authtoken cookie, the query, a form body. */
export function requestCredentials(url: URL, headers: Headers, body: unknown): Credential[] {
  const out: Credential[] = [];
  const auth = headers.get('authorization');
  if (auth) {
    const password = basicPassword(auth);
    const c = password !== undefined ? classify(password, 'password') : classify(auth, 'Authorization header');
    if (c) out.push(c);
  }
  const deki = headers.get('x-deki-token');
  const c = deki && classify(deki, 'x-deki-token header');
  if (c) out.push(c);
  const cookie = headers.get('cookie');
  if (cookie) fromCookies(cookie, out);
  fromParams(url.searchParams, out);
  if (body instanceof URLSearchParams) fromParams(body, out);
  else if (typeof body === 'string' && /^application\/x-www-form-urlencoded/i.test(headers.get('content-type') ?? ''))
    fromParams(new URLSearchParams(body), out);
  return out;
}

function fromFields(doc: unknown, out: Credential[], depth = 0): void {
  if (typeof doc !== 'object' || doc === null || depth > 2) return;
  for (const [name, value] of Object.entries(doc)) {
    const hint = CREDENTIAL_FIELDS[name];
    if (hint && typeof value === 'string') {
      const c = classify(value, hint);
      if (c) out.push(c);
    } else {
      fromFields(value, out, depth + 1);
    }
  }
}

/** The credentials in a response: an authtoken body or cookie, a token's secret and JWT, OAuth tokens, a code in a redirect. */
export function responseCredentials(headers: Headers, text: string): Credential[] {
  const out: Credential[] = [];
  for (const cookie of headers.getSetCookie()) fromCookies(cookie.split(';')[0]!, out);
  const location = headers.get('location');
  if (location) {
    try {
      const url = new URL(location, 'http://x');
      fromParams(url.searchParams, out);
      fromParams(new URLSearchParams(url.hash.slice(1)), out);
    } catch {
      // not a URL: nothing to record
    }
  }
  const trimmed = text.trim();
  if (AUTHTOKEN.test(trimmed)) out.push(classify(trimmed, 'authtoken')!);
  if (/^[[{]/.test(trimmed)) {
    try {
      fromFields(JSON.parse(trimmed), out);
    } catch {
      // not JSON
    }
  } else if (trimmed.startsWith('<')) {
    // XML create responses carry <secret> and <authorization> elements.
    for (const m of trimmed.matchAll(/<(secret|authorization)>([^<]+)<\/\1>/g)) {
      const c = classify(m[2]!, CREDENTIAL_FIELDS[m[1]!]!);
      if (c) out.push(c);
    }
  }
  return out;
}

type Listener = (credentials: readonly Credential[]) => void;
const listeners = new Set<Listener>();
let installed = false;

type FetchInput = Parameters<typeof fetch>[0];

function headersOf(input: FetchInput, init: RequestInit | undefined): Headers {
  if (init?.headers) return new Headers(init.headers);
  return input instanceof Request ? input.headers : new Headers();
}

/** Wraps the global fetch once, so every request made in this process (call(), openid-client, …) is seen. */
function install(): void {
  if (installed) return;
  installed = true;
  const original = globalThis.fetch;
  globalThis.fetch = async (input: FetchInput, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const seen = requestCredentials(url, headersOf(input, init), init?.body);
    const res = await original(input, init);
    // Read a copy of the body now, so nothing is lost when the test never reads it or exits at once.
    const text = /json|xml|text/.test(res.headers.get('content-type') ?? '') ? await res.clone().text() : '';
    seen.push(...responseCredentials(res.headers, text));
    if (seen.length > 0) for (const listener of listeners) listener(seen);
    return res;
  };
}

/** Calls `listener` with the credentials of every fetch from now on; returns the function that stops it. */
export function watchCredentials(listener: Listener): () => void {
  install();
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function fileIn(sub: string, name: string): string {
  const dir = path.join(LOG_DIR!, sub);
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

let logCount = 0;

/** A fresh log file for one server of this process, when the run keeps logs; else undefined. */
export function nextLogFile(what: string): string | undefined {
  return LOG_DIR ? fileIn('logs', `${process.pid}-${++logCount}-${what}.log`) : undefined;
}

if (LOG_DIR) {
  const file = fileIn('seen', `${process.pid}.jsonl`);
  const written = new Set<string>();
  watchCredentials((credentials) => {
    const lines = credentials.map((c) => JSON.stringify(c)).filter((line) => !written.has(line) && written.add(line));
    if (lines.length > 0) fs.appendFileSync(file, `${lines.join('\n')}\n`);
  });
}
