/**
 * The gateway phase: Gatehouse in front of another API. One Gatehouse with a built-in proxy route,
 * a small upstream (bench/peers/upstream.ts) and nginx with deploy/nginx.conf, measured side by
 * side in interleaved rounds:
 *
 *   verify, JWT and Anonymous      /@gatehouse/verify, as a ratio to Anonymous users/current
 *   upstream direct                the API alone: the ceiling
 *   built-in proxy, JWT            client → Gatehouse (check + forward) → upstream
 *   nginx + auth_request, JWT      client → nginx → (Gatehouse verify) + upstream
 *
 * Every client connection stays open for the whole round on both paths: nginx would otherwise close
 * each after 1,000 requests, and the load generator, which has already written the next request,
 * counts a reset and misplaces the latencies of what follows. "server µs/req" of the nginx path is
 * nginx's worker and Gatehouse together, of the built-in proxy Gatehouse alone (the upstream is in neither).
 */
import { startNginx, missing, NGINX } from '../../test/helpers/gateways.js';
import { type CompareOptions, compareTargets, rotating, type Target } from './compare.js';
import { CURRENT_USER, createServerTokens, signIn } from './gatehouse-api.js';
import type { LoadResult } from './load.js';
import { childPids, freePort, type Proc, startGatehouse, startPeer, tempDir } from './processes.js';
import type { Row } from './verdicts.js';

export interface GatewayFigures {
  anonymous: LoadResult;
  verifyJwt: LoadResult;
  verifyAnonymous: LoadResult;
  direct: LoadResult;
  builtin: LoadResult;
  /** Absent when nginx is not installed; `nginxMissing` says so. */
  nginx?: LoadResult | undefined;
  nginxMissing?: string | undefined;
}

export interface GatewayOptions extends CompareOptions {
  masterKey: string;
  dist: boolean;
  tokens: number;
  /** Every process started, so the run stops them whatever happens. */
  started: (proc: Proc) => void;
  /** Temporary folders, removed by the run at the end. */
  dirs: string[];
}

const ITEMS = '/api/items';

export async function measureGateway(o: GatewayOptions): Promise<GatewayFigures> {
  const keep = (dir: string) => (o.dirs.push(dir), dir);
  const upstream = await startPeer('upstream', 'upstream.ts', {});
  o.started(upstream);
  const gatehouse = await startGatehouse({
    label: 'gatehouse-gateway',
    dataDir: keep(tempDir('gatehouse-bench-gateway-')),
    masterKey: o.masterKey,
    dist: o.dist,
    env: { GATEHOUSE_PROXY: `/api=${upstream.url}/api` },
  });
  o.started(gatehouse);
  const admin = await signIn(gatehouse);
  const jwts = rotating(await createServerTokens(gatehouse, admin, o.tokens, 'gateway'), (t) => ({ Authorization: `Bearer ${t.jwt}` }));

  const nginxMissing = missing(NGINX);
  let nginx: Proc | undefined;
  if (!nginxMissing) {
    const dir = keep(tempDir('gatehouse-bench-nginx-'));
    const port = await freePort();
    const g = await startNginx({ gateway: port, gatehouse: gatehouse.port, upstream: upstream.port }, dir, { keepaliveRequests: 1_000_000_000 });
    const cpuPids = [...childPids(g.pid), gatehouse.pid];
    nginx = { label: 'nginx', pid: g.pid, port, url: g.url, cpuPids, output: () => '', stop: g.stop };
    o.started(nginx);
  }

  const targets: Target[] = [
    { name: 'users/current, Anonymous', proc: gatehouse, headers: () => ({}), path: CURRENT_USER },
    { name: 'verify, JWT', proc: gatehouse, headers: jwts, path: '/@gatehouse/verify' },
    { name: 'verify, Anonymous', proc: gatehouse, headers: () => ({}), path: '/@gatehouse/verify?require=anyone' },
    { name: 'upstream direct', proc: upstream, headers: () => ({}), path: ITEMS },
    { name: 'built-in proxy, JWT', proc: gatehouse, headers: jwts, path: ITEMS },
    ...(nginx ? [{ name: 'nginx + auth_request, JWT', proc: nginx, headers: jwts, path: ITEMS }] : []),
  ];
  const m = await compareTargets(targets, o);
  return {
    anonymous: m.get('users/current, Anonymous')!,
    verifyJwt: m.get('verify, JWT')!,
    verifyAnonymous: m.get('verify, Anonymous')!,
    direct: m.get('upstream direct')!,
    builtin: m.get('built-in proxy, JWT')!,
    nginx: m.get('nginx + auth_request, JWT'),
    nginxMissing,
  };
}

const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;
const clean = (r: LoadResult) => Object.keys(r.statuses).length === 0 && r.errors === 0;
const cpu = (r: LoadResult) => `${n0(r.serverCpuUsPerReq)} µs CPU/req`;
/** What was not a 2xx, so a figure that is not a result says why: `[NOT ALL 2xx: 502 ×3, 1 connection error]`. */
function failures(r: LoadResult): string {
  const parts = Object.entries(r.statuses).map(([status, n]) => `${status} ×${n}`);
  if (r.errors > 0) parts.push(`${r.errors} connection error${r.errors === 1 ? '' : 's'}`);
  return ` [NOT ALL 2xx: ${parts.join(', ')}]`;
}
const figure = (r: LoadResult) => `${n0(r.rps)} req/s, p99 ${ms(r.p99Ms)}${clean(r) ? '' : failures(r)}`;

export function gatewayRows(g: GatewayFigures | undefined, skipped: string | undefined): Row[] {
  if (!g) return [{ measure: 'gateway', value: `not measured: ${skipped ?? 'not run'}`, target: '', verdict: 'not measured' }];
  const out: Row[] = [];
  for (const [name, r] of [
    ['JWT', g.verifyJwt],
    ['Anonymous', g.verifyAnonymous],
  ] as const) {
    const x = r.rps / g.anonymous.rps;
    out.push({
      measure: `/@gatehouse/verify, ${name}`,
      value: `${figure(r)} = ${x.toFixed(2)}× Anonymous users/current (${n0(g.anonymous.rps)} req/s)`,
      target: '≥ 0.95× Anonymous users/current',
      verdict: x >= 0.95 && clean(r) ? 'PASS' : 'MISS',
    });
  }
  out.push({ measure: 'upstream called directly', value: figure(g.direct), target: 'baseline', verdict: 'n/a' });
  const nginx = g.nginx;
  out.push({
    measure: 'built-in proxy (JWT) → upstream',
    value: `${figure(g.builtin)}, ${cpu(g.builtin)}${nginx ? `; nginx + auth_request → Gatehouse → upstream ${figure(nginx)}, ${cpu(nginx)} (${(g.builtin.rps / nginx.rps).toFixed(2)}×)` : ''}`,
    target: '≥ nginx + auth_request',
    verdict: !nginx ? 'not measured' : g.builtin.rps >= nginx.rps && clean(g.builtin) && clean(nginx) ? 'PASS' : 'MISS',
  });
  if (!nginx)
    out.push({ measure: 'nginx + auth_request (JWT) → Gatehouse → upstream', value: `not measured: ${g.nginxMissing}`, target: '', verdict: 'not measured' });
  return out;
}
