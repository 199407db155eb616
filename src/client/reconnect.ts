// When and how to reconnect, as pure functions: the backoff delay, and what a close code asks of the client
// (docs/protocol.md, "Close codes"). The client's state machine applies them; the tests read them as tables.

export interface BackoffBounds {
  minMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with full jitter above a floor: attempt 0 waits 1–2 × min, attempt n up to min × 2^(n+1),
 * never more than max. The jitter spreads the reconnects of many browsers after a gateway restart.
 */
export function backoffDelay(attempt: number, { minMs, maxMs }: BackoffBounds, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** (Math.min(attempt, 30) + 1));
  return Math.round(minMs + random() * (ceiling - minMs));
}

/** Close codes the gateway sends (protocol.md) and the ones the SDK uses for what it detects itself. */
export const CLOSE = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  UNREADABLE_FRAME: 1003,
  /** No close frame: the connection broke, or the SDK gave up on it (no hello, no heartbeat, a gap). */
  ABNORMAL: 1006,
  INTERNAL_ERROR: 1011,
  TOKEN_REFUSED: 4001,
  SLOW_CONSUMER: 4008,
} as const;

export type NextStep =
  | { kind: 'reconnect'; delay: 'now' | 'backoff' }
  | { kind: 'refresh-token' }
  | { kind: 'stop'; error: 'TOKEN_REFUSED' | 'PROTOCOL' };

/** What to do after the gateway (or the network) closed a connection the user did not close. */
export function afterClose(code: number, canRefreshToken: boolean): NextStep {
  switch (code) {
    case CLOSE.TOKEN_REFUSED:
      return canRefreshToken ? { kind: 'refresh-token' } : { kind: 'stop', error: 'TOKEN_REFUSED' };
    case CLOSE.SLOW_CONSUMER:
      // We fell behind, the gateway did not: resume at once from our position.
      return { kind: 'reconnect', delay: 'now' };
    case CLOSE.UNREADABLE_FRAME:
      // The gateway could not read what we sent: retrying would send it again.
      return { kind: 'stop', error: 'PROTOCOL' };
    default:
      // 1000, 1001 (shutting down), 1006 (network), 1011 (internal) and anything unknown.
      return { kind: 'reconnect', delay: 'backoff' };
  }
}
