// One error type for everything the gateway refuses or fails at. Each code fixes the HTTP status and the
// AICC-style `resultCode` ("0" is success, anything else makes AICC treat the push as failed and retry). The ground
// floor: it imports nothing, so every part may use it.

/** Every answer's shape, AICC's as ours: `resultCode` "0" is success (docs/aicc.md §2). */
export interface ResultAnswer {
  resultCode: string;
  resultDesc: string;
}


/**
 * Every error by name, with its HTTP status and resultCode. The name is the answer's `code` and an `error`
 * frame's (docs/protocol.md "Errors"): stable, for clients to word in their language; the status and resultCode
 * are what AICC and plain HTTP clients read.
 */
export const ERROR_CODES = {
  // The request is wrong: sending it again unchanged meets the same answer.
  INVALID_PARAMETER: { status: 400, resultCode: '2' },
  /** A text longer than its limit (a message over 1,000 characters, a comment over its maximum). */
  TOO_LONG: { status: 400, resultCode: '2' },
  // Who is asking: credentials, tokens, signatures, origins.
  UNAUTHORIZED: { status: 401, resultCode: '3' },
  /** A webhook push in Huawei's documented four-part auth-v2 form: no signature the gateway can check (docs/aicc.md §3). */
  UNSIGNED_PUSH: { status: 401, resultCode: '3' },
  STALE_TIMESTAMP: { status: 401, resultCode: '4' },
  FORBIDDEN: { status: 403, resultCode: '9' },
  NOT_FOUND: { status: 404, resultCode: '5' },
  PAYLOAD_TOO_LARGE: { status: 413, resultCode: '6' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, resultCode: '7' },
  // Too much: wait (Retry-After) and try again.
  RATE_LIMITED: { status: 429, resultCode: '8' },
  TOO_MANY_CONNECTIONS: { status: 429, resultCode: '10' },
  // The customer's side and AICC.
  UPLINK_DISABLED: { status: 503, resultCode: '15' },
  /** AICC says no agent works now (its resultCode 12): the customer may leave a message. */
  AGENTS_UNAVAILABLE: { status: 409, resultCode: '12' },
  /** A retry (same clientMessageId) whose body differs from what was stored under it. */
  CHANGED_RETRY: { status: 409, resultCode: '17' },
  /** A second survey of one conversation: each conversation is surveyed once. */
  SURVEY_ALREADY_SAVED: { status: 409, resultCode: '17' },
  UPSTREAM_FAILED: { status: 502, resultCode: '16' },
  // Failures of ours: AICC pushes again, clients try again.
  INTERNAL: { status: 500, resultCode: '1' },
  STORE_UNAVAILABLE: { status: 500, resultCode: '13' },
  SHUTTING_DOWN: { status: 503, resultCode: '14' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly resultCode: string;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
    this.statusCode = ERROR_CODES[code].status;
    this.resultCode = ERROR_CODES[code].resultCode;
  }
}

/**
 * The gateway cannot start for a reason outside it (a store that does not answer): the command says it in one
 * line, without a stack trace, as it does a configuration error.
 */
export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
  }
}

export const SUCCESS: ResultAnswer = { resultCode: '0', resultDesc: 'success' };
