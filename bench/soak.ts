/**
 * `npm run soak`: holds a mixed load against one real `gatehouse serve` process
 * for 10 minutes (`--minutes N`, `--seconds N`), checks every answer, and reports errors (target 0)
 * and the server's resident memory from /proc/<pid>/status at the start and the end (target: within
 * 10 %). "Start" is after a warm-up (a tenth of the run, at most a minute), when the JIT, the
 * credential cache and the token pool have filled; the figure right after boot is shown beside it.
 *
 * The mix, per request: GET users/current with a long-term JWT, with a fresh server signature, or
 * with a session; anonymous page reads; token creations; revocations, each followed by checks that
 * the revoked JWT and signature are refused; and now and then a whole session (sign in, use, sign
 * out, refused). Every answer is checked for its status and who it acts as, or its exact message.
 *
 * A run of 3 minutes or more writes bench/results/soak.json and the Soak section of
 * docs/benchmarks.md; shorter runs only print. Exit status 1 if there was any error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { signServerToken } from '../client/sign.js';
import { execSync } from 'node:child_process';
import { sleep } from '../scripts/lib/system.js';
import { ADMIN_PASSWORD, freePort, memoryMiB, type Proc, REPO_ROOT, SITE_URL, spawnServer, tempDir, useSnapshot } from './lib/processes.js';
import { replaceSection } from './lib/doc-sections.js';
import { quantile } from './lib/load.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string' },
    seconds: { type: 'string' },
    workers: { type: 'string', default: '8' },
    ref: { type: 'string' },
    report: { type: 'boolean', default: false },
  },
});
const durationS = args.seconds ? Number(args.seconds) : Number(args.minutes ?? 10) * 60;
const WORKERS = Number(args.workers);
if (!(durationS > 0) || !(WORKERS > 0)) throw new TypeError('--minutes, --seconds and --workers must be positive numbers');
const WARMUP_S = Math.min(60, durationS / 10);
const WRITES_RESULTS = durationS >= 180;

const USERS = 10;
const BASE_TOKENS = 40;
/** Tokens made during the run that may exist at once; past this, revocations catch up. */
const LIVE_CREATED = 30;
const PASSWORD = 'soak user password';

type Kind = 'jwt' | 'signature' | 'session' | 'page' | 'create' | 'revoke' | 'session churn';
/** Out of 100 requests. Creations and revocations balance, so the store stays the same size. */
const MIX: [Kind, number][] = [
  ['jwt', 34],
  ['signature', 25],
  ['session', 20],
  ['page', 6],
  ['create', 7],
  ['revoke', 7],
  ['session churn', 1],
];

interface Token {
  id: string;
  key: string;
  secret: string;
  jwt: string;
  user: string;
  /** Set when a client starts revoking it: from then on a 403 for it is right too. */
  revoking?: boolean;
}

interface Outcome {
  requests: number;
  errors: number;
  ms: number[];
}

/**
 * What is run: the work tree (its HEAD, plus uncommitted changes if any), or with `--ref` a clean
 * snapshot of that commit, so the figures name the exact code measured.
 */
function codeUnderTest(): { cwd: string; commit: string } {
  if (args.ref) {
    const { root, commit } = useSnapshot(args.ref);
    return { cwd: root, commit: commit.slice(0, 12) };
  }
  const git = (cmd: string) => execSync(`git ${cmd}`, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const dirty = git('status --porcelain -- src client package.json') !== '';
  return { cwd: REPO_ROOT, commit: `${git('rev-parse --short=12 HEAD')}${dirty ? ' + uncommitted changes' : ''}` };
}
const code = codeUnderTest();

/** Starts `gatehouse serve` as an operator would, logging off, on a fresh data directory. */
async function startServer(dataDir: string): Promise<Proc> {
  const port = await freePort();
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GATEHOUSE_')));
  return spawnServer({
    label: 'gatehouse',
    args: ['--import', 'tsx', 'src/cli.ts', 'serve', '--host', '127.0.0.1', '--port', String(port)],
    env: {
      ...inherited,
      GATEHOUSE_LOG_LEVEL: 'silent',
      GATEHOUSE_SITE_URL: SITE_URL,
      GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      GATEHOUSE_DATA_DIR: dataDir,
      // The refusal checks send revoked credentials on purpose, hundreds a minute from one address:
      // with the default limit they would get 429 instead of the 403 each check asserts.
      GATEHOUSE_AUTH_FAILURE_LIMIT: '1000000',
    },
    port,
    readyPath: '/@api/deki/users/current',
    cwd: code.cwd,
  });
}

async function main(): Promise<void> {
  const dataDir = tempDir('gatehouse-soak-');
  const server = await startServer(dataDir);
  const base = server.url;
  const bootRss = memoryMiB(server.pid).rss;
  process.stdout.write(`Soak: ${durationS} s, ${WORKERS} clients, against pid ${server.pid} at ${base} (data in ${dataDir})\n`);

  const errors = new Map<string, number>();
  const samples: string[] = [];
  const outcomes = new Map<Kind, Outcome>(MIX.map(([k]) => [k, { requests: 0, errors: 0, ms: [] }]));
  const fail = (kind: Kind, what: string) => {
    const o = outcomes.get(kind)!;
    o.errors++;
    const key = `${kind}: ${what}`.slice(0, 300);
    errors.set(key, (errors.get(key) ?? 0) + 1);
    if (samples.length < 20) samples.push(`${new Date().toISOString()} ${key}`);
  };

  async function request(pathAndQuery: string, init: RequestInit = {}): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
    const url = `${base}${pathAndQuery}${pathAndQuery.includes('?') ? '&' : '?'}dream.out.format=json`;
    const res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // the authtoken of users/authenticate is plain text
    }
    return { status: res.status, json, text };
  }
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

  // Setup through the API, as an admin would.
  const admin = (await request('/@api/deki/users/authenticate', { headers: { Authorization: basic('admin', ADMIN_PASSWORD) } })).text;
  const users: { id: string; name: string; session: string }[] = [];
  for (let i = 0; i < USERS; i++) {
    const name = `soak-user-${i}`;
    const res = await request(`/@api/deki/users?accountpassword=${encodeURIComponent(PASSWORD)}`, {
      method: 'POST',
      headers: { ...bearer(admin), 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: name, 'license.seat': 'true', status: 'active', 'permissions.user': { role: 'Author' } }),
    });
    if (res.status !== 200) throw new Error(`setup: create user ${res.status} ${res.text}`);
    const session = (await request('/@api/deki/users/authenticate', { headers: { Authorization: basic(name, PASSWORD) } })).text;
    users.push({ id: res.json['@id'] as string, name, session });
  }
  let tokenCount = 0;
  async function createToken(): Promise<{ token?: Token; status: number; text: string }> {
    const user = users[tokenCount++ % users.length]!;
    const res = await request('/@api/deki/site/developer-tokens', {
      method: 'POST',
      headers: { ...bearer(admin), 'Content-Type': 'application/json' },
      body: JSON.stringify({ '@type': 'server', name: `soak ${tokenCount}`, 'restricted-by-user-id': user.id }),
    });
    if (res.status !== 200) return { status: res.status, text: res.text };
    const j = res.json as Record<string, string>;
    return {
      status: 200,
      text: '',
      token: { id: j['@id']!, key: j.key!, secret: j.secret!, jwt: (j.authorization ?? '').slice('Bearer '.length), user: user.name },
    };
  }
  const baseTokens: Token[] = [];
  for (let i = 0; i < BASE_TOKENS; i++) {
    const made = await createToken();
    if (!made.token) throw new Error(`setup: create token ${made.status} ${made.text}`);
    baseTokens.push(made.token);
  }
  // Tokens made during the run, oldest first: revocations take from the front, creations add at the back.
  const created: Token[] = [];
  for (let i = 0; i < LIVE_CREATED; i++) {
    const made = await createToken();
    if (!made.token) throw new Error(`setup: create token ${made.status} ${made.text}`);
    created.push(made.token);
  }

  const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;
  const usable = () => (created.length > 0 && Math.random() < 0.3 ? pick(created) : pick(baseTokens));
  let raced = 0;
  const expectUser = (kind: Kind, res: { status: number; json: Record<string, unknown>; text: string }, user: string, token?: Token, refusal?: string) => {
    if (res.status === 200 && res.json.username === user) return;
    // Another client revoked the token while this request was on its way: refused is right too.
    if (token?.revoking && res.status === 403 && res.json.message === refusal) return void raced++;
    fail(kind, `${res.status} ${String(res.json.username ?? res.json.message ?? res.text.slice(0, 100))} (expected 200 as ${user})`);
  };
  const expectRefused = (kind: Kind, res: { status: number; json: Record<string, unknown> }, message: string) => {
    if (res.status !== 403 || res.json.message !== message)
      fail(kind, `${res.status} ${String(res.json.message ?? res.json.username)} (expected 403 ${message})`);
  };
  const me = (headers: Record<string, string>) => request('/@api/deki/users/current', { headers });

  const steps: Record<Kind, () => Promise<void>> = {
    async jwt() {
      const t = usable();
      expectUser('jwt', await me(bearer(t.jwt)), t.user, t, 'invalid json web token');
    },
    async signature() {
      const t = usable();
      expectUser(
        'signature',
        await me({ 'X-Deki-Token': signServerToken({ key: t.key, secret: t.secret, user: `=${t.user}` }) }),
        t.user,
        t,
        'invalid server token signature',
      );
    },
    async session() {
      const u = pick(users);
      // Half as the dashboard sends it (cookie and the XHR marker), half as Bearer.
      const headers = Math.random() < 0.5 ? { Cookie: `authtoken=${u.session}`, 'X-Deki-Requested-With': 'XMLHttpRequest' } : bearer(u.session);
      expectUser('session', await me(headers), u.name);
    },
    async page() {
      const res = await request('/@api/deki/pages/home/info');
      if (res.status !== 200 || res.json['@id'] === undefined) fail('page', `${res.status} ${res.text.slice(0, 100)}`);
    },
    async create() {
      const made = await createToken();
      if (!made.token) return fail('create', `${made.status} ${made.text.slice(0, 100)}`);
      created.push(made.token);
    },
    async revoke() {
      if (created.length <= LIVE_CREATED / 2) return steps.create();
      const t = created.shift()!;
      t.revoking = true;
      const res = await request(`/@api/deki/site/developer-tokens/${t.id}`, { method: 'DELETE', headers: bearer(admin) });
      if (res.status !== 200) return fail('revoke', `DELETE ${res.status} ${res.text.slice(0, 100)}`);
      // Refused at once on this node (a revoked token stops working at once).
      expectRefused('revoke', await me(bearer(t.jwt)), 'invalid json web token');
      expectRefused(
        'revoke',
        await me({ 'X-Deki-Token': signServerToken({ key: t.key, secret: t.secret, user: `=${t.user}` }) }),
        'invalid server token signature',
      );
    },
    async 'session churn'() {
      const u = pick(users);
      const signIn = await request('/@api/deki/users/authenticate', { headers: { Authorization: basic(u.name, PASSWORD) } });
      if (signIn.status !== 200) return fail('session churn', `sign-in ${signIn.status} ${signIn.text.slice(0, 100)}`);
      const authtoken = signIn.text;
      expectUser('session churn', await me(bearer(authtoken)), u.name);
      const out = await request('/@api/deki/users/logout', { method: 'POST', headers: bearer(authtoken) });
      if (out.status !== 200) return fail('session churn', `logout ${out.status}`);
      expectRefused('session churn', await me(bearer(authtoken)), 'invalid authtoken');
    },
  };

  const wheel: Kind[] = MIX.flatMap(([kind, n]) => Array<Kind>(n).fill(kind));
  const startedAt = performance.now();
  const endAt = startedAt + durationS * 1000;
  let startRss: number | undefined;
  const rssSamples: { s: number; rss: number }[] = [];
  const sampler = setInterval(() => {
    const s = (performance.now() - startedAt) / 1000;
    const { rss } = memoryMiB(server.pid);
    rssSamples.push({ s: Math.round(s), rss: Math.round(rss * 10) / 10 });
    if (startRss === undefined && s >= WARMUP_S) startRss = rss;
  }, 5000);
  const progress = setInterval(() => {
    const done = [...outcomes.values()].reduce((n, o) => n + o.requests, 0);
    const errs = [...outcomes.values()].reduce((n, o) => n + o.errors, 0);
    const s = (performance.now() - startedAt) / 1000;
    process.stdout.write(
      `  ${s.toFixed(0)} s: ${done} requests (${(done / s).toFixed(0)}/s), ${errs} errors, RSS ${memoryMiB(server.pid).rss.toFixed(1)} MiB\n`,
    );
  }, 30_000);

  const worker = async (w: number) => {
    for (let i = w * 13; performance.now() < endAt; i++) {
      const kind = wheel[i % wheel.length]!;
      const o = outcomes.get(kind)!;
      const t0 = performance.now();
      try {
        await steps[kind]();
      } catch (err) {
        fail(kind, `no answer: ${(err as Error).message}`);
      }
      o.requests++;
      o.ms.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  clearInterval(sampler);
  clearInterval(progress);
  const elapsedS = (performance.now() - startedAt) / 1000;
  const end = memoryMiB(server.pid);
  startRss ??= rssSamples[0]?.rss ?? bootRss;
  const dbBytes = ['gatehouse.sqlite', 'gatehouse.sqlite-wal'].reduce(
    (n, f) => n + (fs.statSync(path.join(dataDir, f), { throwIfNoEntry: false })?.size ?? 0),
    0,
  );
  const alive = await request('/@api/deki/users/current', { headers: bearer(admin) });
  await server.stop();

  const kinds = [...outcomes].map(([kind, o]) => {
    const sorted = Float64Array.from(o.ms).sort();
    return { kind, steps: o.requests, errors: o.errors, p50Ms: round(quantile(sorted, 0.5)), p99Ms: round(quantile(sorted, 0.99)) };
  });
  const totalSteps = kinds.reduce((n, k) => n + k.steps, 0);
  const errorCount = kinds.reduce((n, k) => n + k.errors, 0);
  const growth = (end.rss - startRss) / startRss;
  const afterWarmup = rssSamples.filter((r) => r.s >= WARMUP_S).map((r) => r.rss);
  const result = {
    when: new Date().toISOString(),
    commit: code.commit,
    settings: { durationS, warmupS: WARMUP_S, workers: WORKERS, users: USERS, baseTokens: BASE_TOKENS, mix: Object.fromEntries(MIX) },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? '',
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    },
    elapsedS: round(elapsedS),
    steps: totalSteps,
    stepsPerSecond: round(totalSteps / elapsedS),
    errors: errorCount,
    errorKinds: Object.fromEntries(errors),
    errorSamples: samples,
    kinds,
    tokensCreated: tokenCount - BASE_TOKENS,
    racedRevocations: raced,
    rssMiB: {
      boot: round(bootRss),
      start: round(startRss),
      end: round(end.rss),
      peak: round(end.peak),
      minAfterWarmup: round(Math.min(...afterWarmup)),
      maxAfterWarmup: round(Math.max(...afterWarmup)),
      growthPercent: round(growth * 100),
    },
    rssSamples,
    databaseBytesAtEnd: dbBytes,
    serverAnsweredAtEnd: alive.status === 200,
  };

  process.stdout.write(`\n${summary(result)}\n`);
  if (WRITES_RESULTS) {
    const json = path.join(REPO_ROOT, 'bench', 'results', 'soak.json');
    fs.mkdirSync(path.dirname(json), { recursive: true });
    fs.writeFileSync(json, JSON.stringify(result, null, 2) + '\n');
    writeDocSection(markdown(result));
    process.stdout.write(`Wrote ${path.relative(REPO_ROOT, json)} and the Soak section of docs/benchmarks.md\n`);
  } else {
    process.stdout.write('(a run under 3 minutes is a smoke test: nothing written)\n');
  }
  process.exitCode = errorCount > 0 || !result.serverAnsweredAtEnd ? 1 : 0;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

const mib = (n: number) => n.toFixed(1);

type Result = {
  when: string;
  commit: string;
  settings: { durationS: number; warmupS: number; workers: number };
  machine: { cpus: number; cpuModel: string; memGiB: number; node: string; loadAverage: number[] };
  elapsedS: number;
  steps: number;
  stepsPerSecond: number;
  errors: number;
  errorKinds: Record<string, number>;
  kinds: { kind: string; steps: number; errors: number; p50Ms: number; p99Ms: number }[];
  tokensCreated: number;
  racedRevocations: number;
  rssMiB: { boot: number; start: number; end: number; peak: number; minAfterWarmup: number; maxAfterWarmup: number; growthPercent: number };
  databaseBytesAtEnd: number;
};

const verdict = (ok: boolean) => (ok ? '**PASS**' : '**MISS**');

function summary(r: Result): string {
  const lines = [
    `Soak: ${r.elapsedS.toFixed(0)} s, ${r.steps} steps (${r.stepsPerSecond.toFixed(0)}/s), ${r.errors} errors`,
    `RSS: ${r.rssMiB.start} MiB at the start (after ${r.settings.warmupS} s of warm-up; ${r.rssMiB.boot} MiB at boot), ${r.rssMiB.end} MiB at the end: ${r.rssMiB.growthPercent >= 0 ? '+' : ''}${r.rssMiB.growthPercent}% (peak ${r.rssMiB.peak} MiB)`,
    ...r.kinds.map((k) => `  ${k.kind.padEnd(14)} ${String(k.steps).padStart(8)} steps, ${k.errors} errors, p50 ${k.p50Ms} ms, p99 ${k.p99Ms} ms`),
  ];
  for (const [what, n] of Object.entries(r.errorKinds)) lines.push(`  error ×${n}: ${what}`);
  return lines.join('\n');
}

function markdown(r: Result): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  const rows = r.kinds.map((k) => `| ${k.kind} | ${fmt(k.steps)} | ${k.errors} | ${k.p50Ms.toFixed(1)} ms | ${k.p99Ms.toFixed(1)} ms |`).join('\n');
  return `## Soak

Written by \`npm run soak\` (\`bench/soak.ts\`) on ${r.when}, Gatehouse at commit \`${r.commit}\`; raw figures in
\`bench/results/soak.json\`. One \`gatehouse serve\` process (SQLite, logging off) held a mixed load from
${r.settings.workers} clients for ${(r.elapsedS / 60).toFixed(1)} minutes, every answer checked.

| Measure | Value | Target | Result |
|---|---|---|---|
| Errors (wrong status, wrong user, wrong message, no answer) | ${fmt(r.errors)} of ${fmt(r.steps)} steps | 0 | ${verdict(r.errors === 0)} |
| Server RSS, start → end | ${mib(r.rssMiB.start)} → ${mib(r.rssMiB.end)} MiB (${r.rssMiB.growthPercent >= 0 ? '+' : ''}${r.rssMiB.growthPercent.toFixed(1)}%) | within 10% | ${verdict(Math.abs(r.rssMiB.growthPercent) <= 10)} |

- RSS is VmRSS from \`/proc/<pid>/status\`, sampled every 5 s. "Start" is after ${r.settings.warmupS} s of warm-up (a tenth
  of the run, at most a minute: the JIT, the credential cache and the token pool fill up first); at boot it was
  ${mib(r.rssMiB.boot)} MiB. After the warm-up it stayed between ${mib(r.rssMiB.minAfterWarmup)} and ${mib(r.rssMiB.maxAfterWarmup)} MiB; peak (VmHWM) ${mib(r.rssMiB.peak)} MiB.
  Much of the rise from boot is scrypt's working memory: each password check takes 16 MiB, and sign-ins run
  concurrently (in a one-minute run without them the plateau was about 220 MiB instead of 285).
- ${fmt(r.steps)} steps at ${fmt(Math.round(r.stepsPerSecond))}/s; a step is one request, except a revocation (DELETE, then the
  revoked JWT and signature each checked for their 403) and a session churn (sign in, use, sign out, check the 403).
  ${fmt(r.tokensCreated)} tokens were created and about as many revoked; ${fmt(r.racedRevocations)} ${r.racedRevocations === 1 ? 'request' : 'requests'} with a token another client
  was revoking at that moment got its 403, which counts as right. The database (with its audit log) ended at
  ${(r.databaseBytesAtEnd / 2 ** 20).toFixed(1)} MiB on disk.
- The failure limit was raised for the run (\`GATEHOUSE_AUTH_FAILURE_LIMIT\`): the refusal checks send revoked
  credentials hundreds of times a minute from one address on purpose, and each must get its 403, not a 429.
- Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGiB} GiB, Node ${r.machine.node}, shared with other work
  (load average ${r.machine.loadAverage.join(' ')} at the end); the load generator runs on the same 2 cores, so the rate is
  not a throughput figure (see above for those).

| Step | Count | Errors | p50 | p99 |
|---|---|---|---|---|
${rows}

Re-run: \`npm run soak\` (10 minutes), \`npm run soak -- --minutes 3\`, \`--seconds 30\` for a smoke test (runs under
3 minutes print only); \`--workers N\` (default 8); \`--ref=<commit>\` runs a clean snapshot of that commit instead of
the work tree; \`--report\` rewrites this section from \`soak.json\` without running. Exit status 1 if any step failed.
`;
}

/** Replaces the Soak section of docs/benchmarks.md, read just before writing: the rest of the page is `npm run bench`'s. */
function writeDocSection(section: string): void {
  const doc = path.join(REPO_ROOT, 'docs', 'benchmarks.md');
  const text = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8') : '# Benchmarks\n';
  fs.writeFileSync(doc, replaceSection(text, 'Soak', section));
}

if (args.report) {
  const json = path.join(REPO_ROOT, 'bench', 'results', 'soak.json');
  writeDocSection(markdown(JSON.parse(fs.readFileSync(json, 'utf8')) as Result));
  process.stdout.write('Rewrote the Soak section of docs/benchmarks.md from bench/results/soak.json\n');
} else {
  await main();
}
