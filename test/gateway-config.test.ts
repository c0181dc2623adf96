/** GATEHOUSE_PROXY and `serve --proxy`: routes as parsed, and one clear line for each kind of mistake. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { tempDir } from './helpers/server.js';

const FORM = 'use PREFIX=UPSTREAM_URL[;require=anyone|user|seated|admin], such as /reports=http://127.0.0.1:9000;require=seated';
const proxy = (value: string) => loadConfig({ GATEHOUSE_PROXY: value, GATEHOUSE_DATA_DIR: tempDir() }).proxyRoutes;

test('routes are parsed: prefix, upstream origin and path, level (default user)', () => {
  assert.deepEqual(proxy('/reports=http://127.0.0.1:9000;require=seated, /api/v2/=https://api.internal/base/'), [
    { prefix: '/reports', origin: 'http://127.0.0.1:9000', basePath: '', require: 'seated' },
    { prefix: '/api/v2', origin: 'https://api.internal', basePath: '/base', require: 'user' },
  ]);
  assert.deepEqual(proxy(''), []);
});

test('each mistake is one line naming the variable, what is wrong and what is accepted', () => {
  const cases: [string, string][] = [
    ['reports=http://x', "GATEHOUSE_PROXY: route 'reports=http://x': the prefix 'reports' must start with /"],
    ['/reports', "GATEHOUSE_PROXY: route '/reports': there is no '=' between the prefix and the upstream URL"],
    [
      '/=http://x',
      "GATEHOUSE_PROXY: route '/=http://x': the prefix '/' must be one or more path segments of letters, digits, '.', '_', '~' or '-' (not / alone, not /@…)",
    ],
    [
      '/@api/deki=http://x',
      "GATEHOUSE_PROXY: route '/@api/deki=http://x': the prefix '/@api/deki' must be one or more path segments of letters, digits, '.', '_', '~' or '-' (not / alone, not /@…)",
    ],
    ['/dashboard=http://x', "GATEHOUSE_PROXY: route '/dashboard=http://x': the prefix '/dashboard' is Gatehouse's own (/dashboard)"],
    ['/r=127.0.0.1:9000', "GATEHOUSE_PROXY: route '/r=127.0.0.1:9000': the upstream '127.0.0.1:9000' must be an http:// or https:// URL"],
    ['/r=nonsense', "GATEHOUSE_PROXY: route '/r=nonsense': the upstream 'nonsense' must be an http:// or https:// URL"],
    // The user-info may be a password: the line never repeats it.
    [
      '/r=http://u:p@x/?a=1',
      "GATEHOUSE_PROXY: route '/r=http://[redacted]@x/?a=1': the upstream 'http://[redacted]@x/?a=1' must not have credentials, a query or a fragment",
    ],
    ['/r=http://x;require=root', "GATEHOUSE_PROXY: route '/r=http://x;require=root': require must be one of anyone, user, seated, admin, got 'root'"],
    ['/r=http://x;timeout=5', "GATEHOUSE_PROXY: route '/r=http://x;timeout=5': 'timeout=5' is not an option: the only one is require=LEVEL"],
  ];
  for (const [value, start] of cases) assert.throws(() => proxy(value), { name: 'TypeError', message: `${start}; ${FORM}` }, value);
  assert.throws(() => proxy('/r=http://a,/r/=http://b'), {
    name: 'TypeError',
    message: "GATEHOUSE_PROXY: the prefix '/r' is given twice; give each prefix one upstream",
  });
});

test('serve --proxy names the flag in its error and exits 1 with one line', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--port', '0', '--data-dir', tempDir(), '--proxy', '/r=ftp://x'], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 1);
  assert.equal(run.stderr, `gatehouse: --proxy: route '/r=ftp://x': the upstream 'ftp://x' must be an http:// or https:// URL; ${FORM}\n`);
});

test('README shows each gateway configuration in deploy/ exactly as the tests run it', () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  for (const file of ['nginx.conf', 'Caddyfile', 'traefik.yml', 'envoy.yaml']) {
    const text = fs.readFileSync(path.join('deploy', file), 'utf8').trimEnd();
    assert.ok(readme.includes(`\n${text}\n\`\`\``), `README.md must show deploy/${file} as it is`);
  }
});
