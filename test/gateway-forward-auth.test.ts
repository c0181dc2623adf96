/**
 * Gatehouse behind real nginx (`auth_request`, deploy/nginx.conf) and real Caddy (`forward_auth`,
 * deploy/Caddyfile), each in front of a small upstream: the checks every gateway must pass.
 */
import { after, before, describe } from 'node:test';
import { FORWARD_AUTH_GATEWAYS, type Gateway, missing } from './helpers/gateways.js';
import { type GatewayUnderTest, gatewayScenarios } from './helpers/gateway-scenarios.js';
import { startGatewaySite } from './helpers/gateway-site.js';
import { freePort, tempDir } from './helpers/server.js';
import { startUpstream } from './helpers/upstream.js';

for (const [name, binary, start] of FORWARD_AUTH_GATEWAYS) {
  describe(name, () => {
    const skip = missing(binary);
    let under: GatewayUnderTest;
    let gateway: Gateway;
    before(async () => {
      if (skip) return;
      const [site, upstream] = await Promise.all([startGatewaySite(), startUpstream()]);
      const ports = { gateway: await freePort(), gatehouse: Number(new URL(site.server.url).port), upstream: upstream.port };
      gateway = await start(ports, tempDir('gatehouse-gateway-'));
      under = { base: gateway.url, site, upstream };
    });
    after(async () => {
      await gateway?.stop();
      await under?.upstream.close();
      await under?.site.server.close();
    });
    gatewayScenarios(name, () => under, skip);
  });
}
