/**
 * What the machine was and what else it was doing: the machine is shared, so a figure means little
 * without the load average and the busiest other processes at the time it was taken.
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { REPO_ROOT } from './processes.js';

export interface Snapshot {
  at: string;
  loadavg: string;
  /** The processes, not this run's, that used the most CPU in the second measured. */
  busiest: string[];
}

export interface Environment {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  commit: string;
  /** Files changed in the work tree but not committed when the run started. */
  uncommitted: string[];
}

function sh(cmd: string): string {
  try {
    return execSync(cmd, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function environment(): Environment {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    commit: sh('git rev-parse --short HEAD'),
    uncommitted: sh('git status --porcelain --untracked-files=no')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3)),
  };
}

function cpuTicksByPid(): Map<number, { ticks: number; name: string }> {
  const out = new Map<number, { ticks: number; name: string }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.set(Number(entry), { ticks: Number(fields[11]) + Number(fields[12]), name: cmd || stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/**
 * The load average, and the processes (not this run's: `ours`) that used the most CPU over the
 * next second, measured from /proc: `ps` would give each one's average since it started.
 */
export async function snapshot(ours: number[] = []): Promise<Snapshot> {
  const mine = new Set([process.pid, ...ours]);
  const before = cpuTicksByPid();
  await new Promise((r) => setTimeout(r, 1000));
  const after = cpuTicksByPid();
  const busy: { pct: number; line: string }[] = [];
  for (const [pid, a] of after) {
    const b = before.get(pid);
    if (!b || mine.has(pid)) continue;
    const pct = a.ticks - b.ticks; // ticks per second at 100 Hz = percent of one core
    if (pct >= 2) busy.push({ pct, line: `${pct}% of a core: ${a.name.slice(0, 110)} (pid ${pid})` });
  }
  busy.sort((x, y) => y.pct - x.pct);
  return {
    at: new Date().toISOString(),
    loadavg: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    busiest: busy.slice(0, 6).map((b) => b.line),
  };
}
