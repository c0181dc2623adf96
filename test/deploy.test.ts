/**
 * The systemd unit in deploy/ is valid: `systemd-analyze verify` accepts it without a warning (where
 * the tool exists), and it runs `gatehouse serve` with the graceful-shutdown signal and enough time.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { test } from 'node:test';

const UNIT = 'deploy/gatehouse.service';
const hasTool = spawnSync('systemd-analyze', ['--version']).status === 0;

test('systemd-analyze verify accepts deploy/gatehouse.service', { skip: hasTool ? undefined : 'systemd-analyze is not installed here' }, () => {
  const res = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stderr.trim(), '', 'no warnings');
});

test('the unit runs serve, stops it with SIGTERM, and waits longer than the shutdown timeout', () => {
  const unit = fs.readFileSync(UNIT, 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/bin\/node \/opt\/gatehouse\/bin\/gatehouse\.js serve$/m);
  assert.match(unit, /^KillSignal=SIGTERM$/m);
  const stopSec = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
  assert.ok(stopSec * 1000 > 30_000, 'TimeoutStopSec exceeds the default GATEHOUSE_SHUTDOWN_TIMEOUT_MS');
});
