// One contract, every engine: the local (SQLite) engine and the Redis engine must behave the same for append,
// dedupe (and asking what is stored), gapless seqs, conversation state, reads, retention and fan-out. The Redis
// engine also gets what only it has: several nodes writing one customer, and Redis going away and coming back.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LocalEngine } from '../../src/engine/local/index.js';
import { RedisEngine } from '../../src/engine/redis/index.js';
import type { Engine } from '../../src/engine/types.js';
import { GatewayError } from '../../src/errors.js';
import { tempDir } from '../support/gateway.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { waitFor } from '../support/streams.js';
import { DAY_MS, collect, contract, log, msg, newCustomer } from '../support/engineContract.js';

describe('local engine: AICC sessions', () => {
  it('survive a restart of the gateway', async () => {
    const dataDir = tempDir();
    const session = { userId: 'u', token: 'ccmessaging-token', appliedAt: 1, connected: true, readSeq: 3 };
    const first = await LocalEngine.open({ dataDir, durability: 'relaxed', busyTimeoutMs: 1000, log });
    await first.setAiccSession('restarted', session);
    await first.close();
    const second = await LocalEngine.open({ dataDir, durability: 'relaxed', busyTimeoutMs: 1000, log });
    try {
      assert.deepEqual(await second.aiccSession('restarted'), session);
    } finally {
      await second.close();
    }
  });
});

contract('local (SQLite)', async () => {
  const opened: Engine[] = [];
  const open = async () => {
    const engine = await LocalEngine.open({ dataDir: tempDir(), durability: 'relaxed', busyTimeoutMs: 1000, log });
    opened.push(engine);
    return engine;
  };
  return { engine: await open(), fresh: open, teardown: async () => void (await opened[0]!.close()) };
});

let redis: TestRedis;
let redisReady: Promise<TestRedis> | undefined;
const sharedRedis = () => (redisReady ??= startRedis().then((r) => (redis = r)));
const openRedis = async (db = 0) =>
  RedisEngine.open({ url: `${(await sharedRedis()).url}/${db}`, historyTtlMs: DAY_MS, log });

contract('redis', async () => {
  const engine = await openRedis();
  return { engine, fresh: () => openRedis(1), teardown: () => engine.close() };
});

describe('redis engine: several nodes, and Redis going away', () => {
  let node1: RedisEngine;
  let node2: RedisEngine;
  before(async () => {
    node1 = await openRedis();
    node2 = await openRedis();
  });
  after(async () => {
    await Promise.all([node1.close(), node2.close()]);
    await redis.stop();
  });

  it('keeps seqs gapless and pushes together while two nodes write one customer at once', async () => {
    const to = newCustomer('shared');
    const pushes = Array.from({ length: 40 }, (_, p) => Array.from({ length: 3 }, (_, k) => msg({ to, messageCode: `${p}-${k}` })));
    const results = await Promise.all(pushes.map((push, p) => (p % 2 ? node1 : node2).append(push)));
    for (const outcomes of results) assert.deepEqual(outcomes.map((o) => o.seq - outcomes[0]!.seq), [0, 1, 2]);
    const entries = await node1.readSince(to, 0, 1000);
    assert.deepEqual(entries.map((e) => e.seq), Array.from({ length: 120 }, (_, i) => i + 1));
    // A retry through the other node is a duplicate, whichever node stored the original.
    const retried = await node2.append(pushes[1]!);
    assert.deepEqual(retried.map((o) => [o.seq, o.duplicate]), results[1]!.map((o) => [o.seq, true]));
    assert.equal((await node1.conversation(to)).lastSeq, 120);
  });

  it("shares a customer's AICC session between the nodes", async () => {
    const to = newCustomer('session');
    const session = { userId: to, token: 'ccmessaging-token', appliedAt: Date.now(), connected: true, readSeq: 0 };
    await node1.setAiccSession(to, session);
    assert.deepEqual(await node2.aiccSession(to), session);
  });

  it('refuses writes at once while Redis is down, then carries on where it was, and listeners resync', async () => {
    const to = newCustomer('outage');
    await node1.append([msg({ to }), msg({ to })]);
    const listener = collect(node2, to);
    await waitFor(() => listener.seen.size === 2, 'the listener to catch up');
    await redis.kill();
    await assert.rejects(node1.append([msg({ to })]), (err: GatewayError) => err.code === 'STORE_UNAVAILABLE');
    await assert.rejects(node1.ping());
    await redis.restart();
    let stored = false;
    await waitFor(() => {
      if (!stored) node1.append([msg({ to, messageCode: 'after-outage' })]).then(() => (stored = true), () => undefined);
      return stored;
    }, 'a write to succeed after the restart');
    await waitFor(() => listener.seen.size === 3, 'the listener to receive the entry written after the restart');
    assert.deepEqual((await node2.readSince(to, 0, 10)).map((e) => e.seq), [1, 2, 3], 'the AOF kept the log and lastSeq');
    listener.stop();
  });
});
