/**
 * Looks for credentials in server logs. Random material (`window` credentials) is
 * found by any 16 characters of it in a row, through one hash lookup per 16-character window of the
 * log's word-like runs, so a whole test run's logs scan in seconds; phrases (`exact`) by substring.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Credential, WINDOW } from './log-capture.js';

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly kind: string;
  /** The credential, shortened so the report does not repeat it. */
  readonly credential: string;
}

/** Windows with few distinct characters (`0000…`, `AAAA…`) are not evidence of anything. */
function distinctive(window: string): boolean {
  return new Set(window).size >= 6;
}

const shorten = (value: string) => `${value.slice(0, 6)}…(${value.length} chars)`;

/** Every place in `logs` (file name → text) where one of `credentials` appears. */
export function scanLogs(logs: ReadonlyMap<string, string>, credentials: readonly Credential[]): Finding[] {
  const windows = new Map<string, Credential>();
  const exact: { credential: Credential; forms: string[] }[] = [];
  const unique = new Map(credentials.map((c) => [`${c.match}:${c.value}`, c]));
  for (const c of unique.values()) {
    if (c.match === 'exact') {
      const forms = [c.value, encodeURIComponent(c.value), JSON.stringify(c.value).slice(1, -1)];
      exact.push({ credential: c, forms: [...new Set(forms)] });
      continue;
    }
    for (let i = 0; i + WINDOW <= c.value.length; i++) {
      const w = c.value.slice(i, i + WINDOW);
      if (distinctive(w)) windows.set(w, c);
    }
  }
  const findings: Finding[] = [];
  for (const [file, text] of logs) {
    const lines = text.split('\n');
    lines.forEach((lineText, i) => {
      const found = new Set<Credential>();
      for (const run of lineText.matchAll(/[A-Za-z0-9_-]{16,}/g)) {
        const s = run[0];
        for (let j = 0; j + WINDOW <= s.length; j++) {
          const c = windows.get(s.slice(j, j + WINDOW));
          if (c) found.add(c);
        }
      }
      for (const { credential, forms } of exact) if (forms.some((f) => lineText.includes(f))) found.add(credential);
      for (const c of found) findings.push({ file, line: i + 1, kind: c.kind, credential: shorten(c.value) });
    });
  }
  return findings;
}

/** Reads what a run kept under `dir`: the logs, and the credentials every test process saw. */
export function readRun(dir: string): { logs: Map<string, string>; credentials: Credential[] } {
  const list = (sub: string) => {
    const d = path.join(dir, sub);
    return fs.existsSync(d) ? fs.readdirSync(d).map((f) => path.join(d, f)) : [];
  };
  const logs = new Map(list('logs').map((f) => [path.relative(dir, f), fs.readFileSync(f, 'utf8')] as const));
  const unique = new Map<string, Credential>();
  for (const file of list('seen')) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const c = JSON.parse(line) as Credential;
      unique.set(`${c.match}:${c.value}`, c);
    }
  }
  return { logs, credentials: [...unique.values()] };
}
