/**
 * The fixed-window counter behind the failure limits and the device user-code limit, on a clock
 * the test holds: hits past the limit say how long to wait, a new window starts from zero, keys are
 * counted apart, and the map stays bounded.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { windowCounter } from '../src/auth/failure-limiter.js';

describe('window counter', () => {
  test('past the limit, each hit answers the seconds left in the window', () => {
    let t = 1_000_000;
    const counter = windowCounter(60_000, () => t);
    for (let i = 0; i < 3; i++) assert.equal(counter.hit('ip:a', 3), undefined, `hit ${i + 1} is within the limit`);
    assert.equal(counter.blocked('ip:a', 3), 60, 'at the limit: blocked for the rest of the window');
    assert.equal(counter.hit('ip:a', 3), 60);
    t += 59_500;
    assert.equal(counter.hit('ip:a', 3), 1, 'never less than one second');
  });

  test('a new window starts from zero', () => {
    let t = 0;
    const counter = windowCounter(60_000, () => t);
    for (let i = 0; i < 5; i++) counter.hit('k', 2);
    t = 60_000;
    assert.equal(counter.blocked('k', 2), undefined);
    assert.equal(counter.hit('k', 2), undefined);
  });

  test('keys are counted apart', () => {
    const counter = windowCounter(60_000, () => 0);
    for (let i = 0; i < 4; i++) counter.hit('token:1', 3);
    assert.ok(counter.blocked('token:1', 3));
    assert.equal(counter.blocked('token:2', 3), undefined);
    assert.equal(counter.hit('token:2', 3), undefined);
  });

  test('the map stays bounded: past maxKeys, old windows make room', () => {
    let t = 0;
    const counter = windowCounter(1000, () => t, 3);
    for (const k of ['a', 'b', 'c']) for (let i = 0; i < 5; i++) counter.hit(k, 1);
    t = 2000;
    counter.hit('d', 1);
    for (const k of ['a', 'b', 'c']) assert.equal(counter.blocked(k, 1), undefined, `${k}'s stale window was swept`);
    assert.equal(counter.hit('d', 1), 1, 'the new key counts');
  });
});
