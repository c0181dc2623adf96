/**
 * One CPU profile per credential: for each, a fresh `gatehouse serve --cpu-prof` on the same data
 * directory answers only that credential's `users/current` (or only token creations), so a profile's
 * shares belong to one credential and can be compared with Anonymous's frame by frame.
 *
 *   node --import tsx bench/profile-credentials.ts [--seconds=8] [--only=anonymous,session,jwt,signature,oauth,create] [--dist]
 *
 * Prints server CPU per request for each and writes the profiles under bench/results/profiles/by-credential/;
 * summarise one with `node --import tsx bench/profile-summary.ts <file> --skip=<printed seconds>`.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { rotating } from './lib/compare.js';
import { CURRENT_USER, createServerTokens, currentUserStatus, signIn, TOKENS } from './lib/gatehouse-api.js';
import { runLoad } from './lib/load.js';
import { obtainAccessTokens } from './lib/oauth-tokens.js';
import { REPO_ROOT, startGatehouse, tempDir } from './lib/processes.js';
import { makeSignaturePool } from './lib/signatures.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const seconds = Number(arg('seconds') ?? 8);
// The compiled build (run `npm run build` first), as `npm start` runs it.
const dist = process.argv.includes('--dist');
const KINDS = ['anonymous', 'session', 'jwt', 'signature', 'oauth', 'create'] as const;
const only = arg('only')?.split(',') ?? [...KINDS];
const outDir = path.join(REPO_ROOT, 'bench', 'results', 'profiles', 'by-credential');
fs.rmSync(outDir, { recursive: true, force: true });

const dataDir = tempDir('gatehouse-profile-');
const masterKey = randomBytes(32).toString('base64');
try {
  const setup = await startGatehouse({ label: 'setup', dataDir, masterKey, dist });
  const admin = await signIn(setup);
  const tokens = await createServerTokens(setup, admin, 20, 'profile');
  const sessions = [admin];
  for (let i = 0; i < 4; i++) sessions.push(await signIn(setup));
  const oauth = only.includes('oauth') ? await obtainAccessTokens(setup, admin, 10) : [];
  await setup.stop();
  const signatures = makeSignaturePool(tokens, seconds + 60);
  const headers: Record<(typeof KINDS)[number], () => Record<string, string>> = {
    anonymous: () => ({}),
    session: rotating(sessions, (s) => ({ Authorization: `Bearer ${s}` })),
    jwt: rotating(tokens, (t) => ({ Authorization: `Bearer ${t.jwt}` })),
    signature: (() => {
      let i = 0;
      return () => ({ 'X-Deki-Token': signatures.at(i++) });
    })(),
    oauth: rotating(oauth, (t) => ({ Authorization: `Bearer ${t}` })),
    create: () => ({ Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' }),
  };
  for (const kind of KINDS.filter((k) => only.includes(k))) {
    const spawned = performance.now();
    const proc = await startGatehouse({ label: kind, dataDir, masterKey, dist, profileDir: outDir });
    const load = {
      target: proc,
      path: kind === 'create' ? `${TOKENS}?dream.out.format=json` : CURRENT_USER,
      method: kind === 'create' ? ('POST' as const) : ('GET' as const),
      ...(kind === 'create' ? { body: JSON.stringify({ '@type': 'server', name: 'profile-create' }) } : {}),
      headers: headers[kind],
      connections: 10,
    };
    if (kind !== 'create' && (await currentUserStatus(proc, headers[kind]())) !== 200) throw new Error(`${kind}: users/current did not answer 200`);
    await runLoad({ ...load, seconds: 1 });
    const skip = (performance.now() - spawned) / 1000;
    const r = await runLoad({ ...load, seconds });
    await proc.stop();
    const files = fs.readdirSync(path.join(outDir, kind)).map((f) => path.join(outDir, kind, f));
    const main = files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
    process.stdout.write(
      `${kind.padEnd(10)} ${Math.round(r.rps).toString().padStart(6)} req/s  ${r.serverCpuUsPerReq.toFixed(1).padStart(6)} µs CPU/req  other work ${r.otherCpu.toFixed(2)} cores  ${JSON.stringify(r.statuses)}\n` +
        `           node --import tsx bench/profile-summary.ts ${path.relative(REPO_ROOT, main!)} --skip=${skip.toFixed(1)} --requests=${r.requests}\n`,
    );
  }
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
