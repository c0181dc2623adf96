/**
 * The `gatehouse` CLI: every command has --help; token and user commands work on the data
 * directory, and a running server sees what they do at once.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Command, CommanderError } from 'commander';
import { signServerToken } from '../client/sign.js';
import { buildProgram } from '../src/cli/program.js';
import { ADMIN_PASSWORD, startServer, tempDir, type TestServer } from './helpers/server.js';
import { bearer, call, signIn } from './helpers/http.js';

const run = promisify(execFile);
const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

async function gatehouse(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: { ...process.env, GATEHOUSE_MASTER_KEY: MASTER_KEY, ...env },
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('help', () => {
  test('every command answers --help with its usage', () => {
    // In-process: the command tree is built the same way `gatehouse` builds it, without spawning twelve processes.
    for (const cmd of [
      [],
      ['serve'],
      ['token'],
      ['token', 'create'],
      ['token', 'list'],
      ['token', 'show'],
      ['token', 'revoke'],
      ['user'],
      ['user', 'create'],
      ['user', 'list'],
      ['user', 'update'],
      ['sign'],
      ['config'],
      ['backup'],
    ]) {
      let out = '';
      const program = buildProgram();
      const capture = (c: Command) => {
        c.exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
        c.commands.forEach(capture);
      };
      capture(program);
      assert.throws(
        () => program.parse(['node', 'gatehouse', ...cmd, '--help']),
        (err: CommanderError) => err.exitCode === 0,
        cmd.join(' '),
      );
      assert.match(out, new RegExp(`^Usage: gatehouse${cmd.length ? ' ' + cmd.join(' ') : ''} `), cmd.join(' '));
    }
  });

  test('the real binary answers --help', async () => {
    const res = await gatehouse(['--help']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^Usage: gatehouse \[options\] \[command\]/);
    for (const command of ['serve', 'token', 'user', 'sign']) assert.match(res.stdout, new RegExp(`\\n  ${command}\\b`));
  });
});

describe('token and user commands against a running server', () => {
  let server: TestServer;
  const dataDir = tempDir();
  const cli = (args: string[]) => gatehouse([...args, '--data-dir', dataDir, ...(server.databaseUrl ? ['--database-url', server.databaseUrl] : [])]);

  before(async () => {
    server = await startServer({ dataDir, env: { GATEHOUSE_MASTER_KEY: MASTER_KEY } });
  });
  after(() => server.close());

  /** Polls with the JWT until it is refused; fails if that takes longer than `boundMs`. */
  async function refusedWithin(jwt: string, boundMs: number) {
    const start = Date.now();
    for (;;) {
      const res = await call(server.url, '/@api/deki/users/current', { headers: bearer(jwt) });
      if (res.status === 403) return res;
      assert.ok(Date.now() - start < boundMs, `still accepted after ${Date.now() - start} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  test('user create, list, update; token create with a JWT, list, show, revoke', async () => {
    const created = await cli(['user', 'create', 'cli-bot', '--role', 'Viewer', '--seat', 'true', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const userId = (JSON.parse(created.stdout) as { id: number }).id;
    assert.match((await cli(['user', 'list', '--filter', 'cli-'])).stdout, /cli-bot\tactive\tseated\tViewer/);

    const token = await cli(['token', 'create', '--name', 'from the cli', '--restricted-user', String(userId), '--json']);
    assert.equal(token.code, 0, token.stderr);
    const { id, key, secret, jwt } = JSON.parse(token.stdout) as { id: number; key: string; secret: string; jwt: string };
    assert.match(secret, /^[0-9a-f]{64}$/);
    const me = await call(server.url, '/@api/deki/users/current', { headers: bearer(jwt) });
    assert.equal(me.json['@id'], String(userId));
    const signed = await call(server.url, '/@api/deki/users/current', { headers: { 'X-Deki-Token': signServerToken({ key, secret, user: userId }) } });
    assert.equal(signed.json.username, 'cli-bot');

    const list = await cli(['token', 'list']);
    assert.match(list.stdout, new RegExp(`${id}\\tserver\\t${key.slice(0, 8)}…\\tJWT\\tfrom the cli`));
    await server.built.usage.flush(); // the server writes usage in batches; the CLI reads what was written
    const show = await cli(['token', 'show', String(id), '--json']);
    const shown = JSON.parse(show.stdout) as { restrictedByUsername: string; requests24h: number; lastUserId: number; unused: boolean };
    assert.equal(shown.restrictedByUsername, 'cli-bot');
    assert.equal(shown.requests24h, 2, 'the JWT and the signature request above');
    assert.equal(shown.lastUserId, userId);
    assert.equal(shown.unused, false);
    assert.ok(!show.stdout.includes(secret) && !list.stdout.includes(secret), 'list and show never print the secret');

    // The CLI is another process: the server learns of its changes through the change feed,
    // within the staleness bound (1 s), not on the very next request.
    const deactivated = await cli(['user', 'update', 'cli-bot', '--status', 'inactive']);
    assert.equal(deactivated.code, 0, deactivated.stderr);
    assert.equal((await refusedWithin(jwt, 1000)).json.message, 'invalid user requesting');
    await cli(['user', 'update', String(userId), '--status', 'active']);
    for (const start = Date.now(); (await call(server.url, '/@api/deki/users/current', { headers: bearer(jwt) })).status !== 200;) {
      assert.ok(Date.now() - start < 1000, 'reactivation not seen within 1 s');
    }

    assert.equal((await cli(['token', 'revoke', String(id)])).code, 0);
    const after = await refusedWithin(jwt, 1000);
    assert.equal(after.status, 403);
    assert.equal(after.json.message, 'invalid json web token');
  });

  test('errors are one clear line and a non-zero exit', async () => {
    const missing = await cli(['token', 'revoke', '424242']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'gatehouse: developer token not found\n');
    const badHost = await cli(['token', 'create', '--type', 'browser', '--name', 'b', '--host', 'https://x/app']);
    assert.equal(badHost.code, 1);
    assert.match(badHost.stderr, /host pattern 'https:\/\/x\/app' is not valid/);
    const badRedirect = await cli(['token', 'create', '--type', 'oauth', '--name', 'o', '--redirect-uri', 'https://app.example.com/cb#top']);
    assert.equal(badRedirect.code, 1);
    assert.match(badRedirect.stderr, /redirect URI 'https:\/\/app\.example\.com\/cb#top' is not valid/);
  });

  test('errors name the flag that was typed, not the API field', async () => {
    const badUser = await cli(['token', 'create', '--name', 'x', '--restricted-user', '999999']);
    assert.equal(badUser.code, 1);
    assert.equal(badUser.stderr, 'gatehouse: --restricted-user must name an existing user who is not Anonymous\n');
    const badPassword = await cli(['user', 'create', 'short-password', '--password', 'short']);
    assert.equal(badPassword.code, 1);
    assert.equal(badPassword.stderr, 'gatehouse: --password is not valid: use 8 to 1024 characters\n');
    const jwtOnBrowser = await cli(['token', 'create', '--type', 'browser', '--name', 'b', '--host', 'a.example.com', '--jwt']);
    assert.equal(jwtOnBrowser.stderr, 'gatehouse: --jwt is only allowed on server tokens\n');
  });

  test('token revoke audits which token it was, as the API does', async () => {
    const made = JSON.parse((await cli(['token', 'create', '--name', 'to revoke', '--json'])).stdout) as { id: number };
    assert.equal((await cli(['token', 'revoke', String(made.id)])).code, 0);
    const admin = await signIn(server.url, 'admin', ADMIN_PASSWORD);
    const audit = await call(server.url, '/@api/deki/site/audit?action=token.delete', { headers: bearer(admin) });
    const entry = ([] as Record<string, unknown>[])
      .concat(audit.json.entry as Record<string, unknown>)
      .find((e) => (e.target as { '@id': string })['@id'] === String(made.id));
    assert.ok(entry, audit.text);
    assert.deepEqual(entry.details, { name: 'to revoke', type: 'server' });
    assert.equal((entry.actor as { '@credential': string })['@credential'], 'cli');
  });

  test('token create --redirect-uri registers exact redirect URIs for an OAuth app; show prints them', async () => {
    const made = await cli([
      'token',
      'create',
      '--type',
      'oauth',
      '--name',
      'cli app',
      '--redirect-uri',
      'https://app.example.com/cb',
      '--redirect-uri',
      'http://127.0.0.1/native',
      '--json',
    ]);
    assert.equal(made.code, 0, made.stderr);
    const { id, key } = JSON.parse(made.stdout) as { id: number; key: string };
    const shown = JSON.parse((await cli(['token', 'show', String(id), '--json'])).stdout) as { redirectUris: string };
    assert.equal(shown.redirectUris, 'https://app.example.com/cb http://127.0.0.1/native');
    // The server holds the app to them: another URI on the same host is refused on the page.
    const page = await fetch(
      `${server.url}/@app/auth/1/token/authorize?client_id=${key}&response_type=code&redirect_uri=${encodeURIComponent('https://app.example.com/other')}`,
      { redirect: 'manual' },
    );
    assert.equal(page.status, 400);
    assert.match(await page.text(), /redirect_uri must be exactly one of the app&#39;s registered redirect URIs/);
  });
});

test('--version prints the package version; --help marks the required options', async () => {
  const version = await gatehouse(['--version']);
  assert.equal(version.code, 0, version.stderr);
  const pkg = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'))) as { version: string };
  assert.equal(version.stdout, `${pkg.version}\n`);
  const sign = await gatehouse(['sign', '--help']);
  assert.match(sign.stdout, /--key <key> +token key \(required\)/);
  assert.match(sign.stdout, /--secret <secret> +token secret \(required\)/);
  const create = await gatehouse(['token', 'create', '--help']);
  assert.match(create.stdout, /--name <name> +a name that says which integration uses it \(required\)/);
});

test('sign prints the documented signature', async () => {
  const res = await gatehouse(['sign', '--key', 'foo', '--secret', 'bar', '--user', '=admin', '--epoch', '1413073249']);
  assert.equal(res.stdout, 'tkn_foo_1413073249_=admin_7c2ff7bbe39979a0d0734b314a6d44804383e4647b24cace4868a203b89f702c\n');
  const legacy = await gatehouse(['sign', '--key', 'foo', '--secret', 'bar', '--user', '123', '--epoch', '1413073249', '--format', 'legacy']);
  assert.equal(legacy.stdout, 'foo_1413073249_123_06fbb9f1900f25333d3ea92b1f0074890d349e469b38e1ed6605e475da313200\n');
});

test('sign refuses an epoch that is not Unix seconds; user update refuses to remove the last admin', async () => {
  const bad = await gatehouse(['sign', '--key', 'foo', '--secret', 'bar', '--epoch', 'abc']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'gatehouse: --epoch must be Unix seconds, such as 1413073249\n');
  const dataDir = tempDir();
  const lockout = await gatehouse(['user', 'update', 'admin', '--role', 'Editor', '--data-dir', dataDir]);
  assert.equal(lockout.code, 1);
  assert.match(lockout.stderr, /last active seated admin/);
});
