// Whether this node should receive traffic (GET /readyz, the aicc_gateway_ready gauge). A ping alone says ready on
// a full disk or a Redis at maxmemory: reads still answer while every write fails. So a node whose recent writes
// failed, with none succeeding since, is not ready either, and a load balancer routes AICC's pushes elsewhere.

import type { Engine } from '../engine/types.js';

export interface Readiness {
  /** Told of every append's outcome (engine/observe.ts). */
  writeSucceeded(): void;
  writeFailed(): void;
  /** Why the node is not ready now, or undefined when it is. */
  notReadyReason(): Promise<string | undefined>;
}

export function createReadiness(options: {
  engine: Pick<Engine, 'ping'>;
  /** How long a failed write keeps the node out, unless a write succeeds meanwhile (READYZ_FAILURE_WINDOW_MS); 0: never. */
  failureWindowMs: number;
  now?: () => number;
}): Readiness {
  const now = options.now ?? Date.now;
  // Only the order matters: a success after the last failure clears it at once.
  let lastFailureAt: number | undefined;
  return {
    writeSucceeded: () => void (lastFailureAt = undefined),
    writeFailed: () => void (lastFailureAt = now()),
    async notReadyReason() {
      if (lastFailureAt !== undefined && options.failureWindowMs > 0 && now() - lastFailureAt < options.failureWindowMs) {
        return 'the store refuses writes (the last append failed, none succeeded since)';
      }
      try {
        await options.engine.ping();
        return undefined;
      } catch {
        return 'the store does not answer';
      }
    },
  };
}
