/**
 * Past the failure limits, a gateway gives the client Gatehouse's 429 with Retry-After and the
 * message, not a 500 of its own (nginx's auth_request knows only 401 and 403; deploy/nginx.conf
 * maps the rest back), and a valid credential still passes. Real nginx and Caddy, each with a site
 * of its own whose limit is 3 failures a minute.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errors } from '../src/errors.js';
import { FORWARD_AUTH_GATEWAYS, type Gateway, missing } from './helpers/gateways.js';
import { type GatewaySite, startGatewaySite } from './helpers/gateway-site.js';
import { freePort, tempDir } from './helpers/server.js';
import { type Upstream, startUpstream } from './helpers/upstream.js';

for (const [name, binary, start] of FORWARD_AUTH_GATEWAYS) {
  describe(name, () => {
    const skip = missing(binary);
    let site: GatewaySite;
    let upstream: Upstream;
    let gateway: Gateway;
    before(async () => {
      if (skip) return;
      [site, upstream] = await Promise.all([startGatewaySite({ env: { GATEHOUSE_AUTH_FAILURE_LIMIT: '3' } }), startUpstream()]);
      gateway = await start(
        { gateway: await freePort(), gatehouse: Number(new URL(site.server.url).port), upstream: upstream.port },
        tempDir('gatehouse-gateway-'),
      );
    });
    after(async () => {
      await gateway?.stop();
      await upstream?.close();
      await site?.server.close();
    });

    test(`${name}: the fourth wrong JWT in a minute is 429 with Retry-After and the message; the right one still passes`, { skip }, async () => {
      // The reader's JWT with its signature's last characters changed: well formed, wrongly signed.
      const forged = `${site.jwt.slice(0, -6)}${site.jwt.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA'}`;
      const statuses: number[] = [];
      let refused: Response | undefined;
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${gateway.url}/api/limited-${i}`, { headers: { Authorization: forged } });
        statuses.push(res.status);
        if (res.status === 429) refused = res;
        else await res.text();
      }
      assert.deepEqual(statuses, [403, 403, 403, 429]);
      assert.match(refused!.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
      assert.equal(refused!.headers.get('x-gatehouse-error'), 'AUTH_RATE_LIMITED');
      assert.ok((await refused!.text()).includes(errors.AUTH_RATE_LIMITED[1]));
      assert.equal(upstream.requests.filter((r) => r.url.startsWith('/api/limited-')).length, 0, 'nothing refused reached the upstream');
      const valid = await fetch(`${gateway.url}/api/limited-valid`, { headers: { Authorization: site.jwt } });
      assert.equal(valid.status, 200, await valid.text());
    });
  });
}
