/**
 * OAuth access tokens for the benchmark, obtained as an app would: an OAuth app is registered
 * through the API, and the authorization code flow with PKCE runs over plain HTTP, the admin's
 * session playing the user who approves the consent page.
 */
import { createHash, randomBytes } from 'node:crypto';
import { TOKENS } from './gatehouse-api.js';
import { type Proc, SITE_URL } from './processes.js';

const BASE = '/@app/auth/1/token';
const REDIRECT = 'http://127.0.0.1/bench-callback';

async function checked(res: Response, what: string): Promise<Response> {
  if (res.status >= 400) throw new Error(`${what} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return res;
}

/** The consent form's hidden fields and action, as a browser would submit them. */
function consentForm(html: string): { action: string; fields: URLSearchParams } {
  const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error('OAuth: no consent form on the authorize page');
  const fields = new URLSearchParams();
  const decode = (v: string) =>
    v
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  for (const m of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields.append(m[1]!, decode(m[2]!));
  return { action: form[1]!, fields };
}

/** One authorization: the code from the redirect, exchanged for an access token. */
async function authorizeOnce(target: Proc, app: { key: string; secret: string }, authtoken: string): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({
    client_id: app.key,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'profile',
    state: 'bench',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const cookie = { Cookie: `authtoken=${authtoken}` };
  let res = await checked(await fetch(`${target.url}${BASE}/authorize?${query}`, { headers: cookie, redirect: 'manual' }), 'OAuth authorize');
  if (res.status === 200) {
    const { action, fields } = consentForm(await res.text());
    fields.set('decision', 'approve');
    res = await checked(
      await fetch(new URL(action, target.url), {
        method: 'POST',
        headers: { ...cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: new URL(SITE_URL).origin },
        body: fields,
        redirect: 'manual',
      }),
      'OAuth consent',
    );
  }
  const code = new URL(res.headers.get('location') ?? REDIRECT).searchParams.get('code');
  if (!code) throw new Error(`OAuth authorize did not redirect with a code (${res.status})`);
  const token = await checked(
    await fetch(`${target.url}${BASE}/access.json`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${app.key}:${app.secret}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }),
    }),
    'OAuth token endpoint',
  );
  const { access_token } = (await token.json()) as { access_token?: string };
  if (!access_token) throw new Error('OAuth token endpoint gave no access_token');
  return access_token;
}

/** Registers one OAuth app and returns `count` access tokens acting as the session's user. */
export async function obtainAccessTokens(target: Proc, authtoken: string, count: number): Promise<string[]> {
  const res = await checked(
    await fetch(`${target.url}${TOKENS}?dream.out.format=json`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${authtoken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ '@type': 'oauth', name: 'bench-oauth', host: '127.0.0.1' }),
    }),
    'OAuth app create',
  );
  const app = (await res.json()) as { key: string; secret: string };
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) tokens.push(await authorizeOnce(target, app, authtoken));
  return tokens;
}
