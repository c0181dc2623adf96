/**
 * Turns a run's figures into the rows of the results table: each speed target with the value
 * measured and PASS or MISS, or "not measured" with the reason. One place, so the console table,
 * latest.json and docs/benchmarks.md can never disagree.
 */
import type { LoadResult } from './load.js';
import { type FinalRevocationOutcome, finalRevocationRows } from './final-revocation.js';
import { type ListingOutcome, listingRows } from './listing-scale.js';
import { type GatewayFigures, gatewayRows } from './gateway.js';
import type { RevocationOutcome } from './revocation.js';

export interface Throughput {
  anonymous: LoadResult;
  session: LoadResult;
  jwt: LoadResult;
  signature: LoadResult;
  /** Absent in runs from before OAuth access tokens were measured. */
  oauth?: LoadResult | undefined;
  expressPeer: LoadResult;
  fastifyPeer: LoadResult;
}

/** The same users/current comparison with wrk as the load generator. */
export interface WrkFigures {
  anonymous: LoadResult;
  session: LoadResult;
  jwt: LoadResult;
  signature: LoadResult;
  oauth: LoadResult;
}

export interface StoreFigures {
  tokens: number;
  jwt: LoadResult;
  signature: LoadResult;
  /** MiB, after the store's load runs. */
  rss: number;
  peakRss: number;
}

export interface Scale {
  small: StoreFigures;
  large: StoreFigures;
}

export interface Figures {
  throughput?: Throughput | undefined;
  wrk?: WrkFigures | undefined;
  scale?: Scale | undefined;
  creation?: LoadResult | undefined;
  revocation?: RevocationOutcome | undefined;
  finalRevocation?: FinalRevocationOutcome | undefined;
  listing?: ListingOutcome | undefined;
  gateway?: GatewayFigures | undefined;
  /** Why a phase was not run at all (`--only`, or it failed). */
  skipped: Record<string, string>;
}

export type Verdict = 'PASS' | 'MISS' | 'n/a' | 'not measured';

export interface Row {
  measure: string;
  value: string;
  target: string;
  verdict: Verdict;
}

const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;
const ratio = (x: number) => `${x.toFixed(2)}×`;
/** Server CPU per request: the steadiest figure on a shared machine, shown beside each rate. */
const cpu = (r: LoadResult) => `${n0(r.serverCpuUsPerReq)} µs CPU/req`;

/** A suffix warning that some responses were not 2xx: the figure then measures errors too. */
function suspect(r: LoadResult): string {
  const bad = Object.entries(r.statuses).map(([s, c]) => `${c}×${s}`);
  if (r.errors > 0) bad.push(`${r.errors} socket errors`);
  return bad.length ? ` [NOT ALL 2xx: ${bad.join(', ')}]` : '';
}

function clean(r: LoadResult): boolean {
  return Object.keys(r.statuses).length === 0 && r.errors === 0;
}

const verdict = (ok: boolean, ...runs: LoadResult[]): Verdict => (ok && runs.every(clean) ? 'PASS' : 'MISS');

function notMeasured(measure: string, target: string, reason: string): Row {
  return { measure, value: `not measured: ${reason}`, target, verdict: 'not measured' };
}

export function rows(f: Figures): Row[] {
  const out: Row[] = [];
  const t = f.throughput;
  const auth = 'GET users/current';
  if (t) {
    out.push({
      measure: `${auth}, Anonymous`,
      value: `${n0(t.anonymous.rps)} req/s, p99 ${ms(t.anonymous.p99Ms)}${suspect(t.anonymous)}`,
      target: 'baseline',
      verdict: 'n/a',
    });
    for (const [name, r] of [
      ['session', t.session],
      ['JWT', t.jwt],
      ['server signature', t.signature],
      ['OAuth access token', t.oauth],
    ] as const) {
      if (!r) continue;
      const x = r.rps / t.anonymous.rps;
      const c = r.serverCpuUsPerReq / t.anonymous.serverCpuUsPerReq;
      out.push({
        measure: `${auth}, ${name}`,
        value: `${n0(r.rps)} req/s = ${ratio(x)} Anonymous, p99 ${ms(r.p99Ms)}; ${cpu(r)} (${ratio(c)} Anonymous's)${suspect(r)}`,
        target: '≥ 0.95× Anonymous; CPU ≤ 1.1×',
        verdict: verdict(x >= 0.95 && c <= 1.1, r),
      });
    }
    const ex = t.jwt.rps / t.expressPeer.rps;
    out.push({
      measure: 'JWT vs Express + jsonwebtoken + SQLite lookup',
      value: `${n0(t.jwt.rps)} vs ${n0(t.expressPeer.rps)} req/s = ${ratio(ex)}; peer p99 ${ms(t.expressPeer.p99Ms)}, ${cpu(t.expressPeer)}${suspect(t.expressPeer)}`,
      target: '≥ 2×',
      verdict: verdict(ex >= 2, t.jwt, t.expressPeer),
    });
    const fa = t.jwt.rps / t.fastifyPeer.rps;
    out.push({
      measure: 'JWT vs Fastify + @fastify/jwt (stateless)',
      value: `${n0(t.jwt.rps)} vs ${n0(t.fastifyPeer.rps)} req/s = ${ratio(fa)}; peer p99 ${ms(t.fastifyPeer.p99Ms)}, ${cpu(t.fastifyPeer)}${suspect(t.fastifyPeer)}`,
      target: '≥ 1.0×',
      verdict: verdict(fa >= 1, t.jwt, t.fastifyPeer),
    });
  } else {
    out.push(notMeasured(`${auth}, by credential, and peers`, '≥ 0.95× Anonymous; ≥ 2× Express; ≥ 1.0× Fastify', f.skipped.throughput ?? 'skipped'));
  }

  const w = f.wrk;
  if (w) {
    for (const [name, r] of [
      ['session', w.session],
      ['JWT', w.jwt],
      ['server signature', w.signature],
      ['OAuth access token', w.oauth],
    ] as const) {
      const x = r.rps / w.anonymous.rps;
      out.push({
        measure: `wrk: ${auth}, ${name}`,
        value: `${n0(r.rps)} vs ${n0(w.anonymous.rps)} req/s = ${ratio(x)} Anonymous; ${cpu(r)} (${ratio(r.serverCpuUsPerReq / w.anonymous.serverCpuUsPerReq)} Anonymous's)${suspect(r)}${suspect(w.anonymous)}`,
        target: '≥ 0.95× Anonymous',
        verdict: verdict(x >= 0.95, r, w.anonymous),
      });
    }
  } else {
    out.push(notMeasured(`wrk: ${auth}, by credential`, '≥ 0.95× Anonymous', f.skipped.wrk ?? 'skipped'));
  }

  const rv = f.revocation;
  if (rv?.measured) {
    const extra = [
      rv.staleAccepts ? `${rv.staleAccepts} stale accepts` : '',
      rv.timedOut ? `${rv.timedOut} still accepted after 5 s` : '',
      ...Object.entries(rv.otherStatuses).map(([s, c]) => `${c}×${s}`),
    ].filter(Boolean);
    const tail = extra.length ? ` [${extra.join(', ')}]` : '';
    out.push({
      measure: `Revocation A→B on PostgreSQL, p99 (n=${rv.revocations})`,
      value: `${ms(rv.p99Ms)} (p50 ${ms(rv.p50Ms)})${tail}`,
      target: '≤ 100 ms',
      verdict: rv.p99Ms <= 100 && !rv.timedOut ? 'PASS' : 'MISS',
    });
    out.push({ measure: 'Revocation A→B on PostgreSQL, max', value: ms(rv.maxMs), target: '≤ 1 s', verdict: rv.maxMs <= 1000 ? 'PASS' : 'MISS' });
  } else {
    out.push(notMeasured('Revocation A→B on PostgreSQL', 'p99 ≤ 100 ms, max ≤ 1 s', rv ? rv.reason : (f.skipped.revocation ?? 'skipped')));
  }

  const s = f.scale;
  if (s) {
    const big = n0(s.large.tokens);
    const small = n0(s.small.tokens);
    for (const [name, a, b] of [
      ['JWT', s.small.jwt, s.large.jwt],
      ['server signature', s.small.signature, s.large.signature],
    ] as const) {
      const x = b.p99Ms / a.p99Ms;
      out.push({
        measure: `${name} p99, ${big} vs ${small} tokens`,
        value: `${ms(b.p99Ms)} vs ${ms(a.p99Ms)} = ${ratio(x)}; ${n0(b.rps)} vs ${n0(a.rps)} req/s, CPU/req ${ratio(b.serverCpuUsPerReq / a.serverCpuUsPerReq)}${suspect(a)}${suspect(b)}`,
        target: '≤ 1.2×',
        verdict: verdict(x <= 1.2, a, b),
      });
    }
    out.push({
      measure: `Server RSS with ${big} tokens`,
      value: `${n0(s.large.rss)} MiB (peak ${n0(s.large.peakRss)}; with ${small}: ${n0(s.small.rss)} MiB)`,
      target: '≤ 300 MB',
      verdict: s.large.rss * 1.048576 <= 300 ? 'PASS' : 'MISS',
    });
  } else {
    out.push(notMeasured('Auth p99 and RSS, 1k vs 1M tokens', '≤ 1.2×; ≤ 300 MB', f.skipped.scale ?? 'skipped'));
  }

  const c = f.creation;
  if (c) {
    out.push({
      measure: 'Token creations through the API (SQLite)',
      value: `${n0(c.rps)}/s, p99 ${ms(c.p99Ms)}; ${cpu(c)}${suspect(c)}`,
      target: '≥ 2,000/s',
      verdict: verdict(c.rps >= 2000, c),
    });
    const get = t?.anonymous;
    if (get) {
      const x = c.serverCpuUsPerReq / get.serverCpuUsPerReq;
      out.push({
        measure: 'Token creation CPU vs an Anonymous GET',
        value: `${cpu(c)} vs ${cpu(get)} = ${ratio(x)}`,
        target: '≤ 6×',
        verdict: verdict(x <= 6, c),
      });
    } else out.push(notMeasured('Token creation CPU vs an Anonymous GET', '≤ 6×', 'needs the throughput phase in the same run'));
  } else {
    out.push(notMeasured('Token creations through the API (SQLite)', '≥ 2,000/s', f.skipped.create ?? 'skipped'));
  }
  out.push(...finalRevocationRows(f.finalRevocation));
  out.push(...listingRows(f.listing));
  out.push(...gatewayRows(f.gateway, f.skipped.gateway));
  return out;
}
