// When and how to reconnect, as pure functions: the delay before the next attempt, and what a close code asks of
// the client (docs/protocol.md, "Close codes"; the table is src/protocol/closeCodes.ts). The client's state
// machine applies them; the tests read them as tables.

import { CLOSE, CLOSE_GROUP, CLOSE_RANGES, type CloseGroup } from '../protocol/index.js';

export { CLOSE };

export interface BackoffBounds {
  minMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with full jitter above a floor: attempt 0 waits 1–2 × min, attempt n up to min × 2^(n+1),
 * never more than max. The jitter spreads the reconnects of many browsers after a gateway crash.
 */
export function backoffDelay(attempt: number, { minMs, maxMs }: BackoffBounds, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** (Math.min(attempt, 30) + 1));
  return Math.round(minMs + random() * (ceiling - minMs));
}

export interface ReconnectPolicy {
  /** The failure backoff's floor while the page is hidden (or in a process with no page: see `visible`). */
  minMs: number;
  /** The failure backoff's floor while the page is visible: someone is looking at the chat. */
  visibleMinMs: number;
  maxMs: number;
  /** After a close on purpose: the steady interval between tries (each drawn from 0.5–1.5 × it). */
  steadyMs: number;
  /** After a close on purpose: how long the steady tries go on before the failure backoff takes over. */
  steadyForMs: number;
  /**
   * While the page is visible, the failure backoff's ceiling for the first `quickForMs` of failures: a node that
   * crashed is usually back within seconds, and a backoff grown to 6–20 s meanwhile keeps its customers away long
   * after it answers. A refused connection costs the node nothing, so the cap costs little.
   */
  quickMaxMs: number;
  quickForMs: number;
}

/** Where the client stands between two connections. */
export interface RetryState {
  /** Failure backoff steps taken since the last stable connection. */
  step: number;
  /** When the gateway closed on purpose with no hello since: the steady tries run until `steadyForMs` after it. */
  advisedAt: number | undefined;
  /** When the failure backoff took its first step: its ceiling is `quickMaxMs` until `quickForMs` after it. */
  failingSince?: number;
}

/**
 * Why the last attempt ended: the gateway closed it on purpose (`afterMs`: its `reconnect` frame, when it sent
 * one), or it failed (a crash, a refused connection, a proxy's 502, no hello).
 */
export type EndCause = { kind: 'advised'; afterMs: number | undefined } | { kind: 'failed' };

/**
 * The delay before the next attempt, and the state after it. A close on purpose is followed as the gateway
 * advised (at most `maxMs`; without advice, within one steady interval), and the failures that follow it (the
 * node is restarting, nothing else is up yet) are retried every ~`steadyMs` until `steadyForMs` after the close:
 * a deploy costs a customer about one interval once the node answers, not a backoff grown while it was away.
 * Past that, and after any failure not preceded by such a close, the exponential backoff, from a lower floor
 * and, for its first `quickForMs`, up to a lower ceiling while the page is visible.
 */
export function nextDelay(
  state: RetryState,
  cause: EndCause,
  now: number,
  visible: boolean,
  policy: ReconnectPolicy,
  random: () => number = Math.random,
): { delayMs: number; state: RetryState } {
  if (cause.kind === 'advised') {
    const advised = cause.afterMs;
    const delayMs = Number.isFinite(advised) && advised! >= 0 ? Math.min(Math.round(advised!), policy.maxMs) : Math.round(random() * policy.steadyMs);
    // The first close on purpose starts the bounded window; a second one before any hello does not extend it.
    return { delayMs, state: { step: 0, advisedAt: state.advisedAt ?? now } };
  }
  if (state.advisedAt !== undefined && now - state.advisedAt < policy.steadyForMs) {
    return { delayMs: Math.round(policy.steadyMs * (0.5 + random())), state };
  }
  const failingSince = state.step === 0 ? now : state.failingSince ?? now;
  const quick = visible && now - failingSince < policy.quickForMs;
  const bounds = {
    minMs: visible ? policy.visibleMinMs : policy.minMs,
    maxMs: quick ? Math.min(policy.maxMs, policy.quickMaxMs) : policy.maxMs,
  };
  return { delayMs: backoffDelay(state.step, bounds, random), state: { step: state.step + 1, advisedAt: undefined, failingSince } };
}

export type NextStep =
  | { kind: 'reconnect'; delay: 'now' | 'backoff' | 'advised' }
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
    case 'resume-advised':
      return { kind: 'reconnect', delay: 'advised' };
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
