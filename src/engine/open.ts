// Chooses the engine from the configuration: Redis when REDIS_URL is set (several nodes acting as one), else
// SQLite in DATA_DIR. Where the AccessToken signing secret lives follows from the same choice: with Redis and
// no TOKEN_SECRET, every node must read one shared secret, so it is kept in Redis rather than in DATA_DIR; and
// limits are counted and per-customer jobs are handed out where every node sees them: in Redis, or in this process.

import type { Logger } from 'pino';
import { loadTokenSecret } from '../aicc/accessTokens.js';
import type { Config } from '../config.js';
import { localJobs, type Jobs } from '../conversation/jobs.js';
import { localLimits, type Limits } from '../http/rateLimit.js';
import { LocalEngine } from './local/index.js';
import { RedisEngine } from './redis/index.js';
import type { Engine } from './types.js';

export async function openEngine(config: Config, log: Logger): Promise<{ engine: Engine; tokenSecret: Uint8Array; limits: Limits; jobs: Jobs }> {
  if (config.redisUrl) {
    const engine = await RedisEngine.open({ url: config.redisUrl, historyTtlMs: config.historyTtlMs, log });
    try {
      const tokenSecret = config.tokenSecret
        ? new TextEncoder().encode(config.tokenSecret)
        : await engine.sharedTokenSecret();
      return { engine, tokenSecret, limits: engine.limits(), jobs: engine.jobs() };
    } catch (err) {
      await engine.close();
      throw err;
    }
  }
  const engine = await LocalEngine.open({
    dataDir: config.dataDir,
    durability: config.durability,
    busyTimeoutMs: config.storeBusyTimeoutMs,
    log,
  });
  return { engine, tokenSecret: loadTokenSecret(config.dataDir, config.tokenSecret), limits: localLimits, jobs: localJobs() };
}
