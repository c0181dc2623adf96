/**
 * A CPU profile of the built-in proxy: one `gatehouse serve --cpu-prof` with a GATEHOUSE_PROXY route
 * in front of bench/peers/upstream.ts, loaded with JWT requests through the route only.
 *
 *   node --import tsx bench/profile-proxy.ts [--seconds=8] [--no-profile]
 *
 * Prints server CPU per request and the `profile-summary.ts` command for the main thread's profile
 * (under bench/results/profiles/proxy/). `--no-profile` measures without the profiler.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { rotating } from './lib/compare.js';
import { createServerTokens, signIn } from './lib/gatehouse-api.js';
import { runLoad } from './lib/load.js';
import { REPO_ROOT, startGatehouse, startPeer, tempDir } from './lib/processes.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const seconds = Number(arg('seconds') ?? 8);
const profile = !process.argv.includes('--no-profile');
const dist = process.argv.includes('--dist');
const outDir = path.join(REPO_ROOT, 'bench', 'results', 'profiles', 'proxy');
fs.rmSync(outDir, { recursive: true, force: true });

const dataDir = tempDir('gatehouse-profile-proxy-');
const masterKey = randomBytes(32).toString('base64');
const upstream = await startPeer('upstream', 'upstream.ts', {});
try {
  const env = { GATEHOUSE_PROXY: `/api=${upstream.url}/api` };
  const setup = await startGatehouse({ label: 'setup', dataDir, masterKey, dist, env });
  const admin = await signIn(setup);
  const tokens = await createServerTokens(setup, admin, 20, 'profile');
  await setup.stop();
  const spawned = performance.now();
  const proc = await startGatehouse({ label: 'proxy', dataDir, masterKey, dist, env, ...(profile ? { profileDir: outDir } : {}) });
  const load = {
    target: proc,
    path: '/api/items',
    method: 'GET' as const,
    headers: rotating(tokens, (t) => ({ Authorization: `Bearer ${t.jwt}` })),
    connections: 10,
  };
  await runLoad({ ...load, seconds: 1 });
  const skip = (performance.now() - spawned) / 1000;
  const r = await runLoad({ ...load, seconds });
  await proc.stop();
  process.stdout.write(
    `proxy ${Math.round(r.rps)} req/s  ${r.serverCpuUsPerReq.toFixed(1)} µs CPU/req  other work ${r.otherCpu.toFixed(2)} cores  ${JSON.stringify(r.statuses)}\n`,
  );
  if (profile) {
    const files = fs.readdirSync(path.join(outDir, 'proxy')).map((f) => path.join(outDir, 'proxy', f));
    const main = files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
    process.stdout.write(`node --import tsx bench/profile-summary.ts ${path.relative(REPO_ROOT, main!)} --skip=${skip.toFixed(1)} --requests=${r.requests}\n`);
  }
} finally {
  await upstream.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
