/**
 * `npm run bench`: measures the speed targets side by side in one run and writes the results
 * (bench/lib/report.ts). Phases, in order, each skipped with a reason rather than failing the run:
 *
 *   setup       one Gatehouse makes the tokens and sessions through the API, then stops; its data
 *               directory is copied and the copy filled to a million tokens (bench/lib/bulk-tokens.ts)
 *   throughput  users/current as Anonymous, session, JWT, signature, OAuth access token; the two peers (bench/peers/)
 *   wrk         the same credentials with wrk as the load generator (bench/lib/wrk.ts)
 *   scale       JWT and signature latency and RSS, small store vs the million-token copy
 *   create      token creations per second through the API
 *   revocation  two nodes on PostgreSQL (bench/lib/revocation.ts)
 *   final-revocation  three nodes on PostgreSQL, two processes on SQLite (bench/lib/final-revocation.ts)
 *   listing     paging, filtering and sorting tokens, the audit log and users on a big site (bench/lib/listing-scale.ts)
 *   gateway     /@gatehouse/verify, the built-in proxy and nginx + auth_request in front of an upstream (bench/lib/gateway.ts)
 *
 * Flags: --quick, --only=<phases>, --connections=N, --tsx, --profile, --ref=<commit>; --report rewrites
 * the doc from the last latest.json without measuring. Gatehouse runs as `npm start` runs it, from the
 * compiled dist/ that the run builds first; `--tsx` (and `--ref`, whose snapshot is not built) run the
 * TypeScript source through tsx instead.
 */
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bulkInsertTokens } from './lib/bulk-tokens.js';
import { compareTargets, rotating, type Target } from './lib/compare.js';
import { environment, snapshot } from './lib/environment.js';
import { createServerTokens, type ServerToken, signIn, TOKENS } from './lib/gatehouse-api.js';
import { type LoadResult, runLoad } from './lib/load.js';
import { mintPeerJwts } from './lib/peer-tokens.js';
import { memoryMiB, type Proc, REPO_ROOT, startGatehouse, startPeer, tempDir, useSnapshot } from './lib/processes.js';
import { consoleTable, type RunRecord, type RunSettings, writeResults } from './lib/report.js';
import { measureFinalRevocation } from './lib/final-revocation.js';
import { measureListingScale } from './lib/listing-scale.js';
import { measureGateway } from './lib/gateway.js';
import { measureRevocation } from './lib/revocation.js';
import { obtainAccessTokens } from './lib/oauth-tokens.js';
import { makeSignaturePool } from './lib/signatures.js';
import { type Figures, rows, type Scale, type StoreFigures, type Throughput } from './lib/verdicts.js';
import { compareWithWrk, wrkMissing } from './lib/wrk.js';

const PHASES = ['throughput', 'wrk', 'scale', 'create', 'revocation', 'final-revocation', 'listing', 'gateway'] as const;
type Phase = (typeof PHASES)[number];

function flag(name: string): string | undefined {
  const hit = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : (hit.split('=')[1] ?? 'true');
}

const quick = flag('quick') !== undefined;
const only = flag('only')?.split(',');
for (const p of only ?? []) if (!(PHASES as readonly string[]).includes(p)) throw new TypeError(`--only: unknown phase '${p}' (${PHASES.join(', ')})`);
const settings: RunSettings = {
  quick,
  connections: Number(flag('connections') ?? 10),
  rounds: quick ? 1 : 4,
  scaleRounds: quick ? 1 : 4,
  secondsPerRound: quick ? 1.5 : 3,
  warmupSeconds: quick ? 0.5 : 1,
  smallStore: 1000,
  poolSize: quick ? 50 : 100,
  sessions: 10,
  largeStore: quick ? 100_000 : 1_000_000,
  revocations: quick ? 20 : 200,
  createSeconds: quick ? 2 : 5,
  gatehouse: flag('tsx') !== undefined || flag('ref') !== undefined ? 'tsx' : 'dist',
  ref: flag('ref'),
  phases: only ?? [...PHASES],
  partial: only !== undefined,
};
const profileDir = flag('profile') ? path.join(REPO_ROOT, 'bench', 'results', 'profiles') : undefined;
const wants = (p: Phase) => settings.phases.includes(p);
const t0 = performance.now();
const log = (line: string) =>
  process.stdout.write(`${line === '' || line.startsWith(' ') ? '' : `[${Math.round((performance.now() - t0) / 1000)} s] `}${line}\n`);
/** Every round of every comparison, for latest.json: the table shows each target's best round. */
const allRounds: Record<string, LoadResult[]> = {};
const compare = (targets: Target[], rounds: number) =>
  compareTargets(targets, {
    rounds,
    connections: settings.connections,
    warmupSeconds: settings.warmupSeconds,
    secondsPerRound: settings.secondsPerRound,
    log,
    keep: allRounds,
  });

async function main(): Promise<void> {
  const started = performance.now();
  const env = environment();
  const ours: number[] = [];
  const before = await snapshot();
  log(`Gatehouse benchmark (${quick ? 'quick' : 'full'}), node ${env.node}, ${env.cpus} cpus, load ${before.loadavg}`);
  for (const b of before.busiest) log(`  also running: ${b}`);

  const figures: Figures = { skipped: {} };
  const masterKey = randomBytes(32).toString('base64');
  const dirs: string[] = [];
  if (settings.gatehouse === 'dist') {
    // The figures are of the work tree as it is now, so its build is made now, not trusted from before.
    log('building dist/ (npm run build)');
    execSync('npm run build --silent', { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  if (settings.ref) {
    const snap = useSnapshot(settings.ref);
    settings.ref = snap.commit;
    dirs.push(snap.root);
    log(`Gatehouse from a snapshot of ${snap.commit} (not the work tree)`);
  }
  const procs: Proc[] = [];
  const start = async (p: Promise<Proc>) => {
    const proc = await p;
    procs.push(proc);
    ours.push(proc.pid);
    return proc;
  };
  const stop = async (proc: Proc) => {
    await proc.stop();
    procs.splice(procs.indexOf(proc), 1);
  };

  try {
    const needSite = wants('throughput') || wants('wrk') || wants('scale') || wants('create');
    let small: Proc | undefined;
    let tokens: ServerToken[] = [];
    let sessions: string[] = [];
    let accessTokens: string[] = [];
    // The peers start now, beside the setup: they have nothing to wait for.
    const peerSecret = randomBytes(64).toString('hex');
    const peerDir = tempDir('gatehouse-bench-peer-');
    dirs.push(peerDir);
    const peers = wants('throughput')
      ? Promise.all([
          start(
            startPeer('express-peer', 'express-jsonwebtoken-sqlite.ts', {
              PEER_JWT_SECRET: peerSecret,
              PEER_DB: path.join(peerDir, 'peer.sqlite'),
              PEER_TOKENS: String(settings.smallStore),
            }),
          ),
          start(startPeer('fastify-peer', 'fastify-jwt.ts', { PEER_JWT_SECRET: peerSecret })),
        ])
      : undefined;
    peers?.catch(() => undefined); // awaited (and reported) by the throughput phase
    let large: Promise<Proc> | undefined;
    if (needSite) {
      try {
        log(`setup: ${settings.poolSize} tokens, ${settings.sessions} sessions and ${settings.sessions} OAuth access tokens through the API`);
        const smallDir = tempDir('gatehouse-bench-small-');
        dirs.push(smallDir);
        const setup = await start(startGatehouse({ label: 'gatehouse-setup', dataDir: smallDir, masterKey, dist: settings.gatehouse === 'dist' }));
        const admin = await signIn(setup);
        tokens = await createServerTokens(setup, admin, settings.poolSize, 'bench');
        sessions = [];
        for (let i = 0; i < settings.sessions; i++) sessions.push(await signIn(setup));
        accessTokens = await obtainAccessTokens(setup, admin, settings.sessions);
        await stop(setup);
        // The rest of the small store is filler, like the large one's: only the pool is ever used.
        bulkInsertTokens(smallDir, settings.smallStore - settings.poolSize);
        if (wants('scale')) {
          const largeDir = tempDir('gatehouse-bench-large-');
          dirs.push(largeDir);
          fs.cpSync(smallDir, largeDir, { recursive: true });
          const fill = settings.largeStore - settings.smallStore;
          log(`setup: writing ${fill.toLocaleString('en-US')} filler tokens into a copy of the store`);
          const { ms } = bulkInsertTokens(largeDir, fill);
          log(`  done in ${(ms / 1000).toFixed(1)} s`);
          // Started now, with the small one; it stays idle until the scale phase.
          large = start(startGatehouse({ label: 'gatehouse-large', dataDir: largeDir, masterKey, dist: settings.gatehouse === 'dist', profileDir }));
          large.catch(() => undefined); // awaited (and reported) by the scale phase
        }
        small = await start(startGatehouse({ label: 'gatehouse-small', dataDir: smallDir, masterKey, dist: settings.gatehouse === 'dist', profileDir }));
      } catch (err) {
        // A work tree that does not start (a half-finished edit) still gets a table, with the reason.
        const reason = `Gatehouse on SQLite could not be set up: ${(err as Error).message.slice(0, 300)}`;
        log(`  ${reason}`);
        small = undefined;
        for (const phase of ['throughput', 'scale', 'create'] as const) if (wants(phase)) figures.skipped[phase] = reason;
      }
    }

    const pool = tokens;
    // Signatures for every second the throughput and scale phases can take, with room to spare.
    const signatures = makeSignaturePool(pool, 600);
    const gatehouse = (proc: Proc, label: string) => ({
      jwt: { name: `${label} JWT`, proc, headers: rotating(pool, (t) => ({ Authorization: `Bearer ${t.jwt}` })) },
      signature: {
        name: `${label} signature`,
        proc,
        headers: (() => {
          let i = 0;
          return () => ({ 'X-Deki-Token': signatures.at(i++) });
        })(),
      },
    });

    if (small && wants('throughput')) {
      log('throughput: users/current by credential, and the peers');
      try {
        const [express, fastify] = await peers!;
        const peerJwts = mintPeerJwts(peerSecret, settings.poolSize);
        const g = gatehouse(small, 'Gatehouse');
        const m = await compare(
          [
            { name: 'Anonymous', proc: small, headers: () => ({}) },
            { name: 'session', proc: small, headers: rotating(sessions, (s) => ({ Authorization: `Bearer ${s}` })) },
            g.jwt,
            g.signature,
            { name: 'OAuth access token', proc: small, headers: rotating(accessTokens, (t) => ({ Authorization: `Bearer ${t}` })) },
            { name: 'Express peer', proc: express, headers: rotating(peerJwts, (j) => ({ Authorization: `Bearer ${j}` })) },
            { name: 'Fastify peer', proc: fastify, headers: rotating(peerJwts, (j) => ({ Authorization: `Bearer ${j}` })) },
          ],
          settings.rounds,
        );
        const throughput: Throughput = {
          anonymous: m.get('Anonymous')!,
          session: m.get('session')!,
          jwt: m.get('Gatehouse JWT')!,
          signature: m.get('Gatehouse signature')!,
          oauth: m.get('OAuth access token')!,
          expressPeer: m.get('Express peer')!,
          fastifyPeer: m.get('Fastify peer')!,
        };
        figures.throughput = throughput;
        await Promise.all([stop(express), stop(fastify)]);
      } catch (err) {
        figures.skipped.throughput = (err as Error).message;
        log(`  not measured: ${(err as Error).message}`);
      }
    } else if (!wants('throughput')) figures.skipped.throughput = 'not selected (--only)';

    if (small && wants('wrk')) {
      const missing = wrkMissing();
      log(`wrk: users/current by credential, wrk as the load generator${missing ? ` (${missing})` : ''}`);
      try {
        if (missing) throw new Error(missing);
        const bearer = (values: string[]) => values.map((v) => ({ Authorization: `Bearer ${v}` }));
        const m = await compareWithWrk(
          [
            { name: 'Anonymous', proc: small, headers: [{}] },
            { name: 'session', proc: small, headers: bearer(sessions) },
            { name: 'JWT', proc: small, headers: bearer(pool.map((t) => t.jwt)) },
            { name: 'signature', proc: small, headers: (epoch) => signatures.forSecond(epoch).map((v) => ({ 'X-Deki-Token': v })) },
            { name: 'OAuth access token', proc: small, headers: bearer(accessTokens) },
          ],
          {
            rounds: settings.rounds,
            connections: settings.connections,
            warmupSeconds: 1,
            secondsPerRound: Math.ceil(settings.secondsPerRound),
            log,
            keep: allRounds,
          },
        );
        figures.wrk = {
          anonymous: m.get('Anonymous')!,
          session: m.get('session')!,
          jwt: m.get('JWT')!,
          signature: m.get('signature')!,
          oauth: m.get('OAuth access token')!,
        };
      } catch (err) {
        figures.skipped.wrk = (err as Error).message;
        log(`  not measured: ${(err as Error).message}`);
      }
    } else if (!wants('wrk')) figures.skipped.wrk = 'not selected (--only)';

    if (small && large && wants('scale')) {
      log(`scale: ${settings.smallStore.toLocaleString('en-US')} vs ${settings.largeStore.toLocaleString('en-US')} tokens`);
      try {
        const largeProc = await large;
        const a = gatehouse(small, 'small');
        const b = gatehouse(largeProc, 'large');
        const m = await compare([a.jwt, b.jwt, a.signature, b.signature], settings.scaleRounds);
        const figuresOf = (proc: Proc, label: string, count: number): StoreFigures => {
          const mem = memoryMiB(proc.pid);
          return { tokens: count, jwt: m.get(`${label} JWT`)!, signature: m.get(`${label} signature`)!, rss: mem.rss, peakRss: mem.peak };
        };
        const scale: Scale = { small: figuresOf(small, 'small', settings.smallStore), large: figuresOf(largeProc, 'large', settings.largeStore) };
        figures.scale = scale;
        await stop(largeProc);
      } catch (err) {
        figures.skipped.scale = (err as Error).message;
        log(`  not measured: ${(err as Error).message}`);
      }
    } else if (!wants('scale')) figures.skipped.scale = 'not selected (--only)';

    if (small && wants('create')) {
      log('create: POST site/developer-tokens');
      try {
        const admin = sessions[0]!;
        const req = {
          target: small,
          path: `${TOKENS}?dream.out.format=json`,
          method: 'POST' as const,
          body: JSON.stringify({ '@type': 'server', name: 'bench-create' }),
          headers: () => ({ Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' }),
          connections: settings.connections,
        };
        await runLoad({ ...req, seconds: settings.warmupSeconds });
        figures.creation = await runLoad({ ...req, seconds: settings.createSeconds });
        log(`  ${Math.round(figures.creation.rps)} tokens/s, p99 ${figures.creation.p99Ms.toFixed(2)} ms`);
      } catch (err) {
        figures.skipped.create = (err as Error).message;
        log(`  not measured: ${(err as Error).message}`);
      }
    } else if (!wants('create')) figures.skipped.create = 'not selected (--only)';
    if (small) await stop(small);

    if (wants('revocation')) {
      log('revocation: two nodes on PostgreSQL');
      try {
        figures.revocation = await measureRevocation({
          adminUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
          count: settings.revocations,
          masterKey,
          dist: settings.gatehouse === 'dist',
          profileDir,
          log,
        });
      } catch (err) {
        figures.revocation = { measured: false, reason: (err as Error).message };
      }
      if (!figures.revocation.measured) log(`  not measured: ${figures.revocation.reason}`);
    } else figures.skipped.revocation = 'not selected (--only)';
    if (wants('final-revocation')) {
      log('final-revocation: three nodes on PostgreSQL, two processes on SQLite');
      const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
      figures.finalRevocation = await measureFinalRevocation({ adminUrl, quick, masterKey, dist: settings.gatehouse === 'dist', log });
    }
    if (wants('listing')) {
      log('listing: token pages, filters and sorts, the audit log and users on a big site');
      figures.listing = await measureListingScale({ quick, masterKey, dist: settings.gatehouse === 'dist', log, dirs }).catch((err: unknown) => {
        figures.skipped.listing = (err as Error).message;
        log(`  not measured: ${(err as Error).message}`);
        return undefined;
      });
    } else figures.skipped.listing = 'not selected (--only)';
    if (wants('gateway')) {
      log('gateway: /@gatehouse/verify, the built-in proxy, nginx + auth_request, the upstream alone');
      try {
        figures.gateway = await measureGateway({
          masterKey,
          dist: settings.gatehouse === 'dist',
          tokens: settings.poolSize,
          rounds: settings.rounds,
          connections: settings.connections,
          warmupSeconds: settings.warmupSeconds,
          secondsPerRound: settings.secondsPerRound,
          log,
          keep: allRounds,
          started: (p) => void procs.push(p),
          dirs,
        });
      } catch (err) {
        figures.skipped.gateway = (err as Error).message;
        log(`  not measured: ${(err as Error).message}`);
      }
    } else figures.skipped.gateway = 'not selected (--only)';
  } finally {
    for (const p of [...procs]) await p.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }

  const after = await snapshot(ours);
  const table = rows(figures);
  const run = { settings, environment: env, before, after, durationSeconds: (performance.now() - started) / 1000, rows: table, figures, rounds: allRounds };
  process.stdout.write(`\n${consoleTable(table)}\n\n`);
  for (const file of writeResults(run)) log(`wrote ${path.relative(REPO_ROOT, file)}`);
  if (profileDir) log(`CPU profiles in ${path.relative(REPO_ROOT, profileDir)}/ (node --import tsx bench/profile-summary.ts <file>)`);
}

/** `--report`: rewrite docs/benchmarks.md from the last full run's latest.json (after editing findings.md or the text). */
function reportOnly(): void {
  const file = path.join(REPO_ROOT, 'bench', 'results', 'latest.json');
  const run = JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord;
  run.rows = rows(run.figures);
  process.stdout.write(`${consoleTable(run.rows)}\n\n`);
  for (const written of writeResults(run)) log(`wrote ${path.relative(REPO_ROOT, written)}`);
}

if (flag('report')) reportOnly();
else await main();
