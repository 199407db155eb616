// The Engine contract against Redis topologies that need the whole machine: a 3-master Cluster and a Sentinel
// setup (a primary, a replica, three sentinels). The same suite runs on the local engine and a single Redis in
// test/engine/engineContract.test.ts.

import { RedisEngine } from '../../src/engine/redis/index.js';
import { ask, startCluster, startSentinel } from '../support/redisTopologies.js';
import { DAY_MS, contract, log } from '../support/engineContract.js';

contract('redis cluster (3 masters)', async () => {
  const cluster = await startCluster();
  const open = () => RedisEngine.open({ url: cluster.url, historyTtlMs: DAY_MS, log });
  const engine = await open();
  return {
    engine,
    // A Cluster has only database 0: an empty store is the same cluster emptied.
    fresh: async () => {
      await Promise.all(cluster.servers.map((s) => ask(s.port, 'FLUSHALL')));
      return open();
    },
    teardown: async () => {
      await engine.close();
      await cluster.stop();
    },
  };
});

contract('redis sentinel (primary, replica, 3 sentinels)', async () => {
  const sentinel = await startSentinel();
  const open = (db = 0) => RedisEngine.open({ url: sentinel.url.replace('/mymaster', `/mymaster/${db}`), historyTtlMs: DAY_MS, log });
  const engine = await open();
  return {
    engine,
    fresh: () => open(1),
    teardown: async () => {
      await engine.close();
      await sentinel.stop();
    },
  };
});
