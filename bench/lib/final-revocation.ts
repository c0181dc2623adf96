/**
 * Final revocation: once a revoking answer has returned, no node accepts the revoked credential.
 * Three nodes on one fresh PostgreSQL database (`gatehouse_final_<pid>`, dropped after); each
 * revocation is made on one node while a poller on each of the two others sends the credential's
 * JWT back to back. A request *sent* after the revoking answer arrived and answered 200 is a stale
 * accept. Half the revocations delete a token, half deactivate the user its JWT acts as.
 *
 * Scenarios: all healthy; node B's LISTEN connection killed over and over; node C cut off from
 * PostgreSQL by a TCP proxy (the revoking answer must come within the bound + 100 ms, C must answer
 * 503 once the bound has passed and never 200 until it is back); and two processes on one SQLite
 * data directory.
 */
import fs from 'node:fs';
import http from 'node:http';
import pg from 'pg';
import { startTcpProxy, type TcpProxy } from '../../test/helpers/tcp-proxy.js';
import { CURRENT_USER, inBatches, signIn, TOKENS } from './gatehouse-api.js';
import { quantile } from './load.js';
import { type Proc, startGatehouse, tempDir } from './processes.js';
import type { Row } from './verdicts.js';

const BOUND_MS = 1000; // the default GATEHOUSE_STALENESS_BOUND_MS, which the nodes run with

export interface ScenarioResult {
  name: string;
  revocations: number;
  staleAccepts: number;
  /** Requests the pollers sent in all. */
  polled: number;
  revokeP50Ms: number;
  revokeP99Ms: number;
  revokeMaxMs: number;
  /** The revoking request's p99 by what it revoked: a token deleted, a user deactivated. */
  revokeP99ByKindMs?: Record<Victim['kind'], number>;
  /** Revoking requests answered 503 and sent again. */
  revokeRetries: number;
  /** Poller answers other than 200/403 (503 from the cut-off node). */
  otherStatuses: Record<string, number>;
  /** The cut-off node, once the bound had passed since the cut: its answers, and how long it took to be back. */
  cutOff?: { answers: Record<string, number>; backMs: number };
}

export type FinalRevocationOutcome = { measured: true; scenarios: ScenarioResult[] } | { measured: false; reason: string };

export interface FinalRevocationOptions {
  adminUrl: string;
  quick: boolean;
  masterKey: string;
  dist: boolean;
  log: (line: string) => void;
}

interface Victim {
  kind: 'token' | 'user';
  /** What the pollers send: the JWT of a token acting as the victim user. */
  jwt: string;
  revoke: (writer: Proc, agent: http.Agent) => Promise<number>;
}

/** One revoking request's latency, by what it revoked. */
type Revoke = { kind: Victim['kind']; ms: number };

function request(
  agent: http.Agent,
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** For setting up: a loaded machine can make a node answer 503 now and then (a pool timeout); ask again. */
async function patiently(send: () => Promise<{ status: number; text: string }>): Promise<{ status: number; text: string }> {
  for (let attempt = 0; ; attempt++) {
    const res = await send();
    if (res.status !== 503 || attempt === 5) return res;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const json = (authtoken: string) => ({ Authorization: `Bearer ${authtoken}`, 'Content-Type': 'application/json' });

/** Half tokens deleted, half users deactivated; every JWT acts as its own user. */
async function makeVictims(node: Proc, admin: string, count: number, tag: string): Promise<Victim[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  try {
    return await inBatches(
      Array.from({ length: count }, (_, i) => i),
      8,
      async (i) => {
        const user = await patiently(() =>
          request(agent, `${node.url}/@api/deki/users?dream.out.format=json`, {
            method: 'POST',
            headers: json(admin),
            body: JSON.stringify({ username: `final-${tag}-${i}`, 'license.seat': 'true', status: 'active', 'permissions.user': { role: 'Viewer' } }),
          }),
        );
        if (user.status !== 200) throw new Error(`user create answered ${user.status}: ${user.text.slice(0, 200)}`);
        const userId = (JSON.parse(user.text) as Record<string, string>)['@id']!;
        const token = await patiently(() =>
          request(agent, `${node.url}${TOKENS}?dream.out.format=json`, {
            method: 'POST',
            headers: json(admin),
            body: JSON.stringify({ '@type': 'server', name: `final-${tag}-${i}`, 'restricted-by-user-id': userId }),
          }),
        );
        if (token.status !== 200) throw new Error(`token create answered ${token.status}: ${token.text.slice(0, 200)}`);
        const doc = JSON.parse(token.text) as Record<string, string>;
        const kind = i % 2 === 0 ? 'token' : 'user';
        const revoke =
          kind === 'token'
            ? (writer: Proc, a: http.Agent) =>
                request(a, `${writer.url}${TOKENS}/${doc['@id']}`, { method: 'DELETE', headers: json(admin) }).then((r) => r.status)
            : (writer: Proc, a: http.Agent) =>
                request(a, `${writer.url}/@api/deki/users/${userId}`, {
                  method: 'PUT',
                  headers: json(admin),
                  body: JSON.stringify({ status: 'inactive' }),
                }).then((r) => r.status);
        return { kind, jwt: doc.authorization!.replace(/^Bearer /, ''), revoke };
      },
    );
  } finally {
    agent.destroy();
  }
}

interface Cluster {
  nodes: Proc[];
  agents: Map<Proc, http.Agent>;
  admin: string;
}

/** One revocation on `writer` while every node in `pollers` is asked back to back. */
async function revokeOnce(
  c: Cluster,
  writer: Proc,
  pollers: Proc[],
  victim: Victim,
  r: ScenarioResult,
  revokeMs: Revoke[],
  onAnswer?: (node: Proc, status: number, sent: number) => void,
): Promise<void> {
  let ack = Infinity;
  const headers = { Authorization: `Bearer ${victim.jwt}` };
  const firstAnswers: Promise<void>[] = [];
  const runs = pollers.map((node) => {
    let answered!: () => void;
    firstAnswers.push(new Promise<void>((res) => (answered = res)));
    return (async () => {
      const start = performance.now();
      let afterAck = 0;
      // Three answers to requests sent after the revoking answer: the first is the one that matters.
      while (afterAck < 3 && performance.now() - start < 10_000) {
        const sent = performance.now();
        const { status } = await request(c.agents.get(node)!, node.url + CURRENT_USER, { headers });
        r.polled++;
        answered();
        onAnswer?.(node, status, sent);
        if (sent > ack) {
          afterAck++;
          if (status === 200) r.staleAccepts++;
        }
        if (status !== 200 && status !== 403) r.otherStatuses[status] = (r.otherStatuses[status] ?? 0) + 1;
      }
    })();
  });
  await Promise.all(firstAnswers);
  const start = performance.now();
  // A 503 (a pool timeout on a loaded machine) is asked again; a DELETE whose first try did commit then answers 404.
  let status = 0;
  for (let attempt = 0; attempt < 5 && (attempt === 0 || status === 503); attempt++) {
    status = await victim.revoke(writer, c.agents.get(writer)!);
    if (status === 503) r.revokeRetries++;
  }
  ack = performance.now();
  if (status !== 200 && !(status === 404 && r.revokeRetries > 0)) throw new Error(`${writer.label} answered ${status} to a revoking request`);
  revokeMs.push({ kind: victim.kind, ms: ack - start });
  await Promise.all(runs);
  r.revocations++;
}

function finish(r: ScenarioResult, revokes: Revoke[]): ScenarioResult {
  const sorted = (kind?: Victim['kind']) =>
    revokes
      .filter((x) => kind === undefined || x.kind === kind)
      .map((x) => x.ms)
      .sort((x, y) => x - y);
  const all = sorted();
  return {
    ...r,
    revokeP50Ms: quantile(all, 0.5),
    revokeP99Ms: quantile(all, 0.99),
    revokeMaxMs: all[all.length - 1] ?? NaN,
    revokeP99ByKindMs: { token: quantile(sorted('token'), 0.99), user: quantile(sorted('user'), 0.99) },
  };
}

const emptyResult = (name: string): ScenarioResult => ({
  name,
  revocations: 0,
  staleAccepts: 0,
  polled: 0,
  revokeP50Ms: 0,
  revokeP99Ms: 0,
  revokeMaxMs: 0,
  revokeRetries: 0,
  otherStatuses: {},
});

/** Revocations with writers taken in turn from `writers`, pollers on every other node of `nodes`. */
async function scenario(
  c: Cluster,
  name: string,
  victims: Victim[],
  writers: Proc[],
  nodes: Proc[],
  onAnswer?: (node: Proc, status: number, sent: number) => void,
): Promise<ScenarioResult> {
  const r = emptyResult(name);
  const revokeMs: Revoke[] = [];
  for (const [i, v] of victims.entries()) {
    const writer = writers[i % writers.length]!;
    await revokeOnce(
      c,
      writer,
      nodes.filter((n) => n !== writer),
      v,
      r,
      revokeMs,
      onAnswer,
    );
  }
  return finish(r, revokeMs);
}

/** Every node answers every victim once (so each is cached everywhere before the scenarios). */
async function warm(c: Cluster, victims: Victim[]): Promise<void> {
  for (const node of c.nodes) {
    const statuses = await inBatches(
      victims,
      8,
      async (v) => (await patiently(() => request(c.agents.get(node)!, node.url + CURRENT_USER, { headers: { Authorization: `Bearer ${v.jwt}` } }))).status,
    );
    const bad = statuses.filter((s) => s !== 200);
    if (bad.length > 0) throw new Error(`${node.label} refused ${bad.length} fresh credentials (${[...new Set(bad)].join(', ')})`);
  }
}

async function cluster(nodes: Proc[]): Promise<Cluster> {
  const agents = new Map(nodes.map((n) => [n, new http.Agent({ keepAlive: true, maxSockets: 4 })]));
  return { nodes, agents, admin: await signIn(nodes[0]!) };
}

/** Kills `node`'s LISTEN connection every 50 ms until stopped; returns how many times it did. */
function keepKillingListen(url: string, node: Proc): { stop: () => Promise<number> } {
  let kills = 0;
  let running = true;
  const loop = (async () => {
    const killer = new pg.Client({ connectionString: url });
    await killer.connect();
    while (running) {
      const res = await killer.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [`gatehouse-listen ${node.pid}`]);
      kills += res.rowCount ?? 0;
      await new Promise((r) => setTimeout(r, 50));
    }
    await killer.end();
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return kills;
    },
  };
}

async function postgresScenarios(
  o: FinalRevocationOptions,
  counts: { alone: number; healthy: number; listen: number; cut: number },
): Promise<ScenarioResult[]> {
  const admin = new pg.Client({ connectionString: o.adminUrl, connectionTimeoutMillis: 3000 });
  await admin.connect();
  const dbName = `gatehouse_final_${process.pid}`;
  const nodes: Proc[] = [];
  const dirs = [0, 1, 2].map(() => tempDir('gatehouse-bench-final-'));
  let proxy: TcpProxy | undefined;
  let c: Cluster | undefined;
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = new URL(o.adminUrl);
    url.pathname = `/${dbName}`;
    proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    const viaProxy = new URL(url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const common = { masterKey: o.masterKey, dist: o.dist };
    const results: ScenarioResult[] = [];
    // One after the other: the first runs the migrations.
    for (const [i, label] of ['final-a', 'final-b', 'final-c'].entries()) {
      nodes.push(await startGatehouse({ ...common, label, dataDir: dirs[i]!, databaseUrl: (i === 2 ? viaProxy : url).toString() }));
      if (i > 0) continue;
      // The baseline: the same revoking requests on a node with no other node to wait for.
      const alone = await cluster(nodes);
      o.log(`  node A alone: ${counts.alone} revocations (the baseline)`);
      const first = await makeVictims(nodes[0]!, alone.admin, counts.alone, 'alone');
      results.push(await scenario(alone, 'PostgreSQL, node A alone (baseline)', first, nodes, nodes));
      for (const agent of alone.agents.values()) agent.destroy();
    }
    const [a, b, cNode] = nodes as [Proc, Proc, Proc];
    c = await cluster(nodes);
    const total = counts.healthy + counts.listen + counts.cut;
    o.log(`  creating ${total} users and tokens`);
    const victims = await makeVictims(a, c.admin, total, 'pg');
    await warm(c, victims);
    o.log(`  healthy: ${counts.healthy} revocations, writers A, B, C in turn`);
    results.push(await scenario(c, 'PostgreSQL, 3 nodes healthy', victims.slice(0, counts.healthy), nodes, nodes));

    o.log(`  LISTEN of node B killed every 50 ms: ${counts.listen} revocations`);
    const killer = keepKillingListen(url.toString(), b);
    const listenResult = await scenario(
      c,
      "PostgreSQL, node B's LISTEN killed",
      victims.slice(counts.healthy, counts.healthy + counts.listen),
      [a, cNode],
      nodes,
    );
    const kills = await killer.stop();
    results.push({ ...listenResult, name: `${listenResult.name} (${kills} times)` });

    o.log(`  node C cut off from PostgreSQL: ${counts.cut} revocations`);
    const cutAt = performance.now();
    const answers: Record<string, number> = {};
    proxy.cut();
    const cut = await scenario(c, 'PostgreSQL, node C cut off', victims.slice(counts.healthy + counts.listen), [a, b], nodes, (node, status, sent) => {
      if (node === cNode && sent - cutAt > BOUND_MS * 1.01 + 2) answers[status] = (answers[status] ?? 0) + 1;
    });
    proxy.restore();
    const restoredAt = performance.now();
    const probe = victims[0]!; // revoked in the healthy scenario: C must refuse it once back
    for (;;) {
      const { status } = await request(c.agents.get(cNode)!, cNode.url + CURRENT_USER, { headers: { Authorization: `Bearer ${probe.jwt}` } });
      if (status === 200) throw new Error('node C accepted a revoked credential after the cut');
      if (status === 403) break;
      if (performance.now() - restoredAt > 20_000) throw new Error(`node C not back 20 s after the cut ended (${status})`);
      await new Promise((r) => setTimeout(r, 20));
    }
    results.push({ ...cut, cutOff: { answers, backMs: performance.now() - restoredAt } });
    return results;
  } finally {
    for (const agent of c?.agents.values() ?? []) agent.destroy();
    for (const n of nodes) await n.stop();
    await proxy?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

async function sqliteScenario(o: FinalRevocationOptions, count: number): Promise<ScenarioResult> {
  const dir = tempDir('gatehouse-bench-final-sqlite-');
  const nodes: Proc[] = [];
  let c: Cluster | undefined;
  try {
    nodes.push(await startGatehouse({ label: 'final-sqlite-a', dataDir: dir, masterKey: o.masterKey, dist: o.dist }));
    nodes.push(await startGatehouse({ label: 'final-sqlite-b', dataDir: dir, masterKey: o.masterKey, dist: o.dist }));
    c = await cluster(nodes);
    o.log(`  SQLite, two processes on one data directory: ${count} revocations`);
    const victims = await makeVictims(nodes[0]!, c.admin, count, 'sqlite');
    await warm(c, victims);
    return await scenario(c, 'SQLite, 2 processes on one data directory', victims, nodes, nodes);
  } finally {
    for (const agent of c?.agents.values() ?? []) agent.destroy();
    for (const n of nodes) await n.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureFinalRevocation(o: FinalRevocationOptions): Promise<FinalRevocationOutcome> {
  const counts = o.quick ? { alone: 10, healthy: 60, listen: 20, cut: 10, sqlite: 30 } : { alone: 100, healthy: 500, listen: 200, cut: 40, sqlite: 300 };
  try {
    const probe = new pg.Client({ connectionString: o.adminUrl, connectionTimeoutMillis: 3000 });
    await probe.connect();
    await probe.end();
  } catch (err) {
    return { measured: false, reason: `PostgreSQL not reachable at ${o.adminUrl} (${(err as Error).message})` };
  }
  let scenarios: ScenarioResult[];
  try {
    scenarios = await postgresScenarios(o, counts);
    scenarios.push(await sqliteScenario(o, counts.sqlite));
  } catch (err) {
    o.log(`  not measured: ${(err as Error).message}`);
    return { measured: false, reason: (err as Error).message.slice(0, 300) };
  }
  for (const s of scenarios) {
    const cut = s.cutOff ? `; C after the bound: ${JSON.stringify(s.cutOff.answers)}, back in ${Math.round(s.cutOff.backMs)} ms` : '';
    const retried = s.revokeRetries ? ` (${s.revokeRetries} revoking requests answered 503 and sent again)` : '';
    const others = Object.keys(s.otherStatuses).length ? `; other poll answers ${JSON.stringify(s.otherStatuses)}` : '';
    o.log(
      `  ${s.name}: ${s.revocations} revocations${retried}, ${s.staleAccepts} stale accepts of ${s.polled} polls${others}; revoking request p50 ${s.revokeP50Ms.toFixed(1)} ms, p99 ${s.revokeP99Ms.toFixed(1)} ms, max ${s.revokeMaxMs.toFixed(1)} ms (p99 of token deletes ${s.revokeP99ByKindMs?.token.toFixed(1)} ms, of deactivations ${s.revokeP99ByKindMs?.user.toFixed(1)} ms)${cut}`,
    );
  }
  return { measured: true, scenarios };
}

/** The results-table rows: 0 stale accepts everywhere, the latency targets, the cut-off node's answers. */
export function finalRevocationRows(f: FinalRevocationOutcome | undefined): Row[] {
  if (!f) return [];
  if (!f.measured) return [{ measure: 'Final revocation', value: `not measured: ${f.reason}`, target: '0 stale accepts', verdict: 'not measured' }];
  const out: Row[] = [];
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  for (const s of f.scenarios) {
    if (s.polled === 0) {
      out.push({
        measure: `Revoking request, ${s.name}`,
        value: `p50 ${ms(s.revokeP50Ms)}, p99 ${ms(s.revokeP99Ms)}, max ${ms(s.revokeMaxMs)} (${s.revocations} revocations)`,
        target: 'baseline',
        verdict: 'n/a',
      });
      continue;
    }
    out.push({
      measure: `Final revocation, ${s.name}`,
      value: `${s.staleAccepts} stale accepts in ${s.revocations} revocations (${s.polled} polls); revoking request p50 ${ms(s.revokeP50Ms)}, p99 ${ms(s.revokeP99Ms)}, max ${ms(s.revokeMaxMs)}`,
      target: '0 stale accepts',
      verdict: s.staleAccepts === 0 && s.revocations > 0 ? 'PASS' : 'MISS',
    });
  }
  const healthy = f.scenarios.find((s) => s.name.includes('healthy'))!;
  out.push({
    measure: 'Final revocation, revoking request p99, 3 nodes healthy',
    value: ms(healthy.revokeP99Ms),
    target: '≤ 25 ms',
    verdict: healthy.revokeP99Ms <= 25 ? 'PASS' : 'MISS',
  });
  const cut = f.scenarios.find((s) => s.cutOff);
  if (cut?.cutOff) {
    out.push({
      measure: 'Final revocation, revoking request max, node C cut off',
      value: ms(cut.revokeMaxMs),
      target: `≤ ${BOUND_MS + 100} ms (bound + 100 ms)`,
      verdict: cut.revokeMaxMs <= BOUND_MS + 100 ? 'PASS' : 'MISS',
    });
    const answers = Object.entries(cut.cutOff.answers)
      .map(([st, n]) => `${n}×${st}`)
      .join(', ');
    const only503 = Object.keys(cut.cutOff.answers).every((st) => st === '503') && (cut.cutOff.answers['503'] ?? 0) > 0;
    out.push({
      measure: 'Final revocation, cut-off node answers once the bound has passed',
      value: `${answers}; back ${ms(cut.cutOff.backMs)} after the cut ended`,
      target: '503 only, never 200',
      verdict: only503 ? 'PASS' : 'MISS',
    });
  }
  return out;
}
