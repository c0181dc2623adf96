/**
 * The same comparison as compare.ts with Debian's `wrk` as the load generator: a separate C process
 * rather than autocannon inside the harness, so a ratio cannot come from how the harness spends its
 * core. Rounds are interleaved across targets; each figure is the target's best round (load.ts `bestOf`).
 * Headers come from a pool file read by bench/lib/wrk-pool.lua.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompareOptions } from './compare.js';
import { CURRENT_USER } from './gatehouse-api.js';
import { bestOf, type LoadResult } from './load.js';
import { cpuMs, machineBusyMs, type Proc, tempDir } from './processes.js';

const SCRIPT = fileURLToPath(new URL('./wrk-pool.lua', import.meta.url));
export const WRK = process.env.BENCH_WRK ?? '/usr/bin/wrk';

export type HeaderSet = Record<string, string>;

export interface WrkTarget {
  name: string;
  proc: Proc;
  /** The same headers every second, or (time-based credentials) the headers valid in a given second. */
  headers: HeaderSet[] | ((epoch: number) => HeaderSet[]);
}

/** Writes the target's pool for a run of `seconds` starting now (with a margin either side). */
function writePool(dir: string, t: WrkTarget, seconds: number): string {
  const line = (epoch: number, h: HeaderSet) => [String(epoch), ...Object.entries(h).map(([k, v]) => `${k}: ${v}`)].join('\t');
  let lines: string[];
  if (Array.isArray(t.headers)) lines = t.headers.map((h) => line(0, h));
  else {
    const now = Math.floor(Date.now() / 1000);
    lines = [];
    for (let s = now - 2; s <= now + Math.ceil(seconds) + 5; s++) for (const h of t.headers(s)) lines.push(line(s, h));
  }
  const file = path.join(dir, `${t.name.replace(/\W+/g, '-')}.pool`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function wrk(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(WRK, args, { env, maxBuffer: 1 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`wrk: ${err.message} ${stderr}`)) : resolve(stdout))),
  );
}

async function runWrk(t: WrkTarget, dir: string, connections: number, seconds: number): Promise<LoadResult> {
  const pool = writePool(dir, t, seconds);
  const cpu0 = cpuMs(t.proc.pid);
  const machine0 = machineBusyMs();
  const wall0 = performance.now();
  // wrk takes whole seconds.
  const out = await wrk(['-t1', `-c${connections}`, `-d${Math.max(1, Math.round(seconds))}s`, '-s', SCRIPT, t.proc.url + CURRENT_USER], {
    ...process.env,
    WRK_POOL: pool,
  });
  const wall = performance.now() - wall0;
  const cpu = cpuMs(t.proc.pid) - cpu0;
  const json = out.split('\n').find((l) => l.startsWith('{"requests"'));
  if (!json) throw new Error(`wrk printed no summary: ${out.slice(0, 300)}`);
  const s = JSON.parse(json) as { requests: number; durationUs: number; non2xx: number; socketErrors: number; p50Us: number; p99Us: number; maxUs: number };
  const ok = s.requests - s.non2xx;
  // wrk's own CPU is inside "machine busy"; this separates the server's share from everything else.
  const others = machineBusyMs() - machine0 - cpu;
  return {
    requests: ok,
    rps: (ok * 1e6) / s.durationUs,
    p50Ms: s.p50Us / 1000,
    p99Ms: s.p99Us / 1000,
    maxMs: s.maxUs / 1000,
    statuses: s.non2xx ? { 'non-2xx': s.non2xx } : {},
    errors: s.socketErrors,
    serverCpuUsPerReq: ok ? (cpu * 1000) / ok : NaN,
    // wrk's CPU is not measured apart (it runs as a child for the round only); "other" then includes it.
    clientCpu: NaN,
    otherCpu: Math.max(0, others / wall),
  };
}

/** Whether wrk can be run here; the reason when not. */
export function wrkMissing(): string | undefined {
  return fs.existsSync(WRK) ? undefined : `${WRK} not found (Debian: apt-get install wrk; or set BENCH_WRK)`;
}

export async function compareWithWrk(targets: WrkTarget[], o: CompareOptions): Promise<Map<string, LoadResult>> {
  const dir = tempDir('gatehouse-bench-wrk-');
  try {
    for (const t of targets) await runWrk(t, dir, o.connections, o.warmupSeconds);
    const runs = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
    for (let round = 1; round <= o.rounds; round++) {
      for (const t of targets) {
        const r = await runWrk(t, dir, o.connections, o.secondsPerRound);
        runs.get(t.name)!.push(r);
        o.log(
          `  round ${round}: ${t.name.padEnd(28)} ${Math.round(r.rps).toString().padStart(6)} req/s  p99 ${r.p99Ms.toFixed(2)} ms  server ${Math.round(r.serverCpuUsPerReq)} µs/req  other work ${r.otherCpu.toFixed(2)} cores`,
        );
      }
    }
    for (const [k, v] of runs) o.keep[`wrk ${k}`] = v;
    return new Map([...runs].map(([k, v]) => [k, bestOf(v)]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
