// The Redis setups an operator runs, for real, on free loopback ports: a 3-master Redis Cluster (created with
// `redis-cli --cluster create`) and a Sentinel setup (a primary, a replica, three sentinels). Each gives the
// REDIS_URL the gateway is configured with, and the means to break it: restart a master, kill the primary.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { DURABLE_ARGS, startRedis, startRedisProcess, type TestRedis } from './redis.js';

const REDIS_CLI = process.env.REDIS_CLI ?? '/usr/bin/redis-cli';
const REDIS_SENTINEL = process.env.REDIS_SENTINEL ?? '/usr/bin/redis-sentinel';
const run = promisify(execFile);

export interface TestTopology {
  kind: 'standalone' | 'cluster' | 'sentinel';
  url: string;
  /** The data servers (masters of the Cluster; primary and replica under Sentinel). */
  servers: TestRedis[];
  stop(): Promise<void>;
}

/** One command on one server, on a connection of its own (the server may be about to die). */
export async function ask(port: number, ...command: (string | number)[]): Promise<unknown> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(String(command[0]), ...command.slice(1).map(String));
  } finally {
    client.disconnect();
  }
}

/** Polls an asynchronous condition (a server's answer) until it holds. */
async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const infoField = (info: unknown, field: string) => new RegExp(`^${field}:(.*)$`, 'm').exec(String(info))?.[1]?.trim();

export async function startStandalone(): Promise<TestTopology> {
  const redis = await startRedis();
  return { kind: 'standalone', url: redis.url, servers: [redis], stop: () => redis.stop() };
}

export { waitFor as waitForServer };

export interface TestCluster extends TestTopology {
  kind: 'cluster';
  /** The master serving a key's slot (a customer's keys all share the slot of its hash tag). */
  masterOf(key: string): Promise<TestRedis>;
  /** Waits until every master reports cluster_state:ok (after a start or a restart). */
  healthy(): Promise<void>;
}

/** Three masters, no replicas: the slots are split in three; each master keeps its append-only file. */
export async function startCluster(): Promise<TestCluster> {
  const servers: TestRedis[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      servers.push(await startRedisProcess({
        args: () => [
          ...DURABLE_ARGS, '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
          // A master that is away is noticed within seconds, and the other shards keep serving meanwhile.
          '--cluster-node-timeout', '2000', '--cluster-require-full-coverage', 'no',
        ],
      }));
    }
    await run(REDIS_CLI, ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes']);
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
  const healthy = () =>
    waitFor(async () => {
      const states = await Promise.all(servers.map((s) => ask(s.port, 'CLUSTER', 'INFO').then((i) => infoField(i, 'cluster_state'), () => 'down')));
      return states.every((state) => state === 'ok');
    }, 'the cluster to be ok', 30_000);
  await healthy();
  return {
    kind: 'cluster',
    url: `redis-cluster://${servers.map((s) => `127.0.0.1:${s.port}`).join(',')}`,
    servers,
    healthy,
    async masterOf(key) {
      const slot = Number(await ask(servers[0]!.port, 'CLUSTER', 'KEYSLOT', key));
      const ranges = (await ask(servers[0]!.port, 'CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const range = ranges.find(([from, to]) => slot >= from && slot <= to)!;
      return servers.find((s) => s.port === Number(range[2][1]))!;
    },
    stop: async () => void (await Promise.all(servers.map((s) => s.stop()))),
  };
}

export interface TestSentinel extends TestTopology {
  kind: 'sentinel';
  sentinels: TestRedis[];
  /** The server the sentinels name as primary now. */
  primary(): Promise<TestRedis>;
}

/**
 * A primary and a replica, both with `min-replicas-to-write 1` (the one promoted must refuse writes too while it
 * has no replica), watched by three sentinels with quorum 2 that call a primary down after 1 s.
 */
export async function startSentinel(): Promise<TestSentinel> {
  const started: TestRedis[] = [];
  const stopAll = async () => void (await Promise.all(started.map((s) => s.stop())));
  try {
    const replicaArgs = [...DURABLE_ARGS, '--min-replicas-to-write', '1', '--min-replicas-max-lag', '10'];
    const primary = await startRedisProcess({ args: () => replicaArgs });
    started.push(primary);
    const replica = await startRedisProcess({ args: () => [...replicaArgs, '--replicaof', '127.0.0.1', String(primary.port)] });
    started.push(replica);
    await waitFor(async () => infoField(await ask(replica.port, 'INFO', 'replication'), 'master_link_status') === 'up', 'the replica to sync', 30_000);
    const sentinels: TestRedis[] = [];
    for (let i = 0; i < 3; i++) {
      const sentinel = await startRedisProcess({
        binary: REDIS_SENTINEL,
        configFile: (port, dir) => {
          const file = join(dir, 'sentinel.conf');
          writeFileSync(file, [
            `port ${port}`,
            `sentinel monitor mymaster 127.0.0.1 ${primary.port} 2`,
            'sentinel down-after-milliseconds mymaster 1000',
            'sentinel failover-timeout mymaster 5000',
            'sentinel parallel-syncs mymaster 1',
            '',
          ].join('\n'));
          return file;
        },
      });
      sentinels.push(sentinel);
      started.push(sentinel);
    }
    // Sentinels find each other and the replica through the primary; a failover needs them to know each other.
    await waitFor(async () => {
      const views = await Promise.all(sentinels.map((s) => ask(s.port, 'SENTINEL', 'MASTER', 'mymaster').catch(() => [])));
      return views.every((view) => {
        const fields = view as string[];
        const field = (name: string) => Number(fields[fields.indexOf(name) + 1]);
        return field('num-other-sentinels') === 2 && field('num-slaves') === 1;
      });
    }, 'the sentinels to know each other and the replica', 30_000);
    const servers = [primary, replica];
    return {
      kind: 'sentinel',
      url: `redis-sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/mymaster?wait=1`,
      servers,
      sentinels,
      async primary() {
        for (const sentinel of sentinels) {
          const addr = (await ask(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster').catch(() => null)) as [string, string] | null;
          if (addr) return servers.find((s) => s.port === Number(addr[1]))!;
        }
        throw new Error('no sentinel answered');
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
