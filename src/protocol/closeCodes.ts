// The one close-code table of the customer stream (docs/protocol.md, "Close codes"): the codes the gateway sends
// and the ones the SDK uses for what it detects itself. This is the protocol's only runtime value: a const table
// both sides import. Each code belongs to a group that says what the client does next, as centrifuge's
// disconnect codes do; codes added later take a number from the range of their group.

export const CLOSE = {
  NORMAL: 1000,
  /** The gateway is shutting down or restarting. */
  GOING_AWAY: 1001,
  /** The gateway could not read what the client sent. */
  UNREADABLE: 1003,
  /** No close frame: the connection broke, or the SDK gave up on it (no hello, no heartbeat, a gap). */
  ABNORMAL: 1006,
  /** The store could not be read, or the stream could not start. */
  INTERNAL: 1011,
  /** The gateway is taking too many new streams at once: come back when its `reconnect` frame says. */
  TRY_AGAIN_LATER: 1013,
  /** The token is missing, invalid or expired. */
  TOKEN_REFUSED: 4001,
  /** The page's Origin is not in ALLOWED_ORIGINS. */
  FORBIDDEN_ORIGIN: 4003,
  /** The client did not read fast enough; it is behind, the gateway is not. */
  TOO_SLOW: 4008,
  /** The customer already has MAX_CONNECTIONS_PER_CUSTOMER connections open. */
  TOO_MANY_CONNECTIONS: 4009,
} as const;

export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE];

/**
 * What a close asks of the client:
 * - `resume`: reconnect after a backoff and resume from the last seq;
 * - `resume-advised`: the gateway closed on purpose and is fine (a deploy, a burst of reconnects): reconnect when
 *   its `reconnect` frame said (else within a short window), retry at a steady short interval for a bounded
 *   time, then back off;
 * - `resume-now`: reconnect at once and resume (the client fell behind, nothing is wrong with the gateway);
 * - `refresh-token`: get a new token, then reconnect and resume (stop when there is no way to get one);
 * - `stop`: do not reconnect, retrying would be refused the same way.
 */
export type CloseGroup = 'resume' | 'resume-advised' | 'resume-now' | 'refresh-token' | 'stop';

/** The group of every code in CLOSE. */
export const CLOSE_GROUP: { readonly [code in CloseCode]: CloseGroup } = {
  [CLOSE.NORMAL]: 'resume',
  [CLOSE.GOING_AWAY]: 'resume-advised',
  [CLOSE.UNREADABLE]: 'stop',
  [CLOSE.ABNORMAL]: 'resume',
  [CLOSE.INTERNAL]: 'resume',
  [CLOSE.TRY_AGAIN_LATER]: 'resume-advised',
  [CLOSE.TOKEN_REFUSED]: 'refresh-token',
  [CLOSE.FORBIDDEN_ORIGIN]: 'stop',
  [CLOSE.TOO_SLOW]: 'resume-now',
  [CLOSE.TOO_MANY_CONNECTIONS]: 'stop',
};

/**
 * Where codes the table does not (yet) list fall: 4100–4499 resume, 4500–4999 stop. Every other unknown code
 * (the WebSocket range included) resumes with a backoff, the safe default for a stream that must not lose
 * messages. The gateway's codes below 4100 predate the ranges and are listed one by one above.
 */
export const CLOSE_RANGES: readonly { readonly from: number; readonly to: number; readonly group: CloseGroup }[] = [
  { from: 4100, to: 4499, group: 'resume' },
  { from: 4500, to: 4999, group: 'stop' },
];
