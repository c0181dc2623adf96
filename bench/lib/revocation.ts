/**
 * Revocation latency across two nodes on one PostgreSQL database: node A deletes a token
 * while a poller hammers node B with that token's JWT; the latency is from A's acknowledgement of
 * the DELETE to the first 403 from B. A request B answers 200 *after* it was sent later than the
 * acknowledgement is a stale accept, counted separately. Each run gets its own database, dropped after.
 * Anything missing (PostgreSQL, the `serve` support) is reported as "not measured", never a crash.
 */
import fs from 'node:fs';
import http from 'node:http';
import pg from 'pg';
import { createServerTokens, currentUserStatus, inBatches, signIn, TOKENS, type ServerToken } from './gatehouse-api.js';
import { quantile } from './load.js';
import { type Proc, startGatehouse, tempDir } from './processes.js';

export interface RevocationResult {
  measured: true;
  revocations: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Every revocation's latency in ms, in the order they were made (0.1 ms steps). */
  latenciesMs: number[];
  /** Requests B accepted although they were sent after A had acknowledged the DELETE. */
  staleAccepts: number;
  /** Revocations B still accepted after the per-revocation time limit. */
  timedOut: number;
  /** B answers other than 200/403 while polling (e.g. 503 when it cannot confirm it is current). */
  otherStatuses: Record<string, number>;
}

export type RevocationOutcome = RevocationResult | { measured: false; reason: string };

export interface RevocationOptions {
  adminUrl: string;
  count: number;
  masterKey: string;
  dist: boolean;
  profileDir?: string | undefined;
  log: (line: string) => void;
}

const LIMIT_MS = 5000;

/** One keep-alive connection per poller, like a busy integration's client. */
function getStatus(agent: http.Agent, node: Proc, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${node.url}/@api/deki/users/current?dream.out.format=json`, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

async function deleteToken(node: Proc, authtoken: string, id: number): Promise<number> {
  const res = await fetch(`${node.url}${TOKENS}/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${authtoken}` } });
  await res.arrayBuffer();
  return res.status;
}

async function revokeOnce(a: Proc, b: Proc, authtoken: string, token: ServerToken, agent: http.Agent, r: RevocationResult, latencies: number[]): Promise<void> {
  const headers = { Authorization: `Bearer ${token.jwt}` };
  let ack = Infinity;
  let refusedAt: number | undefined;
  const poller = (async () => {
    const start = performance.now();
    while (performance.now() - start < LIMIT_MS) {
      const sent = performance.now();
      const status = await getStatus(agent, b, headers);
      const received = performance.now();
      if (status === 403) {
        refusedAt = received;
        return;
      }
      if (status === 200) {
        if (sent > ack) r.staleAccepts++;
      } else {
        r.otherStatuses[status] = (r.otherStatuses[status] ?? 0) + 1;
      }
    }
  })();
  // Let the poller get going, so B is being asked when the revocation lands.
  await new Promise((res) => setTimeout(res, 2));
  const status = await deleteToken(a, authtoken, token.id);
  ack = performance.now();
  if (status !== 200) throw new Error(`node A answered ${status} to DELETE`);
  await poller;
  if (refusedAt === undefined) {
    r.timedOut++;
    latencies.push(LIMIT_MS);
  } else {
    // B may refuse before A's answer reaches us (NOTIFY goes out at commit): that is 0, not negative.
    latencies.push(Math.max(0, refusedAt - ack));
  }
}

export async function measureRevocation(o: RevocationOptions): Promise<RevocationOutcome> {
  const admin = new pg.Client({ connectionString: o.adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (err) {
    return { measured: false, reason: `PostgreSQL not reachable at ${o.adminUrl} (${(err as Error).message})` };
  }
  const dbName = `gatehouse_bench_${process.pid}`;
  const nodes: Proc[] = [];
  const dirs = [tempDir('gatehouse-bench-pga-'), tempDir('gatehouse-bench-pgb-')];
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = new URL(o.adminUrl);
    url.pathname = `/${dbName}`;
    const common = { masterKey: o.masterKey, databaseUrl: url.toString(), dist: o.dist, profileDir: o.profileDir };
    try {
      // One after the other: the first runs the migrations.
      nodes.push(await startGatehouse({ ...common, label: 'pg-node-a', dataDir: dirs[0]! }));
      nodes.push(await startGatehouse({ ...common, label: 'pg-node-b', dataDir: dirs[1]! }));
    } catch (err) {
      return { measured: false, reason: `serve did not start with GATEHOUSE_DATABASE_URL (${(err as Error).message.slice(0, 300)})` };
    }
    const [a, b] = nodes as [Proc, Proc];
    const authtoken = await signIn(a);
    o.log(`  creating ${o.count} tokens on node A`);
    const tokens = await createServerTokens(a, authtoken, o.count, 'revoke');
    // Every token must work on B first (and so be in B's cache, if it has one).
    const before = await inBatches(tokens, 8, (t) => currentUserStatus(b, { Authorization: `Bearer ${t.jwt}` }));
    const refused = before.filter((s) => s !== 200);
    if (refused.length > 0) {
      return {
        measured: false,
        reason: `${refused.length} of ${tokens.length} tokens created on node A were refused on node B before revocation (statuses ${[...new Set(refused)].join(', ')})`,
      };
    }

    const r: RevocationResult = {
      measured: true,
      revocations: 0,
      p50Ms: 0,
      p99Ms: 0,
      maxMs: 0,
      latenciesMs: [],
      staleAccepts: 0,
      timedOut: 0,
      otherStatuses: {},
    };
    const latencies: number[] = [];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    o.log(`  revoking ${o.count} tokens on A, polling B`);
    for (const t of tokens) await revokeOnce(a, b, authtoken, t, agent, r, latencies);
    agent.destroy();
    r.latenciesMs = latencies.map((x) => Math.round(x * 10) / 10);
    latencies.sort((x, y) => x - y);
    r.revocations = latencies.length;
    r.p50Ms = quantile(latencies, 0.5);
    r.p99Ms = quantile(latencies, 0.99);
    r.maxMs = latencies[latencies.length - 1] ?? NaN;
    return r;
  } finally {
    for (const n of nodes) await n.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}
