/** Small fetch wrappers for tests: every call returns status, headers, text and the parsed JSON. */
import http from 'node:http';

export interface Response {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Adds dream.out.format=json (default true). */
  json?: boolean;
}

export async function call(base: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const url = new URL(path.startsWith('http') ? path : `${base}${path}`);
  if (opts.json !== false && !url.searchParams.has('dream.out.format')) url.searchParams.set('dream.out.format', 'json');
  const res = await fetch(url, { method: opts.method ?? 'GET', headers: opts.headers, body: opts.body, redirect: 'manual' });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: callers read `text`
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Signs in with Basic and returns the authtoken (also the cookie value). */
export async function signIn(base: string, username: string, password: string): Promise<string> {
  const res = await call(base, '/@api/deki/users/authenticate', { headers: { Authorization: basic(username, password) }, json: false });
  if (res.status !== 200) throw new Error(`sign-in as ${username} failed: ${res.status} ${res.text}`);
  return res.text;
}

/** Headers for an admin session used as the dashboard uses it: cookie plus the XHR marker. */
export function cookieHeaders(authtoken: string): Record<string, string> {
  return { Cookie: `authtoken=${authtoken}`, 'X-Deki-Requested-With': 'XMLHttpRequest' };
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

/** Creates a user through the API as the given admin; returns its id. */
export async function createUser(
  base: string,
  adminAuthtoken: string,
  user: { username: string; seat?: boolean; role?: string; status?: string; password?: string },
): Promise<number> {
  const doc = {
    username: user.username,
    'license.seat': String(user.seat ?? true),
    status: user.status ?? 'active',
    'permissions.user': { role: user.role ?? 'Viewer' },
  };
  const q = user.password ? `?accountpassword=${encodeURIComponent(user.password)}` : '';
  const res = await call(base, `/@api/deki/users${q}`, {
    method: 'POST',
    headers: { ...bearer(adminAuthtoken), 'Content-Type': 'application/json' },
    body: JSON.stringify(doc),
  });
  if (res.status !== 200) throw new Error(`create user failed: ${res.status} ${res.text}`);
  return Number(res.json['@id']);
}

export async function setUser(base: string, adminAuthtoken: string, id: number, fields: Record<string, unknown>): Promise<Response> {
  return call(base, `/@api/deki/users/${id}`, {
    method: 'PUT',
    headers: { ...bearer(adminAuthtoken), 'Content-Type': 'application/json' },
    body: JSON.stringify(fields),
  });
}

/** Creates a developer token through the API as the given admin; returns the create response (all strings). */
export async function createToken(base: string, adminAuthtoken: string, doc: Record<string, unknown>): Promise<Record<string, string>> {
  const res = await call(base, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { ...bearer(adminAuthtoken), 'Content-Type': 'application/json' },
    body: JSON.stringify(doc),
  });
  if (res.status !== 200) throw new Error(`create token failed: ${res.status} ${res.text}`);
  return res.json as Record<string, string>;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * A request through node:http, for what fetch will not send or would normalise: huge headers,
 * chunked bodies (`body` is written chunk by chunk), raw paths with `..` segments, a given
 * keep-alive `agent` (the same connection for the next request), `Expect: 100-continue` (`expect`:
 * the body is sent once the server asks for it).
 */
export function rawRequest(
  base: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: (string | Buffer)[]; agent?: http.Agent; expect?: boolean },
): Promise<RawResponse> {
  const { port } = new URL(base);
  const headers = opts.expect ? { ...opts.headers, Expect: '100-continue' } : opts.headers;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers, agent: opts.agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    const send = () => {
      for (const chunk of opts.body ?? []) req.write(chunk);
      req.end();
    };
    if (opts.expect) req.once('continue', send);
    else send();
  });
}
