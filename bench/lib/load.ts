/**
 * One load run: autocannon against one server for a fixed time, with per-request headers from a
 * cheap function (a pool of pre-made credentials). autocannon's own histogram keeps whole
 * milliseconds, too coarse for sub-millisecond latencies, so every response time is also kept
 * here and percentiles are computed exactly.
 */
import autocannon from 'autocannon';
import { machineBusyMs, type Proc, targetCpuMs } from './processes.js';

export interface LoadSpec {
  target: Proc;
  path: string;
  method?: 'GET' | 'POST';
  body?: string;
  /** Called for every request; must be cheap (an array lookup), it runs in the load generator. */
  headers: () => Record<string, string>;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Responses that were not 2xx, by status; any of them makes the figure suspect. */
  statuses: Record<string, number>;
  errors: number;
  /** Server CPU time per request (all its threads), from /proc: steadier than rps on a shared machine. */
  serverCpuUsPerReq: number;
  /** Share of one core the load generator (this process) used: near 1.0 means it, not the server, was the limit. */
  clientCpu: number;
  /**
   * Cores' worth of CPU that everything else on the machine used during the run (machine busy time
   * less the server's and the load generator's): how disturbed the figure was. The machine has 2 cores.
   */
  otherCpu: number;
}

class Durations {
  private buf = new Float64Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  sorted(): Float64Array {
    return this.buf.slice(0, this.length).sort();
  }
}

/** The value at quantile q of an ascending array (nearest rank). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const durations = new Durations();
  const statuses: Record<string, number> = {};
  const cpu0 = targetCpuMs(spec.target);
  const client0 = process.cpuUsage();
  const machine0 = machineBusyMs();
  const wall0 = performance.now();
  let done!: (r: autocannon.Result) => void;
  let failed!: (e: unknown) => void;
  const finished = new Promise<autocannon.Result>((res, rej) => {
    done = res;
    failed = rej;
  });
  const instance = autocannon(
    {
      url: spec.target.url,
      connections: spec.connections,
      duration: spec.seconds,
      requests: [
        {
          method: spec.method ?? 'GET',
          path: spec.path,
          ...(spec.body !== undefined ? { body: spec.body } : {}),
          setupRequest: (req) => ({ ...req, headers: { ...req.headers, ...spec.headers() } }),
        },
      ],
    },
    (err: unknown, result: autocannon.Result) => (err ? failed(err) : done(result)),
  );
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) durations.push(responseTime);
    else statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  const result = await finished;
  const wall = performance.now() - wall0;
  const client = process.cpuUsage(client0);
  const cpu = targetCpuMs(spec.target) - cpu0;
  const clientMs = (client.user + client.system) / 1000;
  const others = machineBusyMs() - machine0 - cpu - clientMs;
  const sorted = durations.sorted();
  return {
    requests: sorted.length,
    rps: (sorted.length * 1000) / wall,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted.length ? sorted[sorted.length - 1]! : NaN,
    statuses,
    errors: result.errors + result.timeouts,
    serverCpuUsPerReq: sorted.length ? (cpu * 1000) / sorted.length : NaN,
    clientCpu: clientMs / wall,
    otherCpu: Math.max(0, others / wall),
  };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The best of several rounds, figure by figure: the highest rate, the lowest latencies and CPU cost.
 * On a shared machine other work only ever slows a round down, so the best round is the closest to
 * what the code can do; every target gets the same treatment, and every round is kept in latest.json.
 */
export function bestOf(runs: LoadResult[]): LoadResult {
  const statuses: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const min = (f: (r: LoadResult) => number) => Math.min(...runs.map(f));
  return {
    requests: runs.reduce((n, r) => n + r.requests, 0),
    rps: Math.max(...runs.map((r) => r.rps)),
    p50Ms: min((r) => r.p50Ms),
    p99Ms: min((r) => r.p99Ms),
    maxMs: min((r) => r.maxMs),
    statuses,
    errors: runs.reduce((n, r) => n + r.errors, 0),
    serverCpuUsPerReq: min((r) => r.serverCpuUsPerReq),
    clientCpu: median(runs.map((r) => r.clientCpu)),
    otherCpu: median(runs.map((r) => r.otherCpu)),
  };
}
