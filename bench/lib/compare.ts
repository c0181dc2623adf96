/**
 * Side-by-side comparison of several servers under the same request: each is checked, warmed up,
 * then measured in interleaved rounds (A B C, A B C, …) so that whatever else the machine does in
 * a given moment falls on all of them alike. Returns each target's best round (load.ts `bestOf`).
 */
import { CURRENT_USER, requestStatus } from './gatehouse-api.js';
import { bestOf, type LoadResult, runLoad } from './load.js';
import type { Proc } from './processes.js';

/** A credential source: called per request, returns that request's headers. */
export type Headers = () => Record<string, string>;

/** Cycles through a pool of credentials, one per request; the headers are built once, up front. */
export function rotating<T>(items: T[], toHeaders: (item: T) => Record<string, string>): Headers {
  const all = items.map(toHeaders);
  let i = 0;
  return () => all[i++ % all.length]!;
}

export interface Target {
  name: string;
  proc: Proc;
  headers: Headers;
  /** What is requested; users/current unless told. */
  path?: string | undefined;
}

export interface CompareOptions {
  rounds: number;
  connections: number;
  warmupSeconds: number;
  secondsPerRound: number;
  log: (line: string) => void;
  /** Every round is recorded here by target name. */
  keep: Record<string, LoadResult[]>;
}

/** Checks one request of each target gets a 200 before measuring, so a broken credential says so. */
async function check(t: Target): Promise<void> {
  const status = await requestStatus(t.proc, t.path ?? CURRENT_USER, t.headers());
  if (status !== 200) throw new Error(`${t.name}: ${t.path ?? 'users/current'} answered ${status}, not 200`);
}

export async function compareTargets(targets: Target[], o: CompareOptions): Promise<Map<string, LoadResult>> {
  for (const t of targets) await check(t);
  for (const t of targets) {
    await runLoad({ target: t.proc, path: t.path ?? CURRENT_USER, headers: t.headers, connections: o.connections, seconds: o.warmupSeconds });
  }
  const runs = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
  for (let round = 1; round <= o.rounds; round++) {
    for (const t of targets) {
      const r = await runLoad({ target: t.proc, path: t.path ?? CURRENT_USER, headers: t.headers, connections: o.connections, seconds: o.secondsPerRound });
      runs.get(t.name)!.push(r);
      o.log(
        `  round ${round}: ${t.name.padEnd(28)} ${Math.round(r.rps).toString().padStart(6)} req/s  p99 ${r.p99Ms.toFixed(2)} ms  server ${Math.round(r.serverCpuUsPerReq)} µs/req  other work ${r.otherCpu.toFixed(2)} cores`,
      );
    }
  }
  for (const [k, v] of runs) o.keep[k] = v;
  return new Map([...runs].map(([k, v]) => [k, bestOf(v)]));
}
