/**
 * `PORT=0`: `gatehouse serve` binds a free port, says which, and the site URL that follows the port
 * (the default `http://localhost:<port>`) is the bound one: documents' `@href` and a JWT's `iss`
 * carry it, never `:0`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearer, call, createToken, signIn } from './helpers/http.js';
import { startNode } from './helpers/node-process.js';
import { ADMIN_PASSWORD } from './helpers/server.js';

test('PORT=0 serves documents whose @href and JWT iss carry the bound port', async () => {
  // startNode runs `gatehouse serve` with PORT=0 and no GATEHOUSE_SITE_URL, and reads the bound address from its output.
  const node = await startNode({ GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD });
  try {
    const port = new URL(node.url).port;
    assert.match(port, /^[1-9]\d*$/);
    const site = `http://localhost:${port}`;
    const admin = await signIn(node.url, 'admin', ADMIN_PASSWORD);
    const me = await call(node.url, '/@api/deki/users/current', { headers: bearer(admin) });
    assert.equal(me.json['@href'], `${site}/@api/deki/users/1`);
    const token = await createToken(node.url, admin, { '@type': 'server', name: 'port zero', 'generate-jwt': 'true' });
    const jwt = token.authorization!.slice('Bearer '.length);
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { iss: string };
    assert.equal(claims.iss, `${site}/`, 'the site URL with its trailing slash, as Expert writes it');
    assert.equal((await call(node.url, '/@api/deki/users/current', { headers: bearer(jwt) })).json.username, 'admin', 'and the server accepts it');
    const missing = await call(node.url, '/@api/deki/nothing-here', { json: false });
    assert.match(missing.text, new RegExp(`<uri>${site}/@api/deki/nothing-here</uri>`), 'error documents too');
  } finally {
    await node.stop();
  }
});
