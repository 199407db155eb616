// When and how to reconnect, as pure functions: the backoff delay, and what a close code asks of the client
// (docs/protocol.md, "Close codes"; the table is src/protocol/closeCodes.ts). The client's state machine applies
// them; the tests read them as tables.

import { CLOSE, CLOSE_GROUP, CLOSE_RANGES, type CloseGroup } from '../protocol/index.js';

export { CLOSE };

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

export type NextStep =
  | { kind: 'reconnect'; delay: 'now' | 'backoff' }
  | { kind: 'refresh-token' }
  | { kind: 'stop'; error: 'TOKEN_REFUSED' | 'PROTOCOL' | 'REFUSED' };

/** What to do after the gateway (or the network) closed a connection the user did not close: the code's group. */
export function afterClose(code: number, canRefreshToken: boolean): NextStep {
  switch (closeGroup(code)) {
    case 'refresh-token':
      return canRefreshToken ? { kind: 'refresh-token' } : { kind: 'stop', error: 'TOKEN_REFUSED' };
    case 'resume-now':
      // We fell behind, the gateway did not: resume at once from our position.
      return { kind: 'reconnect', delay: 'now' };
    case 'stop':
      // 1003: the gateway could not read what we sent, retrying would send it again. The others (a forbidden
      // origin, too many connections) would be refused the same way.
      return { kind: 'stop', error: code === CLOSE.UNREADABLE ? 'PROTOCOL' : 'REFUSED' };
    case 'resume':
      return { kind: 'reconnect', delay: 'backoff' };
  }
}

/** The group of a close code: the table's, else its range's, else resume (1006, network, and anything unknown). */
export function closeGroup(code: number): CloseGroup {
  const listed = (CLOSE_GROUP as Partial<Record<number, CloseGroup>>)[code];
  if (listed) return listed;
  return CLOSE_RANGES.find((range) => code >= range.from && code <= range.to)?.group ?? 'resume';
}
