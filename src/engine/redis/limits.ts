// Limits counted in Redis, so every node enforces the one configured limit: a token bucket per key (one Lua
// script, one round trip, Redis's clock for every node) and, per customer and per client address, a sorted set of
// its open connections, each a lease its node renews, so the connections of a node that died stop counting within
// LEASE_MS.
// Counts are not worth a disk write: the scripts keep their writes out of the append-only file and replicas
// (REPL_NONE), so a limit check costs no fsync; a restarted or promoted Redis starts the counts afresh.

import { randomUUID } from 'node:crypto';
import { GatewayError } from '../../errors.js';
import type { ConnectionCaps, ConnectionScope, Limits, RateLimiter } from '../limits.js';
import type { RedisConnection } from '../../redis/connection.js';
import { keys } from './keys.js';

/**
 * KEYS[1]: the bucket (a hash: tokens, at). ARGV: capacity (the limit), refill window (ms): the bucket fills
 * from empty to full in one window, so the sustained rate is the limit per window and a burst is at most the
 * limit. Returns 0 when a token was taken, else the ms until the next one.
 */
const TOKEN_BUCKET = `
redis.set_repl(redis.REPL_NONE)
local capacity = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or capacity
local at = tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * capacity / window)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * window / capacity) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], window * 2)
return wait
`;

/** KEYS[1]: the customer's connections. ARGV: max, member, lease (ms). Returns 1 when admitted, 0 when full. */
const ADMIT = `
redis.set_repl(redis.REPL_NONE)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** KEYS[1]: the customer's connections. ARGV: member, lease (ms). Extends a lease still held. */
const RENEW = `
redis.set_repl(redis.REPL_NONE)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
`;

/** How long a connection counts after its node last renewed it (renewed every third of it). */
const LEASE_MS = 30_000;

type Scripted = {
  aiccTakeToken(key: string, capacity: number, windowMs: number): Promise<number>;
  aiccAdmit(key: string, max: number, member: string, leaseMs: number): Promise<number>;
  aiccRenew(key: string, member: string, leaseMs: number): Promise<number>;
};

export function redisLimits(redis: RedisConnection): Limits {
  redis.defineCommand('aiccTakeToken', { lua: TOKEN_BUCKET, numberOfKeys: 1 });
  redis.defineCommand('aiccAdmit', { lua: ADMIT, numberOfKeys: 1 });
  redis.defineCommand('aiccRenew', { lua: RENEW, numberOfKeys: 1 });
  const scripted = redis as unknown as Scripted;
  return {
    rate: (name, { limit, windowMs }): RateLimiter => ({
      async take(key) {
        const waitMs = await unavailableOnError(() => scripted.aiccTakeToken(keys.limit(name, key), limit, windowMs));
        return { allowed: waitMs === 0, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
      },
    }),
    connections: (maxPerKey, scope = 'customer') => redisConnectionCaps(redis, scripted, maxPerKey, scope),
  };
}

function redisConnectionCaps(redis: RedisConnection, scripted: Scripted, maxPerKey: number, scope: ConnectionScope): ConnectionCaps {
  const keyOf = scope === 'customer' ? keys.connections : keys.addressConnections;
  /** This node's connections: member → its key (a customer, an address). */
  const held = new Map<string, string>();
  const renew = setInterval(() => {
    if (held.size === 0) return;
    const pipeline = redis.pipeline();
    for (const [member, key] of held) (pipeline as unknown as Scripted).aiccRenew(keyOf(key), member, LEASE_MS);
    // Redis away: the leases may lapse, and the connections stop counting until it is back (fail open).
    pipeline.exec().catch(() => undefined);
  }, LEASE_MS / 3);
  renew.unref();
  return {
    async acquire(key) {
      const member = randomUUID();
      const admitted = await unavailableOnError(() => scripted.aiccAdmit(keyOf(key), maxPerKey, member, LEASE_MS));
      if (admitted !== 1) return undefined;
      held.set(member, key);
      return () => {
        if (!held.delete(member)) return;
        redis.zrem(keyOf(key), member).catch(() => undefined); // else it lapses
      };
    },
    close: () => clearInterval(renew),
  };
}

async function unavailableOnError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new GatewayError('STORE_UNAVAILABLE', `the shared limits could not be counted (redis: ${(err as Error).message})`, { cause: err });
  }
}
