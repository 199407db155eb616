// The SDK's public types. What the wire carries is the protocol's (src/protocol/), re-exported here for the SDK's
// users; `export type` keeps the bundle free of anything but the SDK itself.

import type { GatewayErrorCode, HelloFrame, TransportName, MessageEntry, QueueFrame, SendMessage, StateFrame, TypingFrame } from '../protocol/index.js';

export type * from '../protocol/frames.js';
export type * from '../protocol/messages.js';
export type * from '../protocol/errors.js';
export type { TransportName } from '../protocol/index.js';

/** The connection's life, centrifuge-style. `closed` is final until `connect()` is called again. */
export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'closed';

export interface ConnectedEvent {
  transport: TransportName;
  /** The seq the connection resumed after (what was sent as `since`). */
  since: number;
}

export interface TransportEvent {
  transport: TransportName;
  reason: 'fallback' | 'retry';
}

export interface DisconnectedEvent {
  code: number;
  reason: string;
  willReconnect: boolean;
  /** When it will reconnect: in this many ms (the gateway's advice after a close on purpose, else the backoff). */
  reconnectInMs?: number;
}

/** The events that carry a frame: the frame without its `type`. */
export type StateEvent = Omit<StateFrame, 'type'>;
export type TypingEvent = Omit<TypingFrame, 'type'>;
export type QueueEvent = Omit<QueueFrame, 'type'>;

/** The codes of the errors the SDK reports (`error` events, rejected `history()`/`conversation()` calls). */
export type ClientErrorCode =
  /** The gateway refused the token (4001 or HTTP 401) and there is no `getToken` to get another one. */
  | 'TOKEN_REFUSED'
  /** `getToken` threw or did not give a string. */
  | 'TOKEN_REFRESH_FAILED'
  /** The gateway closed with 1003: it could not read what this SDK sent. */
  | 'PROTOCOL'
  /** The gateway refused the connection for a reason a retry would meet again (4003 origin, 4009 too many). */
  | 'REFUSED'
  /** A frame was not JSON or not an object with a `type`. */
  | 'BAD_FRAME'
  /**
   * A message frame skipped a seq the gateway did not announce as truncated. The SDK resumes to fill the gap;
   * if the resumed connection skips the same seqs, it goes on without them.
   */
  | 'GAP'
  /** The gateway's newest seq is below the one the client already has: its store was reset. */
  | 'SEQ_REWOUND'
  /** An HTTP call answered something other than 2xx, or did not answer. */
  | 'HTTP';

export class GatewayClientError extends Error {
  readonly code: ClientErrorCode;
  /** The HTTP status, for `HTTP` and `TOKEN_REFUSED` errors from HTTP calls. */
  readonly status: number | undefined;
  /**
   * The gateway's error by name, when it answered one (`code` of its answer, docs/protocol.md "Errors"):
   * AGENTS_UNAVAILABLE, CHANGED_RETRY, TOO_LONG, UNSUPPORTED_MEDIA_TYPE, … What to word an error by.
   */
  readonly gatewayCode: GatewayErrorCode | undefined;

  constructor(code: ClientErrorCode, message: string, options: { status?: number; gatewayCode?: GatewayErrorCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayClientError';
    this.code = code;
    this.status = options.status;
    this.gatewayCode = options.gatewayCode;
  }
}

export interface ClientEvents {
  /** A stored message, each seq once and in increasing order. */
  message: MessageEntry;
  /** The agent or bot is typing (ephemeral, never replayed). */
  typing: TypingEvent;
  /** The customer's queue position while waiting for an agent (ephemeral). */
  queue: QueueEvent;
  /** The conversation's state: first from `hello`, then on every change; never older than one already given. */
  state: StateEvent;
  /** The first frame of every connection. */
  hello: HelloFrame;
  connected: ConnectedEvent;
  disconnected: DisconnectedEvent;
  /** The transport changed: SSE took over after WebSocket failures (`fallback`), or WebSocket is tried again (`retry`). */
  transport: TransportEvent;
  error: GatewayClientError;
}

/** A WebSocket constructor: the browser's, or `ws`'s in Node 20 (which has none built in). */
export interface WebSocketConstructor {
  new (url: string): WebSocketLike;
}

/** The part of the WHATWG WebSocket the SDK uses. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** The gateway's base URL, http(s) (ws(s) is accepted too); may include a path prefix. */
  url: string;
  /** A customer token. Without it, `getToken` is called before the first connection. */
  token?: string;
  /**
   * Gives a fresh token: called when the gateway refuses the current one (4001, HTTP 401), and before a
   * connection or request when the current token is a JWT that expires within `tokenRefreshMarginMs`.
   */
  getToken?: () => Promise<string>;
  /** Resume after this seq (the highest one the app has already processed). Default 0: from the start. */
  since?: number;
  /** Default `websocket`. */
  transport?: TransportName;
  /**
   * From WebSocket to SSE by itself: after `afterFailures` (default 3) WebSocket attempts in a row that failed
   * before any WebSocket connection succeeded, SSE takes over; WebSocket is tried again after
   * `retryWebSocketAfterMs` (default 60 s). `false`: never. Needs fetch; resumes by seq across every switch.
   */
  fallback?: { afterFailures?: number; retryWebSocketAfterMs?: number } | false;
  /** Default `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** Default `globalThis.fetch`. */
  fetch?: FetchFunction;
  /**
   * Reconnect delays after a failure (a crash, a broken network): exponential with full jitter between these
   * bounds. Default 20 s at most, and at least 100 ms while the page is visible, 300 ms while it is hidden; a
   * value given here is the floor in both cases.
   */
  minReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /**
   * After the gateway closed the stream on purpose (1001 going away, 1013 try again later): the client comes back
   * when the gateway's `reconnect` frame said, then, while the connection fails (the node restarting, a proxy
   * with no node up yet), tries again every ~`steadyReconnectDelayMs` (default 500 ms, jittered) for
   * `steadyReconnectForMs` (default 15 s) before backing off exponentially.
   */
  steadyReconnectDelayMs?: number;
  steadyReconnectForMs?: number;
  /** A connection that lasted this long resets the backoff. Default 10 s. */
  stableAfterMs?: number;
  /** How long to wait for `hello` before trying again. Default 10 s. */
  connectTimeoutMs?: number;
  /** Refresh a JWT that expires within this margin before using it. Default 30 s. */
  tokenRefreshMarginMs?: number;
  /**
   * `send()` tries again, with the same clientMessageId, after a 502/503/504 or a lost answer: 4 tries in all,
   * 500 ms to 8 s apart (exponential with jitter). `false`: once only.
   */
  sendRetry?: SendRetryOptions | false;
}

/** How `send()` tries again after a 502/503/504 or a lost answer (sendRetry.ts). */
export interface SendRetryOptions {
  /** Tries in all, the first included. Default 4. */
  attempts?: number;
  /** Backoff between tries: exponential with full jitter between these bounds. Default 500 ms and 8 s. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** What the customer sends (POST /v1/messages): a protocol SendMessage whose clientMessageId is made up when not given. */
export type OutgoingMessage = SendMessage extends infer M
  ? M extends SendMessage
    ? Omit<M, 'clientMessageId'> & { clientMessageId?: string }
    : never
  : never;
