/**
 * The usage recorder on its own, over a real SQLite store and a clock the test holds: requests
 * count in memory at once, a flush writes them, and the figures are the same before and after;
 * hours turn, old hours leave the 24 h window, and a failed write keeps the figures for the next.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { openSite, type OpenedSite } from '../src/open.js';
import type { TokenRow } from '../src/store/schema.js';
import { createToken } from '../src/tokens/create.js';
import { reasonOf } from '../src/usage/failure-reason.js';
import { UsageRecorder } from '../src/usage/recorder.js';
import { tempDir } from './helpers/server.js';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 10, 12, 0, 0);
let site: OpenedSite;
let clock = START;

before(async () => {
  site = await openSite(loadConfig({ GATEHOUSE_ADMIN_PASSWORD: 'unit test password' }, { dataDir: tempDir(), now: () => clock }));
});
after(() => site.close());

async function newToken(name: string): Promise<TokenRow> {
  return (await createToken(site.ctx, { type: 'server', name, host: null, restrictedUserId: null, generateJwt: false, expiresAt: null }, 1)).token;
}

function recorder(): UsageRecorder {
  return new UsageRecorder(site.ctx.db, { flushMs: 60_000, unusedDays: 90, now: () => clock });
}

describe('usage recorder', () => {
  test('requests count in memory at once, and the figures are the same after the flush', async () => {
    clock = START;
    const token = await newToken('counted');
    const usage = recorder();
    usage.success(token.id, '10.0.0.1', 'agent/1', 1);
    usage.success(token.id, '10.0.0.2', 'agent/2', 1);
    usage.failure(token.id, '10.0.0.3', reasonOf('SIGNATURE_INVALID'));
    const before = (await usage.figures([token])).get(token.id)!;
    assert.equal(before.requests24h, 2);
    assert.equal(before.failures30d, 1);
    assert.equal(before.clients30d, 3);
    assert.equal(before.lastIp, '10.0.0.2');
    assert.equal(before.lastUserAgent, 'agent/2');
    assert.equal(before.lastUsedAt, START);
    assert.equal(before.unused, false);
    assert.equal(
      await site.ctx.db.selectFrom('token_usage').selectAll().where('token_id', '=', token.id).executeTakeFirst(),
      undefined,
      'nothing written before the flush',
    );

    await usage.flush();
    assert.ok(await site.ctx.db.selectFrom('token_usage').selectAll().where('token_id', '=', token.id).executeTakeFirst(), 'written by the flush');
    assert.deepEqual((await recorder().figures([token])).get(token.id), before, 'another node reads the same figures');
  });

  test('an hour more than a day old leaves the 24 h count but stays in the 30 days', async () => {
    clock = START;
    const token = await newToken('aging');
    const usage = recorder();
    usage.success(token.id, '10.0.0.1', undefined, 1);
    clock = START + 2 * HOUR;
    usage.success(token.id, '10.0.0.1', undefined, 1);
    await usage.flush();
    clock = START + 25 * HOUR;
    const figures = (await usage.figures([token])).get(token.id)!;
    assert.equal(figures.requests24h, 1);
    assert.equal(figures.requests30d, 2);
  });

  test('a token never used is unused once unusedDays have passed since its creation', async () => {
    clock = START;
    const token = await newToken('idle');
    const usage = recorder();
    assert.equal((await usage.figures([token])).get(token.id)!.unused, false);
    clock = START + 91 * 24 * HOUR;
    assert.equal((await usage.figures([token])).get(token.id)!.unused, true);
  });

  test('a failed write keeps what was gathered for the next flush', async () => {
    clock = START;
    const token = await newToken('kept');
    const usage = recorder();
    usage.success(token.id, '10.0.0.9', undefined, 1);
    await site.ctx.db.schema.alterTable('token_usage').renameTo('token_usage_away').execute();
    await assert.rejects(usage.flush());
    await site.ctx.db.schema.alterTable('token_usage_away').renameTo('token_usage').execute();
    await usage.flush();
    assert.equal((await recorder().figures([token])).get(token.id)!.requests24h, 1);
  });
});
