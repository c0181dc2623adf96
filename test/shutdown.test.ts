/**
 * Graceful shutdown of a real `gatehouse serve`: clients send steady signed traffic, then SIGTERM.
 * Every request sent before the signal gets a full answer (no reset, no 5xx); readiness turns 503
 * during the drain; the process exits 0; and the usage of every answered request is in the database
 * afterwards (usage is written only at shutdown here: the flush interval is an hour).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { signServerToken } from '../client/sign.js';
import { call, createToken, signIn } from './helpers/http.js';
import { startNode } from './helpers/node-process.js';
import { ADMIN_PASSWORD, tempDir } from './helpers/server.js';

const CLIENTS = 4;
/** Answers before the signal, so it lands in the middle of steady traffic. */
const BEFORE_SIGNAL = 200;

interface Sent {
  sentAt: number;
  status: number | undefined;
  error: string | undefined;
}

test('SIGTERM under steady traffic: every request sent before it is answered, exit 0, usage saved', async () => {
  const dataDir = tempDir('gatehouse-shutdown-');
  const node = await startNode({
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    GATEHOUSE_USAGE_FLUSH_MS: '3600000',
    GATEHOUSE_SHUTDOWN_DRAIN_MS: '1000', // longer than any answer takes on a loaded machine
    GATEHOUSE_SHUTDOWN_TIMEOUT_MS: '15000',
  });
  const exited = new Promise<number | null>((resolve) => node.child.once('exit', (code) => resolve(code)));
  let stderr = '';
  node.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));

  const admin = await signIn(node.url, 'admin', ADMIN_PASSWORD);
  const token = await createToken(node.url, admin, { '@type': 'server', name: 'steady' });
  const sent: Sent[] = [];
  let signalAt = Infinity;
  let answeredBeforeSignal = 0;
  let signalled: () => void = () => undefined;
  const enough = new Promise<void>((resolve) => (signalled = resolve));

  const client = async () => {
    for (;;) {
      const entry: Sent = { sentAt: performance.now(), status: undefined, error: undefined };
      sent.push(entry);
      try {
        const res = await fetch(`${node.url}/@api/deki/users/current?dream.out.format=json`, {
          headers: { 'X-Deki-Token': signServerToken({ key: token.key!, secret: token.secret!, user: 1 }) },
        });
        const body = (await res.json()) as { username?: string };
        entry.status = res.status;
        if (res.status === 200) assert.equal(body.username, 'admin');
        if (entry.sentAt < signalAt && ++answeredBeforeSignal === BEFORE_SIGNAL) signalled();
      } catch (err) {
        entry.error = String((err as Error & { cause?: Error }).cause?.message ?? err);
        // After the signal, a refused connection is the listener having closed: this client is done.
        if (entry.sentAt > signalAt) return;
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  await enough;
  signalAt = performance.now();
  node.child.kill('SIGTERM');
  // The signal reaches the process a moment later; from then on, ready is 503 while it still serves.
  let ready = await call(node.url, '/@gatehouse/health/ready', { json: false });
  while (ready.status === 200) ready = await call(node.url, '/@gatehouse/health/ready', { json: false });
  assert.equal(ready.status, 503, 'readiness turns 503 while connections are still served');
  assert.deepEqual(ready.json, { status: 'not ready', failing: { node: 'shutting down' } });

  const code = await exited;
  await Promise.all(clients);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /SIGTERM: shutting down/);
  assert.match(stderr, /shut down cleanly/);

  const beforeSignal = sent.filter((s) => s.sentAt < signalAt);
  assert.ok(beforeSignal.length >= BEFORE_SIGNAL);
  const bad = beforeSignal.filter((s) => s.status !== 200);
  assert.deepEqual(bad, [], 'every request sent before the signal got a full 200 answer');
  const answered = sent.filter((s) => s.status === 200).length;
  const afterSignal = sent.filter((s) => s.sentAt > signalAt);
  assert.ok(
    afterSignal.some((s) => s.status === 200),
    'requests during the drain are still served',
  );
  assert.ok(
    afterSignal.some((s) => s.error !== undefined),
    'after the drain, new connections are refused',
  );
  assert.ok(
    afterSignal.every((s) => s.status === undefined || s.status === 200),
    'never a 5xx',
  );

  const db = new SQLite(path.join(dataDir, 'gatehouse.sqlite'), { readonly: true });
  try {
    const row = db.prepare('select coalesce(sum(requests), 0) as n from token_usage_hourly where token_id = ?').get(Number(token['@id'])) as { n: number };
    assert.equal(row.n, answered, 'the usage of every answered request was flushed at shutdown');
  } finally {
    db.close();
  }
});

test('a second signal exits at once, during the drain', async () => {
  const node = await startNode({ GATEHOUSE_SHUTDOWN_DRAIN_MS: '60000', GATEHOUSE_SHUTDOWN_TIMEOUT_MS: '120000' });
  const exited = new Promise<number | null>((resolve) => node.child.once('exit', (code) => resolve(code)));
  let stderr = '';
  node.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  node.child.kill('SIGTERM');
  // Wait until the first signal is being handled: readiness says so.
  while ((await call(node.url, '/@gatehouse/health/ready', { json: false })).status === 200);
  node.child.kill('SIGTERM');
  assert.equal(await exited, 143, stderr);
  assert.match(stderr, /SIGTERM again: exiting now/);
  assert.doesNotMatch(stderr, /shut down cleanly/);
});
