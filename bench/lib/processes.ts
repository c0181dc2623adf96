/**
 * Real server processes for the benchmark: Gatehouse (`cli serve`) and the peers, each its own OS
 * process on its own port, so what we measure is what an operator runs, and so /proc can tell us
 * its memory and CPU time without counting the load generator's.
 */
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, sleep, tempDir } from '../../scripts/lib/system.js';
import { SITE_URL } from '../peers/user-document.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every Gatehouse in a run uses this site URL, so a JWT's `iss` is valid on every node and copy. */
export { SITE_URL };
export const ADMIN_PASSWORD = 'bench-admin-password';

export interface Proc {
  readonly label: string;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  /**
   * Processes whose CPU time is this target's, when not `pid` alone: a gateway's workers and the
   * Gatehouse it asks, so "server µs/req" is what the whole path costs.
   */
  readonly cpuPids?: readonly number[];
  /** Last lines the process wrote to stderr/stdout, for "why did it not start". */
  output(): string;
  stop(): Promise<void>;
}

export { freePort, tempDir } from '../../scripts/lib/system.js';

/** Polls until the port answers HTTP at all (any status), or the process dies, or time runs out. */
async function waitForHttp(child: ChildProcess, url: string, timeoutMs: number, tail: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited (${child.exitCode ?? child.signalCode}) before listening: ${tail()}`);
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`not listening after ${timeoutMs} ms: ${tail()}`);
}

export interface SpawnSpec {
  label: string;
  /** Arguments after `node` (node flags, script, script arguments). */
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  /** Path polled to know it is up. */
  readyPath: string;
  /** Working directory; the repository unless told. */
  cwd?: string;
}

export async function spawnServer(spec: SpawnSpec): Promise<Proc> {
  const child = spawn(process.execPath, spec.args, { cwd: spec.cwd ?? REPO_ROOT, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-2000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${spec.port}`;
  const proc: Proc = {
    label: spec.label,
    pid: child.pid!,
    port: spec.port,
    url,
    output: () => tail.trim(),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      // SIGTERM lets `serve` close cleanly, which is also when --cpu-prof writes its profile.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitForHttp(child, url + spec.readyPath, 90_000, proc.output);
  } catch (err) {
    await proc.stop();
    throw new Error(`${spec.label}: ${(err as Error).message}`);
  }
  return proc;
}

/**
 * Where Gatehouse is run from: the work tree by default (what src/ does right now), or a snapshot of
 * a commit (`--ref`), so a figure can name the exact code it measured even while src/ is being
 * edited. The snapshot is `git archive` into a temporary folder, sharing the work tree's node_modules.
 */
let gatehouseRoot = REPO_ROOT;

export function useSnapshot(ref: string): { root: string; commit: string } {
  const commit = execSync(`git rev-parse --verify ${JSON.stringify(`${ref}^{commit}`)}`, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const root = tempDir('gatehouse-bench-src-');
  execSync(`git archive ${commit} | tar -x -C ${JSON.stringify(root)}`, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));
  gatehouseRoot = root;
  return { root, commit };
}

export interface GatehouseOptions {
  label: string;
  dataDir: string;
  masterKey: string;
  databaseUrl?: string;
  /** Run the compiled dist/src/cli.js instead of the TypeScript source through tsx. */
  dist: boolean;
  /** Write a V8 CPU profile into this folder when the process exits. */
  profileDir?: string | undefined;
  /** More settings for this process (`GATEHOUSE_PROXY`, …). */
  env?: NodeJS.ProcessEnv | undefined;
}

/** `gatehouse serve` on a free port, logging off, with the run's master key and site URL. */
export async function startGatehouse(o: GatehouseOptions): Promise<Proc> {
  const port = await freePort();
  // One folder per process: every thread writes a profile (tsx's loader runs in a worker thread),
  // and a fixed --cpu-prof-name would let the threads overwrite each other. The main thread's is the largest.
  const nodeFlags = o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(o.profileDir, o.label)}`] : [];
  const entry = o.dist ? ['dist/src/cli.js'] : ['--import', 'tsx', 'src/cli.ts'];
  // Every other setting at its default: a GATEHOUSE_* variable in the caller's shell must not change the figures.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GATEHOUSE_')));
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    GATEHOUSE_LOG_LEVEL: 'silent',
    GATEHOUSE_SITE_URL: SITE_URL,
    GATEHOUSE_MASTER_KEY: o.masterKey,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    GATEHOUSE_DATA_DIR: o.dataDir,
    // The revocation phase polls each revoked credential hundreds of times a second from one IP: with the
    // failure limit on, those refusals turn into 429s (still refusals, but not the 403 being timed).
    GATEHOUSE_AUTH_FAILURE_LIMIT: '1000000',
  };
  if (o.databaseUrl) env.GATEHOUSE_DATABASE_URL = o.databaseUrl;
  Object.assign(env, o.env);
  return spawnServer({
    label: o.label,
    args: [...nodeFlags, ...entry, 'serve', '--host', '127.0.0.1', '--port', String(port)],
    env,
    port,
    readyPath: '/@api/deki/users/current',
    cwd: gatehouseRoot,
  });
}

/** A peer from bench/peers/, run through tsx like Gatehouse's source. */
export async function startPeer(label: string, script: string, env: NodeJS.ProcessEnv): Promise<Proc> {
  const port = await freePort();
  return spawnServer({
    label,
    args: ['--import', 'tsx', path.join('bench', 'peers', script)],
    env: { ...process.env, ...env, PORT: String(port) },
    port,
    readyPath: '/health',
  });
}

/** Resident and peak resident memory of a process, in MiB, from /proc/<pid>/status. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export const CLK_TCK = (() => {
  try {
    return Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system, all threads) a process has used so far, in ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** CPU time of a target: its own, or that of every process it names in `cpuPids`. */
export function targetCpuMs(proc: Proc): number {
  return (proc.cpuPids ?? [proc.pid]).reduce((sum, pid) => sum + cpuMs(pid), 0);
}

/** The children of a process (nginx's workers), from /proc. */
export function childPids(pid: number): number[] {
  return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** CPU time the whole machine has spent busy (all cores, all processes) so far, in ms, from /proc/stat. */
export function machineBusyMs(): number {
  const first = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // cpu  user nice system idle iowait irq softirq steal ...
  const [user, nice, system, , , irq, softirq, steal] = first.trim().split(/\s+/).slice(1).map(Number);
  return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) / CLK_TCK;
}
