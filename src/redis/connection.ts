// Opens ioredis connections to the target REDIS_URL names (./url.ts): a single server, a Sentinel-managed
// primary or a Redis Cluster. Every connection fails fast while Redis is away and
// reconnects by itself, so a push is answered 500 at once (AICC retries) instead of hanging in a queue.

import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './url.js';

export type RedisConnection = Redis | Cluster;

export interface ConnectionOptions {
  /** Bound on one command: a Redis that hangs fails the push after this long, rather than never. */
  commandTimeoutMs: number;
  connectionName: string;
  /**
   * Sends the commands issued in one turn of the event loop in one write (ioredis auto-pipelining), so the
   * commands of one push (a script per customer, the retention index) cost one round trip. Not for a
   * subscriber connection: ioredis may then send a command that subscriber mode refuses (ioredis#1505).
   */
  autoPipelining?: boolean;
  /** Cluster only: one subscriber connection per master for SSUBSCRIBE (sharded pub/sub). */
  shardedSubscribers?: boolean;
}

/** Reconnects forever, quickly at first, then every 2 s: a Redis restart is usually over in seconds. */
function retryDelay(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 6), 2000);
}

export function connect(target: RedisTarget, options: ConnectionOptions): RedisConnection {
  const common: RedisOptions = {
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
    connectionName: options.connectionName,
    // No offline queue and no retry of a command under way: while Redis is away every command fails at once,
    // so a push answers 500 (resultCode 13) and AICC retries it; a retried write is safe because it dedupes.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 3000,
    retryStrategy: retryDelay,
    // Subscriptions are restored by the fan-out itself, which then tells its sessions to catch up.
    autoResubscribe: false,
    lazyConnect: true,
    enableAutoPipelining: options.autoPipelining ?? false,
  };
  if (target.kind === 'cluster') {
    const clusterOptions: ClusterOptions = {
      redisOptions: common,
      enableOfflineQueue: false,
      clusterRetryStrategy: retryDelay,
      lazyConnect: true,
      enableAutoPipelining: options.autoPipelining ?? false,
      ...(options.shardedSubscribers ? { shardedSubscribers: true } : {}),
    };
    return new Cluster(target.hosts, clusterOptions);
  }
  if (target.kind === 'sentinel') {
    return new Redis({ ...common, sentinels: target.hosts, name: target.masterName!, db: target.db });
  }
  return new Redis({ ...common, host: target.hosts[0]!.host, port: target.hosts[0]!.port, db: target.db });
}

/**
 * Connects a lazy connection and resolves once it is ready; rejects after `timeoutMs`, with the last connection
 * error in the message. Meanwhile the errors of each attempt are heard here, so that ioredis does not print an
 * "Unhandled error event" stack for every retry before the one clear message the caller makes of the rejection.
 */
export function waitReady(connection: RedisConnection, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let last: Error | undefined;
    const heard = (err: Error) => (last = err);
    const settle = () => {
      clearTimeout(timer);
      connection.off('error', heard);
      connection.off('ready', ready);
    };
    const ready = () => {
      settle();
      resolve();
    };
    const timer = setTimeout(() => {
      settle();
      reject(new Error(`not ready within ${timeoutMs / 1000} s${last ? ` (${last.message})` : ''}`));
    }, timeoutMs);
    connection.on('error', heard);
    connection.once('ready', ready);
    connection.connect().catch(() => {
      // Retried by the reconnect strategy until the timer above gives up.
    });
  });
}
