/**
 * OAuth test helpers: register an app (a `type="oauth"` developer token), give it a standard client
 * (openid-client, configured by RFC 8414 discovery), and play the user's part on the consent page
 * over plain HTTP (the Chromium test does it in a real browser).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { bearer, call } from './http.js';

export interface OAuthApp {
  readonly id: string;
  readonly key: string;
  readonly secret: string;
}

/** Creates an OAuth app with the given redirect host patterns, as an admin. */
export async function createOAuthApp(base: string, adminAuthtoken: string, name: string, host = 'localhost,127.0.0.1'): Promise<OAuthApp> {
  const res = await call(base, '/@api/deki/site/developer-tokens', {
    method: 'POST',
    headers: { ...bearer(adminAuthtoken), 'Content-Type': 'application/json' },
    body: JSON.stringify({ '@type': 'oauth', name, host }),
  });
  if (res.status !== 200) throw new Error(`create OAuth app failed: ${res.status} ${res.text}`);
  return { id: res.json['@id'] as string, key: res.json.key as string, secret: res.json.secret as string };
}

/** openid-client configured by discovery; `basic` picks client_secret_basic over client_secret_post. */
export async function oauthClient(base: string, app: OAuthApp, auth: 'basic' | 'post' = 'basic'): Promise<client.Configuration> {
  const method = auth === 'basic' ? client.ClientSecretBasic(app.secret) : client.ClientSecretPost(app.secret);
  return client.discovery(new URL(`${base}/@app/auth/1`), app.key, undefined, method, { execute: [client.allowInsecureRequests], algorithm: 'oauth2' });
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** The fields and action of the page's POST form, as a browser would submit them. */
export function readForm(html: string): { action: string; fields: URLSearchParams } {
  const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error(`no form on the page: ${html.slice(0, 500)}`);
  const fields = new URLSearchParams();
  for (const m of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.append(
      m[1]!,
      m[2]!.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!),
    );
  }
  return { action: form[1]!, fields };
}

export interface PageResult {
  status: number;
  location: string | null;
  html: string;
}

async function fetchPage(url: string, init: RequestInit): Promise<PageResult> {
  const res = await fetch(url, { ...init, redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

/**
 * The user's part of the authorization code flow: opens the authorize URL with the user's session
 * cookie and, when the consent page shows, presses the button. Returns the final response: a
 * redirect to the app (`location`), or a page.
 */
export async function decide(base: string, authtoken: string, authorizeUrl: URL | string, decision: 'approve' | 'deny' = 'approve'): Promise<PageResult> {
  const cookie = { Cookie: `authtoken=${authtoken}` };
  const page = await fetchPage(String(authorizeUrl), { headers: cookie });
  if (page.status !== 200) return page;
  const { action, fields } = readForm(page.html);
  fields.set('decision', decision);
  return fetchPage(new URL(action, base).href, {
    method: 'POST',
    headers: { ...cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: new URL(base).origin },
    body: fields,
  });
}

/** A tiny "app" that receives the redirect: records each callback URL and answers 200. */
export async function startCallbackServer(): Promise<{ url: string; hits: URL[]; close(): Promise<void> }> {
  const hits: URL[] = [];
  const server = http.createServer((req, res) => {
    const { port } = server.address() as AddressInfo;
    hits.push(new URL(req.url ?? '/', `http://127.0.0.1:${port}`));
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('callback received');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/callback`, hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The whole authorization code flow with PKCE for a signed-in user; returns openid-client's token response. */
export async function obtainTokens(
  base: string,
  config: client.Configuration,
  authtoken: string,
  scope = 'profile',
  redirectUri = 'http://localhost:8089/oauth2/redirect',
) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const result = await decide(base, authtoken, url);
  if (!result.location) throw new Error(`authorize did not redirect: ${result.status} ${result.html.slice(0, 300)}`);
  return client.authorizationCodeGrant(config, new URL(result.location), { pkceCodeVerifier: verifier, expectedState: state });
}
