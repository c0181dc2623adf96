/**
 * Configuration is checked at start: each bad value stops `gatehouse serve` with one line on stderr
 * that names the variable, says what is wrong and what is accepted, a non-zero exit, and nothing
 * written (the data directory is not even created). An unreachable database is retried, saying so,
 * then given up with the reason; a database that refuses (no such database) is not retried.
 * `gatehouse config` prints the effective configuration with every secret masked.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { gatehouse } from './helpers/cli.js';
import { PG_ADMIN_URL, postgresSkipReason } from './helpers/postgres.js';
import { freePort, tempDir } from './helpers/server.js';

const KEY = Buffer.alloc(32, 9).toString('base64');

/** Runs `serve` with a fresh, not yet existing data directory; checks one line, exit 1, nothing written. */
async function refused(env: NodeJS.ProcessEnv, line: RegExp, dataDir = path.join(tempDir(), 'data')) {
  const res = await gatehouse(['serve'], { GATEHOUSE_DATA_DIR: dataDir, PORT: '0', ...env });
  assert.equal(res.code, 1, `${JSON.stringify(env)}: ${res.stderr}`);
  assert.equal(res.stdout, '', 'nothing printed on stdout');
  assert.equal(res.stderr.split('\n').filter(Boolean).length, 1, `one line: ${res.stderr}`);
  assert.match(res.stderr, line);
  assert.ok(!fs.existsSync(dataDir), `nothing written: ${dataDir} exists`);
  return res.stderr;
}

const ALL_CASES: [string, NodeJS.ProcessEnv, RegExp][] = [
  ['PORT not a number', { PORT: 'eighty' }, /^gatehouse: PORT must be an integer from 0 to 65535, got 'eighty'\n$/],
  ['PORT out of range', { PORT: '70000' }, /^gatehouse: PORT must be an integer from 0 to 65535, got '70000'\n$/],
  [
    'HOST not an address',
    { HOST: 'no such host!' },
    /^gatehouse: HOST must be an IP address \(127\.0\.0\.1, 0\.0\.0\.0, ::\) or a host name, got 'no such host!'\n$/,
  ],
  ['a GATEHOUSE_* integer out of range', { GATEHOUSE_FEED_POLL_MS: '5' }, /^gatehouse: GATEHOUSE_FEED_POLL_MS must be an integer from 10 to 10000, got '5'\n$/],
  [
    'a GATEHOUSE_* integer that is not one',
    { GATEHOUSE_SESSION_TTL: '2 weeks' },
    /^gatehouse: GATEHOUSE_SESSION_TTL must be an integer from 60 to 31622400, got '2 weeks'\n$/,
  ],
  [
    "the proxy's upload collection",
    { GATEHOUSE_PROXY_UPLOAD_COLLECT_MIB: '-1' },
    /^gatehouse: GATEHOUSE_PROXY_UPLOAD_COLLECT_MIB must be an integer from 0 to 1024, got '-1'\n$/,
  ],
  ['a GATEHOUSE_* switch', { GATEHOUSE_TRUST_PROXY: 'maybe' }, /^gatehouse: GATEHOUSE_TRUST_PROXY must be on or off, got 'maybe'\n$/],
  [
    'the log level',
    { GATEHOUSE_LOG_LEVEL: 'loud' },
    /^gatehouse: GATEHOUSE_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'\n$/,
  ],
  ['the site URL', { GATEHOUSE_SITE_URL: 'ftp://x' }, /^gatehouse: GATEHOUSE_SITE_URL must be an http\(s\) URL, got 'ftp:\/\/x'\n$/],
  [
    'a short metrics token',
    { GATEHOUSE_METRICS_TOKEN: 'short' },
    /^gatehouse: GATEHOUSE_METRICS_TOKEN must be at least 16 characters without spaces, got 5 characters\n$/,
  ],
  [
    'a drain longer than the shutdown timeout',
    { GATEHOUSE_SHUTDOWN_DRAIN_MS: '5000', GATEHOUSE_SHUTDOWN_TIMEOUT_MS: '1000' },
    /^gatehouse: GATEHOUSE_SHUTDOWN_DRAIN_MS must be less than GATEHOUSE_SHUTDOWN_TIMEOUT_MS, or every shutdown times out\n$/,
  ],
  [
    'a master key that is not base64',
    { GATEHOUSE_MASTER_KEY: 'not-a-key!' },
    /^gatehouse: GATEHOUSE_MASTER_KEY key 1 of 1 is not base64 of exactly 32 bytes \(10 characters\); make one with: openssl rand -base64 32\n$/,
  ],
  [
    'a master key of 16 bytes, second in the list',
    { GATEHOUSE_MASTER_KEY: `${KEY},${Buffer.alloc(16, 1).toString('base64')}` },
    /^gatehouse: GATEHOUSE_MASTER_KEY key 2 of 2 is not base64 of exactly 32 bytes \(24 characters\); make one with: openssl rand -base64 32\n$/,
  ],
  [
    'a database URL of another database',
    { GATEHOUSE_DATABASE_URL: 'mysql://root:hunter2hunter2@db/gatehouse' },
    /^gatehouse: GATEHOUSE_DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL such as postgres:\/\/gatehouse@db\.internal:5432\/gatehouse, got 'mysql:\/\/root:\*\*\*\*\*@db\/gatehouse'\n$/,
  ],
  [
    'a database URL that is not a URL',
    { GATEHOUSE_DATABASE_URL: 'db.internal/gatehouse' },
    /^gatehouse: GATEHOUSE_DATABASE_URL must be a postgres:\/\/ .*, got '\(not a URL\)'\n$/,
  ],
];

// Each case is its own process, mostly waiting on tsx to start: run a few at once.
/** One real process per kind of value the issue names; the other values are checked in-process below. */
const IN_A_PROCESS = new Set([
  'PORT out of range',
  'HOST not an address',
  'a GATEHOUSE_* integer out of range',
  'a master key of 16 bytes, second in the list',
  'a database URL of another database',
]);

describe('a bad configuration value stops serve with one clear line', { concurrency: 4 }, () => {
  for (const [name, env, line] of ALL_CASES.filter(([n]) => IN_A_PROCESS.has(n))) {
    test(name, async () => {
      const stderr = await refused(env, line);
      assert.doesNotMatch(stderr, /hunter2|not-a-key|AQEBAQ/, 'the line never repeats a secret');
    });
  }

  test('every other bad value: the same kind of line, before anything is opened (in-process)', () => {
    for (const [name, env, line] of ALL_CASES.filter(([n]) => !IN_A_PROCESS.has(n))) {
      assert.throws(
        () => loadConfig(env),
        (err: Error) => err instanceof TypeError && line.test(`gatehouse: ${err.message}\n`),
        name,
      );
    }
  });

  test('a data directory that cannot be created', async () => {
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, 'x');
    await refused(
      {},
      /^gatehouse: GATEHOUSE_DATA_DIR '.*\/a-file\/data' cannot be used: .*\/a-file is not a directory; give a directory this user can write \(it is created if missing\)\n$/,
      path.join(file, 'data'),
    );
    assert.equal(fs.readFileSync(file, 'utf8'), 'x');
  });

  test('a data directory that cannot be written', { skip: process.getuid?.() === 0 ? 'root may write any directory' : undefined }, async () => {
    const locked = tempDir();
    fs.chmodSync(locked, 0o500);
    await refused({}, /^gatehouse: GATEHOUSE_DATA_DIR '.*' cannot be used: .* is not writable \(EACCES\); give a directory/, path.join(locked, 'data'));
  });
});

const skip = await postgresSkipReason();

describe('the database at start', () => {
  test('unreachable: retried with backoff, saying so, then given up with the reason', async () => {
    const port = await freePort();
    const dataDir = path.join(tempDir(), 'data');
    const res = await gatehouse(['serve'], {
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_MASTER_KEY: KEY,
      GATEHOUSE_DATABASE_URL: `postgres://gatehouse:s3cret-pw@127.0.0.1:${port}/gatehouse`,
      GATEHOUSE_DATABASE_WAIT_MS: '1500',
    });
    assert.equal(res.code, 1);
    const lines = res.stderr.split('\n').filter(Boolean);
    assert.ok(lines.length >= 3, res.stderr);
    for (const l of lines.slice(0, -1)) {
      assert.match(
        l,
        new RegExp(
          `^gatehouse: database at 127\\.0\\.0\\.1:${port}/gatehouse not reachable \\(connect ECONNREFUSED .*\\(ECONNREFUSED\\)\\); retrying in \\d\\.\\d s, for up to \\d+ s more$`,
        ),
      );
    }
    assert.match(
      lines.at(-1)!,
      new RegExp(
        `^gatehouse: database at 127\\.0\\.0\\.1:${port}/gatehouse not reachable after \\d\\.\\d s: connect ECONNREFUSED .* \\(ECONNREFUSED\\); check that PostgreSQL runs there`,
      ),
    );
    assert.doesNotMatch(res.stderr, /s3cret-pw/);
    assert.ok(!fs.existsSync(dataDir), 'nothing written');
  });

  test('a missing database: not retried, the line says so', { skip }, async () => {
    const url = new URL(PG_ADMIN_URL);
    url.pathname = '/gatehouse_no_such_database';
    const res = await gatehouse(['serve'], {
      GATEHOUSE_DATA_DIR: path.join(tempDir(), 'data'),
      GATEHOUSE_MASTER_KEY: KEY,
      GATEHOUSE_DATABASE_URL: url.toString(),
    });
    assert.equal(res.code, 1);
    assert.match(
      res.stderr,
      /^gatehouse: database at [\w.]+:\d+\/gatehouse_no_such_database refused: database "gatehouse_no_such_database" does not exist \(3D000\); check GATEHOUSE_DATABASE_URL\n$/,
    );
  });
});

test('gatehouse config prints the effective configuration, secrets masked', async () => {
  const secrets = { GATEHOUSE_ADMIN_PASSWORD: 'admin pass phrase 42', GATEHOUSE_MASTER_KEY: KEY, GATEHOUSE_METRICS_TOKEN: 'metrics-token-0123456789' };
  const res = await gatehouse(['config'], { ...secrets, PORT: '9090', GATEHOUSE_DATABASE_URL: 'postgres://gh:db-password-77@db.internal:5433/gh' });
  assert.equal(res.code, 0, res.stderr);
  for (const value of [...Object.values(secrets), 'db-password-77']) assert.ok(!res.stdout.includes(value), `${value} is shown`);
  const lines = res.stdout.split('\n');
  assert.ok(lines.includes('PORT=9090'));
  assert.ok(lines.includes('GATEHOUSE_SITE_URL=http://localhost:9090  (default)'));
  assert.ok(lines.includes('GATEHOUSE_DATABASE_URL=postgres://gh:*****@db.internal:5433/gh'));
  assert.ok(lines.includes('GATEHOUSE_ADMIN_PASSWORD=(set, hidden)'));
  assert.match(res.stdout, /^GATEHOUSE_MASTER_KEY=\(hidden; key ids [0-9a-f]{8}\)$/m);
  assert.ok(lines.includes('GATEHOUSE_METRICS_TOKEN=(set, hidden)'));
  assert.ok(lines.includes('GATEHOUSE_SHUTDOWN_DRAIN_MS=0  (default)'));
  const bad = await gatehouse(['config'], { GATEHOUSE_BODY_LIMIT: '1' });
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, "gatehouse: GATEHOUSE_BODY_LIMIT must be an integer from 1024 to 16777216, got '1'\n");
});
