/**
 * The last step of `npm test`: every server log the run kept, scanned for every
 * password, JWT, authtoken, secret, signature and OAuth credential any test sent or received
 * (test/helpers/log-capture.ts keeps both under GATEHOUSE_TEST_LOG_DIR). Fails if one is found, and
 * also if there was nothing to scan, since then the capture itself is broken.
 *
 *   node --import tsx scripts/scan-test-logs.ts <GATEHOUSE_TEST_LOG_DIR>
 */
import { readRun, scanLogs } from '../test/helpers/log-scan.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: scan-test-logs.ts <log dir>\n');
  process.exit(2);
}

const { logs, credentials } = readRun(dir);
const bytes = [...logs.values()].reduce((n, text) => n + Buffer.byteLength(text), 0);
const lines = [...logs.values()].reduce((n, text) => n + text.split('\n').length - 1, 0);
const kinds = new Map<string, number>();
for (const c of credentials) kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
const summary = [...kinds]
  .sort((a, b) => b[1] - a[1])
  .map(([kind, n]) => `${n} ${kind}`)
  .join(', ');

process.stdout.write(
  `== Log scan: ${logs.size} server logs (${(bytes / 1e6).toFixed(1)} MB, ${lines} lines) for ${credentials.length} credentials (${summary})\n`,
);
if (logs.size === 0 || lines === 0 || credentials.length === 0) {
  process.stderr.write(`== Log scan: nothing to scan in ${dir}: the log capture is broken\n`);
  process.exit(1);
}
const started = performance.now();
const findings = scanLogs(logs, credentials);
if (findings.length > 0) {
  for (const f of findings.slice(0, 50)) process.stderr.write(`  ${f.kind} ${f.credential} in ${f.file}:${f.line}\n`);
  process.stderr.write(`== Log scan: ${findings.length} credentials found in the logs (kept in ${dir})\n`);
  process.exit(1);
}
process.stdout.write(`== Log scan: none found (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
