/**
 * A site with one of each credential a gateway must pass, all for one seated, non-admin user
 * ("reader", role Viewer): a long-term JWT, a server token to sign with, a session and an OAuth
 * access token; plus an admin session. Used by the nginx, Caddy and built-in proxy tests.
 */
import { signServerToken } from '../../client/sign.js';
import { bearer, call, createToken, createUser, signIn } from './http.js';
import { createOAuthApp, oauthClient, obtainTokens } from './oauth.js';
import { ADMIN_PASSWORD, type StartOptions, startServer, type TestServer } from './server.js';

export const READER = { username: 'reader', password: 'reader-password-1', role: 'Viewer' } as const;

export interface GatewaySite {
  readonly server: TestServer;
  readonly admin: string;
  readonly readerId: number;
  readonly readerSession: string;
  /** `Bearer eyJ…`, bound to the reader. */
  readonly jwt: string;
  readonly tokenId: string;
  readonly oauthAccessToken: string;
  readonly oauthAppId: string;
  /** A fresh X-Deki-Token signature for the reader. */
  signature(): string;
  /** A new server token with a JWT for the reader, to delete: its id and `Bearer …`. */
  disposableJwt(): Promise<{ id: string; authorization: string }>;
  deleteToken(id: string): Promise<void>;
}

export async function startGatewaySite(opts: StartOptions = {}): Promise<GatewaySite> {
  const server = await startServer(opts);
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  const readerId = await createUser(server.url, admin, { ...READER, seat: true });
  const readerSession = await signIn(server.url, READER.username, READER.password);
  const token = await createToken(server.url, admin, { '@type': 'server', name: 'gateway', 'restricted-by-user-id': String(readerId) });
  const app = await createOAuthApp(server.url, admin, 'Gateway app', 'localhost');
  const tokens = await obtainTokens(server.url, await oauthClient(server.url, app), readerSession);
  const disposableJwt = async () => {
    const t = await createToken(server.url, admin, { '@type': 'server', name: 'disposable', 'restricted-by-user-id': String(readerId) });
    return { id: t['@id']!, authorization: t.authorization! };
  };
  const deleteToken = async (id: string) => {
    const res = await call(server.url, `/@api/deki/site/developer-tokens/${id}`, { method: 'DELETE', headers: bearer(admin) });
    if (res.status !== 200) throw new Error(`delete token failed: ${res.status} ${res.text}`);
  };
  return {
    server,
    admin,
    readerId,
    readerSession,
    jwt: token.authorization!,
    tokenId: token['@id']!,
    oauthAccessToken: tokens.access_token,
    oauthAppId: app.id,
    signature: () => signServerToken({ key: token.key!, secret: token.secret!, user: readerId }),
    disposableJwt,
    deleteToken,
  };
}
