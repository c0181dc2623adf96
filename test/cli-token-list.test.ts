/**
 * `gatehouse token list` pages and filters: --limit/--offset/--sort give one page and say where it
 * sits, --filter narrows, --json prints the same summaries, and a bad value is one clear line.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { before, test } from 'node:test';
import { tempDir } from './helpers/server.js';

const run = promisify(execFile);
const dataDir = tempDir();
const env = { ...process.env, GATEHOUSE_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'), GATEHOUSE_ADMIN_PASSWORD: 'cli-list-password' };

async function gatehouse(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args, '--data-dir', dataDir], { env });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

before(async () => {
  for (const name of ['alpha-export', 'beta-sync', 'gamma-export']) assert.equal((await gatehouse(['token', 'create', '--name', name])).code, 0);
});

test('a page, in an order, with its place in the whole', async () => {
  const page = await gatehouse(['token', 'list', '--limit', '2', '--sort', '-name']);
  assert.equal(page.code, 0, page.stderr);
  const lines = page.stdout.trimEnd().split('\n');
  assert.deepEqual(
    lines.slice(0, 2).map((l) => l.split('\t')[4]),
    ['gamma-export', 'beta-sync'],
  );
  assert.equal(lines[2], 'Tokens 1–2 of 3.');
  const next = await gatehouse(['token', 'list', '--limit', '2', '--offset', '2', '--sort', '-name']);
  assert.deepEqual(next.stdout.trimEnd().split('\n'), [next.stdout.split('\n')[0], 'Tokens 3–3 of 3.']);
  assert.match(next.stdout, /\talpha-export\n/);
});

test('--filter narrows, paged or not; --json prints the summaries', async () => {
  const all = await gatehouse(['token', 'list', '--filter', 'EXPORT', '--json']);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(
    (JSON.parse(all.stdout) as { name: string }[]).map((t) => t.name),
    ['alpha-export', 'gamma-export'],
  );
  const page = await gatehouse(['token', 'list', '--filter', 'export', '--limit', '1', '--offset', '1', '--json']);
  assert.deepEqual(
    (JSON.parse(page.stdout) as { name: string }[]).map((t) => t.name),
    ['gamma-export'],
  );
  assert.equal((await gatehouse(['token', 'list', '--filter', 'nothing-like-it'])).stdout, 'No tokens.\n');
  assert.equal((await gatehouse(['token', 'list', '--filter', 'nothing-like-it', '--json'])).stdout, '[]\n');
});

test('bad paging values are one clear line and a non-zero exit', async () => {
  const bad = await gatehouse(['token', 'list', '--limit', 'lots']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, "gatehouse: query parameter 'limit' is not valid: use a whole number from 0 to 1000\n");
  const sortOnly = await gatehouse(['token', 'list', '--sort', 'name']);
  assert.equal(sortOnly.code, 1);
  assert.match(sortOnly.stderr, /give limit too/);
});
