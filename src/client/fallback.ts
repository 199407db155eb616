// Which transport the next connection uses. Corporate proxies often break WebSockets: after a few WebSocket
// attempts in a row that failed before any WebSocket connection ever succeeded, the client falls back to SSE
// (fetch streaming, plain HTTP), and tries WebSocket again after a while; one more failure sends it back to SSE.
// Once a WebSocket has worked, failures are the network's, not the proxy's, and never cause a fallback.

import type { TransportName } from './types.js';

export interface FallbackSettings {
  /** WebSocket attempts that fail before any succeeded, in a row, before SSE takes over. */
  afterFailures: number;
  /** How long SSE serves before WebSocket is tried again. */
  retryWebSocketAfterMs: number;
}

export type Switch = { to: TransportName; reason: 'fallback' | 'retry' } | undefined;

export class TransportChoice {
  #current: TransportName;
  #failures = 0;
  #webSocketWorked = false;
  /** When SSE took over from a failing WebSocket (undefined: no fallback in force). */
  #fellBackAt: number | undefined;

  constructor(
    preferred: TransportName,
    private readonly settings: FallbackSettings | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.#current = preferred;
  }

  get current(): TransportName {
    return this.#current;
  }

  /** Whether SSE stands in for a WebSocket that did not work. */
  get fellBack(): boolean {
    return this.#fellBackAt !== undefined;
  }

  /** Milliseconds until WebSocket should be tried again (0: now); undefined when no fallback is in force. */
  untilRetry(): number | undefined {
    if (this.#fellBackAt === undefined || !this.settings) return undefined;
    return Math.max(0, this.#fellBackAt + this.settings.retryWebSocketAfterMs - this.now());
  }

  /** Before each connection: once the fallback has served long enough, WebSocket gets another try. */
  beforeAttempt(): Switch {
    if (this.untilRetry() !== 0) return undefined;
    this.#current = 'websocket';
    // One failure of this try is enough to go back.
    this.#failures = Math.max(0, (this.settings?.afterFailures ?? 1) - 1);
    this.#fellBackAt = undefined;
    return { to: 'websocket', reason: 'retry' };
  }

  /** A connection got its hello. */
  connected(): void {
    if (this.#current === 'websocket') {
      this.#webSocketWorked = true;
      this.#failures = 0;
    }
  }

  /** A connection ended before its hello, not because of the token. */
  failedBeforeHello(): Switch {
    if (this.#current !== 'websocket' || this.#webSocketWorked || !this.settings) return undefined;
    this.#failures += 1;
    if (this.#failures < this.settings.afterFailures) return undefined;
    this.#current = 'sse';
    this.#fellBackAt = this.now();
    return { to: 'sse', reason: 'fallback' };
  }
}
