// Sending again what a proxy or the network lost: POST /v1/messages (and /v1/transfer) is safe to repeat with the
// same clientMessageId (the gateway stores and sends a message once per id), so a 502/503/504 or a request that
// never got an answer is tried again with backoff, as the stream reconnects. What the gateway refused for a reason
// (400, 401, 403, 409, 413, 429) is not: the same request would be refused the same way.

import { backoffDelay, type BackoffBounds } from './reconnect.js';
import { GatewayClientError, type SendRetryOptions } from './types.js';

export interface SendRetryPolicy {
  attempts: number;
  bounds: BackoffBounds;
}

export function sendRetryPolicy(options: SendRetryOptions | false | undefined): SendRetryPolicy {
  if (options === false) return { attempts: 1, bounds: { minMs: 0, maxMs: 0 } };
  const attempts = Math.max(1, Math.floor(options?.attempts ?? 4));
  return { attempts, bounds: { minMs: options?.minDelayMs ?? 500, maxMs: options?.maxDelayMs ?? 8000 } };
}

/**
 * A failure worth another try: no answer at all (the network), or a proxy's or a stopping gateway's 502–504. Not
 * the gateway's UPLINK_DISABLED (a 503 that lasts until AICC_BASE_URL is set).
 */
export function worthRetrying(error: unknown): boolean {
  if (!(error instanceof GatewayClientError) || error.code !== 'HTTP') return false;
  if (error.gatewayCode === 'UPLINK_DISABLED') return false;
  return error.status === undefined || error.status === 502 || error.status === 503 || error.status === 504;
}

/**
 * Runs `attempt` until it succeeds, fails for good, the tries run out, or `wanted()` turns false (the client was
 * closed: a logged-out customer's message must not go out after the logout). Rejects with the last error.
 */
export async function withSendRetry<T>(
  attempt: () => Promise<T>,
  policy: SendRetryPolicy,
  wanted: () => boolean,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (tried >= policy.attempts || !worthRetrying(error)) throw error;
      await sleep(backoffDelay(tried - 1, policy.bounds));
      if (!wanted()) throw error;
    }
  }
}
