/**
 * The setup most test files begin with: a running site (`startServer`) and its admin signed in,
 * with token and user creation bound to that admin.
 */
import { createToken, createUser, signIn } from './http.js';
import { ADMIN_PASSWORD, type StartOptions, startServer, type TestServer } from './server.js';

export interface TestSite {
  readonly server: TestServer;
  /** The bootstrap admin's authtoken. */
  readonly admin: string;
  /** Creates a developer token as the admin; the create response, all strings. */
  createToken(doc: Record<string, unknown>): Promise<Record<string, string>>;
  /** Creates a user as the admin; its id. */
  createUser(user: Parameters<typeof createUser>[2]): Promise<number>;
}

export async function startSite(opts: StartOptions = {}): Promise<TestSite> {
  const server = await startServer(opts);
  const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
  return {
    server,
    admin,
    createToken: (doc) => createToken(server.url, admin, doc),
    createUser: (user) => createUser(server.url, admin, user),
  };
}
