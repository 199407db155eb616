// One contract for Limits (src/engine/limits.ts), every implementation: counted in this process (one node) or in
// Redis (every node together). A rate limiter lets `limit` uses of a key through and then refuses with a
// Retry-After, each key and each named limit apart; connection caps hold a customer to its maximum and give a
// place back once, however often it is released; on Redis, two nodes count together.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { localLimits, type Limits } from '../../src/engine/limits.js';
import { RedisEngine } from '../../src/engine/redis/index.js';
import { createLogger } from '../../src/logger.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const log = createLogger('silent');
let counter = 0;
const unique = (name: string) => `${name}-${process.pid}-${++counter}`;
// A window long enough that none ends, and no token refills, while a test runs.
const WINDOW = { limit: 5, windowMs: 60_000 };

function contract(name: string, setup: () => Promise<{ limits: Limits; teardown(): Promise<void> }>) {
  describe(`limits contract: ${name}`, () => {
    let limits: Limits;
    let teardown: () => Promise<void>;
    before(async () => {
      ({ limits, teardown } = await setup());
    });
    after(() => teardown());

    it('lets `limit` uses of a key through, then refuses with a Retry-After of at least a second', async () => {
      const limiter = limits.rate(unique('rate'), WINDOW);
      const key = unique('address');
      for (let i = 0; i < WINDOW.limit; i++) assert.equal((await limiter.take(key)).allowed, true, `use ${i + 1}`);
      const refused = await limiter.take(key);
      assert.equal(refused.allowed, false);
      assert.ok(refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 60, `retry after ${refused.retryAfterSeconds} s`);
    });

    it('counts each key, and each named limit, apart', async () => {
      const name = unique('rate');
      const limiter = limits.rate(name, WINDOW);
      const [one, two] = [unique('address'), unique('address')];
      for (let i = 0; i < WINDOW.limit; i++) await limiter.take(one);
      assert.equal((await limiter.take(one)).allowed, false);
      assert.equal((await limiter.take(two)).allowed, true, 'another key has its own count');
      assert.equal((await limits.rate(unique('rate'), WINDOW).take(one)).allowed, true, 'another limit has its own count');
    });

    it('holds a customer to its connections and gives a place back once, however often it is released', async () => {
      const caps = limits.connections(2);
      const customer = unique('customer');
      try {
        const first = await caps.acquire(customer);
        const second = await caps.acquire(customer);
        assert.ok(first && second, 'two places');
        assert.equal(await caps.acquire(customer), undefined, 'no third');
        assert.ok(await caps.acquire(unique('customer')), 'another customer has places of its own');
        first();
        first();
        const again = await caps.acquire(customer);
        assert.ok(again, 'the released place is taken again');
        assert.equal(await caps.acquire(customer), undefined, 'released twice, given back once');
        second();
        again();
      } finally {
        caps.close();
      }
    });
  });
}

contract('local', async () => ({ limits: localLimits, teardown: async () => {} }));

let redis: TestRedis;
contract('redis', async () => {
  redis = await startRedis();
  const engine = await RedisEngine.open({ url: redis.url, log, historyTtlMs: 3_600_000 });
  return {
    limits: engine.limits(),
    teardown: async () => {
      await engine.close();
      await redis.stop();
    },
  };
});

describe('limits on redis: several nodes count together', () => {
  let store: TestRedis;
  let nodes: RedisEngine[];
  before(async () => {
    store = await startRedis();
    nodes = await Promise.all([0, 1].map(() => RedisEngine.open({ url: store.url, log, historyTtlMs: 3_600_000 })));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await store.stop();
  });

  it('refuses on one node what the other already let through', async () => {
    const name = unique('rate');
    const [a, b] = nodes.map((n) => n.limits().rate(name, WINDOW));
    const key = unique('address');
    for (let i = 0; i < WINDOW.limit; i++) assert.equal((await (i % 2 ? a! : b!).take(key)).allowed, true);
    assert.equal((await a!.take(key)).allowed, false);
    assert.equal((await b!.take(key)).allowed, false);
  });

  it('counts a customer\'s connections on both nodes against one maximum', async () => {
    const [a, b] = nodes.map((n) => n.limits().connections(2));
    const customer = unique('customer');
    try {
      assert.ok(await a!.acquire(customer));
      const onB = await b!.acquire(customer);
      assert.ok(onB);
      assert.equal(await a!.acquire(customer), undefined, 'the third is refused on either node');
      onB();
      // The release travels on the other node's connection: the place is free once Redis has heard it.
      let admitted: (() => void) | undefined;
      for (let attempt = 0; !admitted && attempt < 100; attempt++) {
        admitted = await a!.acquire(customer);
        if (!admitted) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(admitted, 'a place released on one node is free on the other');
    } finally {
      a!.close();
      b!.close();
    }
  });
});
