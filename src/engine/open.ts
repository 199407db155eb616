// Chooses the engine from the configuration: Redis when REDIS_URL is set (several nodes acting as one), else
// SQLite in DATA_DIR. (The signing secret follows the same choice, in secrets/open.ts.)

import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { LocalEngine } from './local/index.js';
import { RedisEngine } from './redis/index.js';
import type { Engine } from './types.js';

export async function openEngine(config: Config, log: Logger): Promise<Engine> {
  if (config.redisUrl) return RedisEngine.open({ url: config.redisUrl, historyTtlMs: config.historyTtlMs, log });
  return LocalEngine.open({
    dataDir: config.dataDir,
    durability: config.durability,
    busyTimeoutMs: config.storeBusyTimeoutMs,
    log,
  });
}
