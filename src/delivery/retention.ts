// Purges messages older than HISTORY_TTL, in small steps on the writer thread, so a purge of a large backlog
// never holds the store for long: pushes are committed between the steps.

import type { FastifyBaseLogger } from 'fastify';
import type { Engine } from '../engine/types.js';

const STEP = 500;
const MAX_INTERVAL_MS = 3_600_000;

export interface Retention {
  /** Runs one purge to completion now (also what the timer does). */
  purgeNow(): Promise<number>;
  stop(): void;
}

export function startRetention(options: { engine: Engine; ttlMs: number; log: FastifyBaseLogger }): Retention {
  const { engine, ttlMs, log } = options;
  let running: Promise<number> | undefined;
  let stopped = false;

  async function purge(): Promise<number> {
    const cutoff = Date.now() - ttlMs;
    let total = 0;
    for (;;) {
      if (stopped) break;
      const deleted = await engine.purgeOlderThan(cutoff, STEP);
      total += deleted;
      if (deleted < STEP) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (total > 0) log.info({ deleted: total, olderThan: new Date(cutoff).toISOString() }, 'history purged');
    return total;
  }

  const purgeNow = () => {
    running ??= purge().finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => {
    purgeNow().catch((err) => log.warn({ err: { message: (err as Error).message } }, 'history purge failed; retried later'));
  }, Math.min(MAX_INTERVAL_MS, Math.max(1000, ttlMs / 10)));
  timer.unref();

  return {
    purgeNow,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
