// Chooses the engine from the configuration: Redis when REDIS_URL is set (several nodes acting as one), else
// SQLite in DATA_DIR. (The signing secret follows the same choice, in secrets/open.ts.) Limits are counted and
// per-customer jobs handed out where every node sees them, by the same choice: in Redis, or in this process.

import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { localJobs, type Jobs } from './jobs.js';
import { localLimits, type Limits } from './limits.js';
import { LocalEngine } from './local/index.js';
import type { Engine } from './types.js';

export interface OpenedEngine {
  engine: Engine;
  limits: Limits;
  jobs: Jobs;
}

export async function openEngine(config: Config, log: Logger): Promise<OpenedEngine> {
  if (config.redisUrl) {
    // Loaded only when used: ioredis and what it brings cost a node on SQLite a fifth of its start time.
    const { RedisEngine } = await import('./redis/index.js');
    const engine = await RedisEngine.open({ url: config.redisUrl, historyTtlMs: config.historyTtlMs, log });
    return { engine, limits: engine.limits(), jobs: engine.jobs() };
  }
  const engine = await LocalEngine.open({
    dataDir: config.dataDir,
    durability: config.durability,
    busyTimeoutMs: config.storeBusyTimeoutMs,
    log,
  });
  return { engine, limits: localLimits, jobs: localJobs() };
}
