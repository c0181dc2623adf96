/**
 * The `listing` phase: managing tokens on a big site. One Gatehouse on SQLite with a million tokens
 * (filled as the scale phase fills them, bench/lib/bulk-tokens.ts), 100,000 users and 10,000,000
 * audit entries, written straight into the file; then the p99 of sequential requests an admin's
 * dashboard makes: the first page, a filtered page, a page by last use, the audit log by actor,
 * the user picker's search; and the server's RSS after. A second site with 100,000 tokens answers
 * `GET site/developer-tokens` without `limit` (streamed) while its peak RSS is read.
 * `--quick` divides every size by ten.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { bulkInsertTokens } from './bulk-tokens.js';
import { signIn, TOKENS } from './gatehouse-api.js';
import { cpuMs, memoryMiB, type Proc, startGatehouse, tempDir } from './processes.js';
import type { Row } from './verdicts.js';

export interface ListingOutcome {
  tokens: number;
  users: number;
  auditEntries: number;
  fillSeconds: number;
  /** p99 and p50 in ms, and the server's CPU per request (steady on a shared machine), by measure name. */
  latency: Record<string, { p50: number; p99: number; samples: number; cpuMsPerRequest?: number }>;
  rssAfter: number;
  unpaged: { tokens: number; ms: number; bytes: number; peakRss: number };
}

export const LISTING_TARGETS: Record<string, number> = {
  'first page': 50,
  'filtered page': 300,
  'page by last use': 100,
  'audit by actor': 100,
  'user search': 50,
};

const DAY = 86_400_000;

/** Runs `fill` with the table's secondary indexes dropped, then builds them again from their own SQL. */
function withoutIndexes(db: Database.Database, table: string, fill: () => void): void {
  const indexes = db.prepare(`select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null`).all(table) as {
    name: string;
    sql: string;
  }[];
  for (const i of indexes) db.exec(`drop index ${i.name}`);
  fill();
  for (const i of indexes) db.exec(i.sql);
}

/** Users `bench-user-0000001`… with full names, and audit entries spread over the last year, acted by them. */
function fillUsersAndAudit(dataDir: string, users: number, entries: number): void {
  const db = new Database(path.join(dataDir, 'gatehouse.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const now = Date.now();
    const firstUser = Number((db.prepare('select max(id) as id from users').get() as { id: number }).id) + 1;
    const addUser = db.prepare(
      `insert into users (username, username_key, email, fullname, status, seat, role, password_hash, created_at) values (?, ?, ?, ?, 'active', 1, 'Viewer', null, ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < users; i++) {
        const name = `bench-user-${String(i).padStart(7, '0')}`;
        addUser.run(name, name, `${name}@example.com`, `Bench User ${i}`, now);
      }
    })();
    const actions = ['token.create', 'token.update', 'token.delete', 'signin.success', 'signin.failure', 'user.update'];
    const addEntry = db.prepare(
      `insert into audit_log (at, action, actor_id, actor_name, credential, ip, target_type, target_id, details) values (?, ?, ?, ?, 'session:cookie', '10.0.0.1', 'token', ?, '{}')`,
    );
    withoutIndexes(db, 'audit_log', () => {
      const span = 365 * DAY;
      db.transaction(() => {
        for (let i = 0; i < entries; i++) {
          const u = (i * 7919) % users;
          addEntry.run(
            now - span + Math.floor((i * span) / entries),
            actions[i % actions.length],
            firstUser + u,
            `bench-user-${String(u).padStart(7, '0')}`,
            String(1 + (i % 1000)),
          );
        }
      })();
    });
    // A tenth of the tokens have been used, at scattered times: the order by last use has work to do.
    db.prepare('update developer_tokens set last_used_at = ? - (id * 7919 % 1000003) * 1000 where id % 10 = 0').run(now);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Sequential requests (an admin clicking, not a load test); each must answer 200. */
async function timeRequests(proc: Proc, authtoken: string, paths: (i: number) => string, samples: number) {
  const times: number[] = [];
  let cpu0 = 0;
  for (let i = 0; i < samples + 5; i++) {
    if (i === 5) cpu0 = cpuMs(proc.pid);
    const t0 = performance.now();
    const res = await fetch(`${proc.url}${paths(i)}`, { headers: { Authorization: `Bearer ${authtoken}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${paths(i)} answered ${res.status}`);
    if (i >= 5) times.push(performance.now() - t0); // the first few warm the caches
  }
  const cpuMsPerRequest = (cpuMs(proc.pid) - cpu0) / samples;
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), samples, cpuMsPerRequest };
}

async function setUpSite(label: string, masterKey: string, dist: boolean, dirs: string[]): Promise<string> {
  const dataDir = tempDir(`gatehouse-bench-${label}-`);
  dirs.push(dataDir);
  const proc = await startGatehouse({ label: `${label}-setup`, dataDir, masterKey, dist }); // runs the migrations
  await proc.stop();
  return dataDir;
}

export async function measureListingScale(o: {
  quick: boolean;
  masterKey: string;
  dist: boolean;
  log: (line: string) => void;
  dirs: string[];
}): Promise<ListingOutcome> {
  const scale = o.quick ? 10 : 1;
  const sizes = { tokens: 1_000_000 / scale, users: 100_000 / scale, audit: 10_000_000 / scale, unpaged: 100_000 / (o.quick ? 2 : 1) };
  const samples = o.quick ? 40 : 200;
  const t0 = performance.now();
  const dataDir = await setUpSite('listing', o.masterKey, o.dist, o.dirs);
  o.log(
    `  filling ${sizes.tokens.toLocaleString('en-US')} tokens, ${sizes.users.toLocaleString('en-US')} users, ${sizes.audit.toLocaleString('en-US')} audit entries`,
  );
  bulkInsertTokens(dataDir, sizes.tokens);
  fillUsersAndAudit(dataDir, sizes.users, sizes.audit);
  const fillSeconds = (performance.now() - t0) / 1000;
  o.log(`  filled in ${fillSeconds.toFixed(0)} s`);

  const latency: ListingOutcome['latency'] = {};
  const proc = await startGatehouse({ label: 'gatehouse-listing', dataDir, masterKey: o.masterKey, dist: o.dist });
  try {
    const admin = await signIn(proc);
    const json = 'dream.out.format=json';
    const pick = (i: number, n: number) => (i * 7919) % n;
    const queries: Record<string, (i: number) => string> = {
      'first page': () => `${TOKENS}?limit=50&${json}`,
      // A filler's full name matches it and the ten whose number continues it (…-12345, …-123450 to …-123459).
      'filtered page': (i) => `${TOKENS}?limit=50&filter=filler-${10_000 + pick(i, sizes.tokens / 100)}&${json}`,
      'page by last use': (i) => `${TOKENS}?limit=50&offset=${(i % 4) * 50}&sortby=-lastused&${json}`,
      'audit by actor': (i) => `/@api/deki/site/audit?limit=50&actor=bench-user-${String(pick(i, sizes.users)).padStart(7, '0')}&${json}`,
      'user search': (i) => `/@api/deki/users?usernamefilter=user-${String(pick(i, sizes.users)).padStart(7, '0').slice(0, 6)}&limit=8&${json}`,
    };
    for (const [name, path] of Object.entries(queries)) {
      latency[name] = await timeRequests(proc, admin, path, samples);
      o.log(
        `  ${name}: p50 ${latency[name]!.p50.toFixed(1)} ms, p99 ${latency[name]!.p99.toFixed(1)} ms, server CPU ${latency[name]!.cpuMsPerRequest!.toFixed(2)} ms/request`,
      );
    }
    const rssAfter = memoryMiB(proc.pid).rss;
    o.log(`  RSS after: ${Math.round(rssAfter)} MiB`);
    await proc.stop();

    const unpagedDir = await setUpSite('unpaged', o.masterKey, o.dist, o.dirs);
    bulkInsertTokens(unpagedDir, sizes.unpaged);
    const big = await startGatehouse({ label: 'gatehouse-unpaged', dataDir: unpagedDir, masterKey: o.masterKey, dist: o.dist });
    try {
      const authtoken = await signIn(big);
      const t1 = performance.now();
      const res = await fetch(`${big.url}${TOKENS}?${json}`, { headers: { Authorization: `Bearer ${authtoken}` } });
      // Read as it arrives: the client holds only a chunk at a time, like the server.
      let bytes = 0;
      for await (const chunk of res.body!) bytes += (chunk as Uint8Array).length;
      if (res.status !== 200) throw new Error(`unpaged list answered ${res.status}`);
      const unpaged = { tokens: sizes.unpaged, ms: performance.now() - t1, bytes, peakRss: memoryMiB(big.pid).peak };
      o.log(
        `  unpaged list of ${sizes.unpaged.toLocaleString('en-US')}: ${(unpaged.bytes / 1e6).toFixed(1)} MB in ${(unpaged.ms / 1000).toFixed(1)} s, peak RSS ${Math.round(unpaged.peakRss)} MiB`,
      );
      return { tokens: sizes.tokens, users: sizes.users, auditEntries: sizes.audit, fillSeconds, latency, rssAfter, unpaged };
    } finally {
      await big.stop();
    }
  } finally {
    await proc.stop().catch(() => undefined);
  }
}

export function listingRows(f: ListingOutcome | undefined): Row[] {
  if (!f) return [];
  const site = `${(f.tokens / 1e6).toLocaleString('en-US')}M tokens, ${(f.users / 1000).toLocaleString('en-US')}k users, ${(f.auditEntries / 1e6).toLocaleString('en-US')}M audit entries`;
  const rows: Row[] = Object.entries(LISTING_TARGETS).map(([name, target]) => {
    const l = f.latency[name];
    return {
      measure: `Listing p99, ${name} (${site})`,
      value: l
        ? `${l.p99.toFixed(1)} ms (p50 ${l.p50.toFixed(1)} ms${l.cpuMsPerRequest === undefined ? '' : `, ${l.cpuMsPerRequest.toFixed(2)} ms server CPU/req`})`
        : 'not measured',
      target: `≤ ${target} ms`,
      verdict: !l ? 'not measured' : l.p99 <= target ? 'PASS' : 'MISS',
    };
  });
  rows.push({
    measure: `Listing, server RSS after the phase (${site})`,
    value: `${Math.round(f.rssAfter)} MiB`,
    target: '≤ 300 MB',
    verdict: f.rssAfter * 1.048576 <= 300 ? 'PASS' : 'MISS',
  });
  rows.push({
    measure: `Listing without limit, ${f.unpaged.tokens.toLocaleString('en-US')} tokens streamed: peak server RSS`,
    value: `${Math.round(f.unpaged.peakRss)} MiB (${(f.unpaged.bytes / 1e6).toFixed(1)} MB in ${(f.unpaged.ms / 1000).toFixed(1)} s)`,
    target: '≤ 300 MB',
    verdict: f.unpaged.peakRss * 1.048576 <= 300 ? 'PASS' : 'MISS',
  });
  return rows;
}
