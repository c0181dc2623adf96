/**
 * A small typed client for Gatehouse (and any Expert site): one credential per client, JSON
 * responses, DReAM errors thrown as `GatehouseError` with the server's message and registry code.
 *
 * @example
 *   const api = new GatehouseClient({ siteUrl, credential: { jwt } });
 *   const me = await api.currentUser();
 */
import { type SignatureFormat, signServerToken } from './sign.js';

export type ClientCredential =
  | { jwt: string }
  | { key: string; secret: string; user: string | number; format?: SignatureFormat }
  | { authtoken: string }
  | { browserKey: string; origin?: string }
  | { anonymous: true };

export interface ClientOptions {
  siteUrl: string;
  credential: ClientCredential;
  fetch?: typeof fetch;
}

/**
 * An error document from the server. `code` is Gatehouse's registry code (`JWT_INVALID`,
 * `STORE_UNAVAILABLE`; see docs/errors.md), from the `X-Gatehouse-Error` header: match on it, not on
 * the message. Undefined when the answer did not come from Gatehouse (a proxy, or Expert itself).
 */
export class GatehouseError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
    readonly code: string | undefined = undefined,
  ) {
    super(message);
    this.name = 'GatehouseError';
  }
}

export type JsonDoc = Record<string, unknown>;

export interface RequestOptions {
  query?: Record<string, string>;
  /** Sent as JSON unless `contentType` says otherwise. */
  body?: JsonDoc | string;
  contentType?: string;
}

export class GatehouseClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: ClientOptions) {
    this.fetchImpl = opts.fetch ?? fetch;
  }

  /** The headers that carry this client's credential, made fresh for each request. */
  credentialHeaders(): Record<string, string> {
    const c = this.opts.credential;
    if ('jwt' in c) return { Authorization: `Bearer ${c.jwt}` };
    if ('secret' in c) return { 'X-Deki-Token': signServerToken({ key: c.key, secret: c.secret, user: c.user, format: c.format }) };
    if ('authtoken' in c) return { Authorization: `Bearer ${c.authtoken}` };
    if ('browserKey' in c) return { 'X-Deki-Token': c.browserKey, ...(c.origin ? { Origin: c.origin } : {}) };
    return {};
  }

  /** Calls `/@api/deki/<path>` and returns the JSON document, or throws `GatehouseError`. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<JsonDoc> {
    const url = new URL(`${this.opts.siteUrl.replace(/\/$/, '')}/@api/deki/${path.replace(/^\//, '')}`);
    url.searchParams.set('dream.out.format', 'json');
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { ...this.credentialHeaders() };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['Content-Type'] = options.contentType ?? (typeof options.body === 'string' ? 'text/plain' : 'application/json');
    }
    const res = await this.fetchImpl(url, { method, headers, body });
    const text = await res.text();
    let doc: JsonDoc = {};
    try {
      doc = text ? (JSON.parse(text) as JsonDoc) : {};
    } catch {
      doc = { '#text': text };
    }
    if (!res.ok)
      throw new GatehouseError(
        res.status,
        typeof doc.message === 'string' ? doc.message : res.statusText,
        doc,
        res.headers.get('X-Gatehouse-Error') ?? undefined,
      );
    return doc;
  }

  currentUser(): Promise<JsonDoc> {
    return this.request('GET', 'users/current');
  }

  pageContents(id: string | number = 'home'): Promise<JsonDoc> {
    return this.request('GET', `pages/${id}/contents`);
  }

  createToken(token: {
    type: 'server' | 'browser' | 'oauth';
    name: string;
    host?: string;
    restrictedByUserId?: number;
    generateJwt?: boolean;
  }): Promise<JsonDoc> {
    const body: JsonDoc = { '@type': token.type, name: token.name };
    if (token.host !== undefined) body.host = token.host;
    if (token.restrictedByUserId !== undefined) body['restricted-by-user-id'] = String(token.restrictedByUserId);
    if (token.generateJwt !== undefined) body['generate-jwt'] = String(token.generateJwt);
    return this.request('POST', 'site/developer-tokens', { body });
  }

  listTokens(): Promise<JsonDoc> {
    return this.request('GET', 'site/developer-tokens');
  }

  deleteToken(id: string | number): Promise<JsonDoc> {
    return this.request('DELETE', `site/developer-tokens/${id}`);
  }
}

/** Expert's JSON collapses a single child to an object; this always gives an array. */
export function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
