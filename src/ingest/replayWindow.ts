// The replay window (PUSH_TIMESTAMP_SKEW_MS), ours and not AICC's (docs/aicc.md §1): it stops a captured push of
// new messages from being played back later. AICC may retry a push with its original body long after (an outage,
// a backlog), so a push whose every message is already stored is a retry, let through whatever its age.

import type { NormalizedMessage } from '../aicc/downlink.js';
import type { Engine } from '../engine/types.js';
import { GatewayError } from '../errors.js';

/** A push dated inside the window, or an old retry of messages all stored (answered "0", stored and sent nothing). */
export type Freshness = 'fresh' | 'stored-retry';

export interface PushTime {
  /** The body `timestamp`, or the signature's own time on the webhook. */
  name: 'timestamp' | 'the signature timestamp';
  ms: number;
}

/**
 * Holds a push's times to the window: how the push is to be taken, or STALE_TIMESTAMP for an old push carrying
 * anything not yet stored. Only an old push costs a store read, and only its answer is a promise (this runs on
 * every push). Typing is never stored, and an empty push stores nothing: an old one of either has nothing to show
 * it is a retry, and is refused.
 */
export function checkReplayWindow(input: {
  engine: Engine;
  messages: readonly NormalizedMessage[];
  times: readonly PushTime[];
  nowMs: number;
  /** 0 turns the window off. */
  skewMs: number;
}): 'fresh' | Promise<Freshness> {
  const { engine, messages, times, nowMs, skewMs } = input;
  const stale = skewMs > 0 ? times.find((time) => Math.abs(nowMs - time.ms) > skewMs) : undefined;
  if (!stale) return 'fresh';
  return storedRetryOrRefuse(engine, messages, stale);
}

async function storedRetryOrRefuse(engine: Engine, messages: readonly NormalizedMessage[], stale: PushTime): Promise<Freshness> {
  const durable = messages.filter((msg) => !msg.ephemeral);
  if (durable.length > 0 && (await engine.allStored(durable))) return 'stored-retry';
  throw new GatewayError('STALE_TIMESTAMP', `${stale.name} is outside the accepted window (replay?), and the push is not a retry of messages already stored`);
}
