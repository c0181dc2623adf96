/**
 * OAuth access tokens across nodes: read from each node's verification cache (so they are cached on
 * the node that did not issue them), and refused by every node on the first request after a
 * revoking answer — the token revoked (RFC 7009), its family revoked by a refresh-token replay, its
 * grant revoked, its user deactivated, its app deleted. Two processes on one SQLite data directory,
 * and two nodes on PostgreSQL when it is there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { ADMIN_PASSWORD, tempDir } from './helpers/server.js';
import { bearer, call, cookieHeaders, createUser, setUser, signIn } from './helpers/http.js';
import { type NodeProcess, startNode } from './helpers/node-process.js';
import { createOAuthApp, oauthClient, obtainTokens } from './helpers/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from './helpers/postgres.js';

const pgSkip = await postgresSkipReason();

for (const store of ['SQLite', 'PostgreSQL'] as const) {
  describe(`OAuth access tokens on two nodes (${store})`, { skip: store === 'PostgreSQL' ? pgSkip : undefined }, () => {
    let database: TestDatabase | undefined;
    let a: NodeProcess;
    let b: NodeProcess;
    let admin: string;

    before(async () => {
      // No GATEHOUSE_SITE_URL: each node's site URL follows its own port, so discovery on A names A.
      const shared: NodeJS.ProcessEnv = { GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD, GATEHOUSE_MASTER_KEY: Buffer.alloc(32, 23).toString('base64') };
      if (store === 'PostgreSQL') {
        database = await createTestDatabase();
        shared.GATEHOUSE_DATABASE_URL = database.url;
      } else shared.GATEHOUSE_DATA_DIR = tempDir();
      a = await startNode(shared);
      b = await startNode(shared);
      admin = await signIn(a.url, 'admin', ADMIN_PASSWORD);
    });
    after(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await database?.drop();
    });

    const me = (node: NodeProcess, accessToken: string) => call(node.url, '/@api/deki/users/current', { headers: bearer(accessToken) });

    /** A user, an app, and tokens for them obtained through A; the access token already answered by B. */
    async function issued(name: string) {
      const userId = await createUser(a.url, admin, { username: name, role: 'Author', password: `${name}-password-1` });
      const authtoken = await signIn(a.url, name, `${name}-password-1`);
      const app = await createOAuthApp(a.url, admin, `${name}'s app`);
      // A's site URL (the issuer it names) follows its port on localhost.
      const site = a.url.replace('127.0.0.1', 'localhost');
      const config = await oauthClient(site, app);
      const tokens = await obtainTokens(site, config, authtoken);
      for (let i = 0; i < 2; i++) {
        const res = await me(b, tokens.access_token);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.json.username, name);
      }
      return { userId, authtoken, app, config, tokens };
    }

    async function assertRefusedOnB(accessToken: string, message: string) {
      const res = await me(b, accessToken);
      assert.equal(res.status, 403, res.text);
      assert.equal(res.json.message, message);
    }

    test('the access token revoked on A: B refuses it once the revocation has answered', async () => {
      const { config, tokens } = await issued('oauth-revoked');
      await client.tokenRevocation(config, tokens.access_token);
      await assertRefusedOnB(tokens.access_token, 'invalid OAuth access token');
    });

    test('a refresh token replayed on A revokes its family: B refuses the new access token', async () => {
      const { config, tokens } = await issued('oauth-replayed');
      const next = await client.refreshTokenGrant(config, tokens.refresh_token!);
      assert.equal((await me(b, next.access_token)).status, 200);
      await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!));
      await assertRefusedOnB(next.access_token, 'invalid OAuth access token');
    });

    test('the grant revoked through A: B refuses its token', async () => {
      const { authtoken, tokens } = await issued('oauth-grant-revoked');
      const list = await call(a.url, '/@api/deki/users/current/authorizations', { headers: bearer(authtoken) });
      const id = (list.json.authorization as Record<string, string>)['@id'];
      const del = await call(a.url, `/@api/deki/users/current/authorizations/${id}`, { method: 'DELETE', headers: cookieHeaders(authtoken) });
      assert.equal(del.status, 200, del.text);
      await assertRefusedOnB(tokens.access_token, 'invalid OAuth access token');
    });

    test('the user deactivated on A: B refuses the token', async () => {
      const { userId, tokens } = await issued('oauth-deactivated');
      assert.equal((await setUser(a.url, admin, userId, { status: 'inactive' })).status, 200);
      await assertRefusedOnB(tokens.access_token, 'invalid user requesting');
    });

    test('the app deleted on A: B refuses its token', async () => {
      const { app, tokens } = await issued('oauth-app-deleted');
      const del = await call(a.url, `/@api/deki/site/developer-tokens/${app.id}`, { method: 'DELETE', headers: bearer(admin) });
      assert.equal(del.status, 200);
      await assertRefusedOnB(tokens.access_token, 'invalid OAuth access token');
    });
  });
}
