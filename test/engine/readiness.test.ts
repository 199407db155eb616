// Readiness follows the store's writes, not only its pings: on a store that answers reads but refuses every write
// (a locked or full SQLite file, Redis at maxmemory), /readyz must say 503 so a load balancer takes the node out,
// and say ready again once a write succeeds. Both engines, over real HTTP.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { startGateway, type InProcessGateway } from '../support/gateway.js';
import { startRedis, type TestRedis } from '../support/redis.js';

async function push(gw: InProcessGateway, to: string, token?: string) {
  const auth = { 'x-app-key': 'app1', authorization: `Bearer ${token ?? (await gw.token('app1'))}` };
  return gw.push(pushBody([downLinkMsg({ to })]), auth);
}

describe('readiness on the local engine: a store that refuses writes is not ready', () => {
  let gw: InProcessGateway;
  before(async () => {
    gw = await startGateway({ STORE_BUSY_TIMEOUT_MS: '50' });
  });
  after(() => gw.close());

  it('answers 503 while appends fail, ready again once one succeeds', async () => {
    assert.equal((await push(gw, 'ready-1')).status, 200);
    assert.equal((await gw.request('GET', '/readyz')).status, 200);
    // Another process holds the write lock: pings (reads) still answer, every append fails.
    const blocker = new Database(join(gw.dataDir, 'gateway.sqlite'));
    try {
      blocker.exec('BEGIN IMMEDIATE');
      const refused = await push(gw, 'ready-1');
      assert.equal(refused.status, 500);
      assert.equal(refused.body.resultCode, '13');
      const ready = await gw.request('GET', '/readyz');
      assert.equal(ready.status, 503);
      assert.equal(ready.body.status, 'unavailable');
      assert.match(ready.body.reason, /refuses writes/);
      const metrics = await gw.request('GET', '/metrics');
      assert.match(metrics.body, /^aicc_gateway_ready 0$/m);
    } finally {
      blocker.exec('COMMIT');
      blocker.close();
    }
    assert.equal((await push(gw, 'ready-1')).status, 200);
    assert.equal((await gw.request('GET', '/readyz')).status, 200);
  });
});

describe('readiness on the Redis engine: Redis at maxmemory makes the node not ready', () => {
  let redis: TestRedis;
  let gw: InProcessGateway;
  let admin: Redis;
  before(async () => {
    redis = await startRedis();
    gw = await startGateway({ REDIS_URL: redis.url });
    admin = new Redis(redis.url, { lazyConnect: true });
    await admin.connect();
  });
  after(async () => {
    admin.disconnect();
    await gw.close();
    await redis.stop();
  });

  it('answers 503 while Redis refuses writes (OOM), ready again once a push is stored', async () => {
    const token = await gw.token('app1');
    assert.equal((await push(gw, 'ready-2', token)).status, 200);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1');
    try {
      assert.equal((await gw.request('GET', '/readyz')).status, 200, 'Redis still answers a ping');
      const refused = await push(gw, 'ready-2', token);
      assert.equal(refused.status, 500);
      assert.equal((await gw.request('GET', '/readyz')).status, 503);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    assert.equal((await push(gw, 'ready-2')).status, 200);
    assert.equal((await gw.request('GET', '/readyz')).status, 200);
  });
});
