// The secret shared by every node of a cluster when TOKEN_SECRET is unset: kept in Redis, created by the
// first node to start (SET NX), read back by all. One short-lived connection, closed once the secret is read.

import { randomBytes } from 'node:crypto';
import { connect, waitReady } from '../redis/connection.js';
import { parseRedisUrl } from '../redis/url.js';
import type { SecretStore } from './types.js';

const SECRET_KEY = 'aicc:token-secret';

export function redisSecretStore(url: string, options: { connectWaitMs?: number } = {}): SecretStore {
  return {
    async read() {
      const redis = connect(parseRedisUrl(url), { commandTimeoutMs: 5000, connectionName: 'aicc-gateway:secrets' });
      redis.on('error', () => {
        // Reported by the engine's own connection; this one only lives for the two commands below.
      });
      try {
        await waitReady(redis, options.connectWaitMs ?? 10_000);
        await redis.set(SECRET_KEY, randomBytes(32).toString('base64url'), 'NX');
        const secret = await redis.get(SECRET_KEY);
        if (!secret) throw new Error('the shared token secret could not be read back from redis');
        return Buffer.from(secret, 'base64url');
      } finally {
        await redis.quit().catch(() => {});
        redis.disconnect();
      }
    },
  };
}
