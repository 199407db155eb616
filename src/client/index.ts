// The SDK for customers' browsers (and Node): receives everything AICC pushes to one customer, in order, once,
// across reconnects, over WebSocket or SSE (docs/protocol.md). No runtime dependencies; bundled by build.ts.

import { GatewayClient } from './client.js';
import type { ClientOptions } from './types.js';

/** A client that starts connecting at once; listeners added in the same tick miss nothing. */
export function createClient(options: ClientOptions): GatewayClient {
  const client = new GatewayClient(options);
  client.connect();
  return client;
}

export { GatewayClient, type HistoryQuery } from './client.js';
export { backoffDelay, afterClose, closeGroup, CLOSE, type BackoffBounds, type NextStep } from './reconnect.js';
export type { CloseCode, CloseGroup } from '../protocol/index.js';
export { jwtExpiresAt } from './token.js';
export { TEXT_MAX_BYTES, textBytes, UPLOAD_EXTENSIONS, uploadType } from './limits.js';
export { SseParser, type SseEvent } from './sse.js';
export * from './types.js';
