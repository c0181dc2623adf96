/**
 * Server CPU per `users/current` request by credential, for the work tree and (with `--ref`) a
 * snapshot of another commit side by side: one server each, short rounds interleaved across servers
 * and credentials, the minimum and median of the rounds, and the main thread's user and system time
 * apart from the other threads'. On a shared machine the minimum over many short rounds is the
 * steadiest figure; the full bench's verdicts move with whatever else runs.
 *
 *   node --import tsx bench/credentials-ab.ts [--ref=<commit>] [--rounds=7] [--seconds=2] [--dist]
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { type Headers, rotating } from './lib/compare.js';
import { CURRENT_USER, createServerTokens, signIn } from './lib/gatehouse-api.js';
import { runLoad } from './lib/load.js';
import { obtainAccessTokens } from './lib/oauth-tokens.js';
import { CLK_TCK, type Proc, startGatehouse, tempDir, useSnapshot } from './lib/processes.js';
import { makeSignaturePool } from './lib/signatures.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const ref = arg('ref');
const rounds = Number(arg('rounds') ?? 7);
const seconds = Number(arg('seconds') ?? 2);
// The compiled build (run `npm run build` first), as `npm start` runs it; --ref snapshots run from source.
const dist = process.argv.includes('--dist');
const KINDS = ['anonymous', 'session', 'jwt', 'signature', 'oauth'] as const;

interface Server {
  readonly name: string;
  readonly proc: Proc;
  readonly headers: Record<(typeof KINDS)[number], Headers>;
}

async function start(name: string): Promise<Server> {
  const proc = await startGatehouse({ label: name, dataDir: tempDir(`gatehouse-ab-${name}-`), masterKey: randomBytes(32).toString('base64'), dist });
  const admin = await signIn(proc);
  const tokens = await createServerTokens(proc, admin, 20, 'ab');
  const sessions = [admin];
  for (let i = 0; i < 4; i++) sessions.push(await signIn(proc));
  const oauth = await obtainAccessTokens(proc, admin, 10);
  const signatures = makeSignaturePool(tokens, rounds * seconds * KINDS.length * 2 + 120);
  let i = 0;
  return {
    name,
    proc,
    headers: {
      anonymous: () => ({}),
      session: rotating(sessions, (s) => ({ Authorization: `Bearer ${s}` })),
      jwt: rotating(tokens, (t) => ({ Authorization: `Bearer ${t.jwt}` })),
      signature: () => ({ 'X-Deki-Token': signatures.at(i++) }),
      oauth: rotating(oauth, (t) => ({ Authorization: `Bearer ${t}` })),
    },
  };
}

/** CPU ms so far of the process's main thread (user, system) and of all its other threads. */
function threadCpu(pid: number): { user: number; system: number; others: number } {
  const out = { user: 0, system: 0, others: 0 };
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let fields: string[];
    try {
      fields = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    } catch {
      continue; // a thread that ended meanwhile
    }
    const [user, system] = [Number(fields[11]), Number(fields[12])].map((ticks) => (ticks * 1000) / CLK_TCK) as [number, number];
    if (tid === String(pid)) Object.assign(out, { user: out.user + user, system: out.system + system });
    else out.others += user + system;
  }
  return out;
}

const servers = [await start('work tree')];
if (ref) {
  const snap = useSnapshot(ref);
  servers.unshift(await start(snap.commit.slice(0, 7)));
}
type Sample = { total: number; user: number; system: number; others: number };
const samples = new Map<string, Sample[]>();
try {
  for (const s of servers) for (const k of KINDS) await runLoad({ target: s.proc, path: CURRENT_USER, headers: s.headers[k], connections: 10, seconds: 1 });
  for (let r = 0; r < rounds; r++) {
    for (const k of KINDS) {
      // Alternate which server goes first, so neither always follows the other's round.
      for (const s of r % 2 ? [...servers].reverse() : servers) {
        const before = threadCpu(s.proc.pid);
        const res = await runLoad({ target: s.proc, path: CURRENT_USER, headers: s.headers[k], connections: 10, seconds });
        const after = threadCpu(s.proc.pid);
        const per = (ms: number) => (ms * 1000) / res.requests;
        const sample = { user: per(after.user - before.user), system: per(after.system - before.system), others: per(after.others - before.others) };
        const key = `${s.name}|${k}`;
        samples.set(key, [...(samples.get(key) ?? []), { ...sample, total: sample.user + sample.system + sample.others }]);
      }
    }
    process.stderr.write(`round ${r + 1} of ${rounds}\n`);
  }
} finally {
  for (const s of servers) await s.proc.stop();
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const min = (xs: number[]) => sorted(xs)[0]!;
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)]!;
process.stdout.write(`µs of server CPU per request; ${rounds} rounds of ${seconds} s, 10 connections (autocannon); ratios to Anonymous on the same server\n`);
for (const s of servers) {
  const base = samples.get(`${s.name}|anonymous`)!;
  for (const k of KINDS) {
    const xs = samples.get(`${s.name}|${k}`)!;
    const total = xs.map((x) => x.total);
    const ratio = (f: (v: number[]) => number) => (f(total) / f(base.map((x) => x.total))).toFixed(2);
    // Each round's figure over the same round's Anonymous: what the host did to that round cancels out.
    const paired = median(total.map((t, r) => t / base[r]!.total)).toFixed(2);
    process.stdout.write(
      `${s.name.padEnd(10)} ${k.padEnd(10)} min ${min(total).toFixed(1).padStart(5)} (${ratio(min)}×)  median ${median(total).toFixed(1).padStart(5)} (${ratio(median)}×)  paired median ${paired}×` +
        `  main thread user ${min(xs.map((x) => x.user)).toFixed(1)}, system ${min(xs.map((x) => x.system)).toFixed(1)}, other threads ${min(xs.map((x) => x.others)).toFixed(1)} (minima)\n`,
    );
  }
}
