// The WebSocket transport: `GET /v1/stream?token=…&since=N` upgraded. The token goes in the query because
// browsers cannot set headers on a WebSocket (protocol.md, "Identity").

import { CLOSE } from './reconnect.js';
import type { Transport, TransportHandlers } from './transport.js';
import type { WebSocketConstructor, WebSocketLike } from './types.js';

export function openWebSocket(url: string, Socket: WebSocketConstructor, handlers: TransportHandlers): Transport {
  let closed = false;
  const end = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    handlers.close(code, reason);
  };

  let socket: WebSocketLike;
  try {
    socket = new Socket(url);
  } catch (error) {
    queueMicrotask(() => end(CLOSE.ABNORMAL, `cannot open a WebSocket: ${error instanceof Error ? error.message : error}`));
    return { close: () => void (closed = true) };
  }
  socket.onmessage = (event: { data: unknown }) => {
    if (!closed) handlers.frame(typeof event.data === 'string' ? event.data : String(event.data));
  };
  socket.onclose = (event: { code?: number; reason?: string }) => end(event.code ?? CLOSE.ABNORMAL, event.reason ?? '');
  // A close event always follows an error, with the code; and `ws` throws on an error nobody listens to.
  socket.onerror = () => undefined;

  return {
    close() {
      if (closed) return;
      closed = true;
      try {
        socket.close(CLOSE.NORMAL);
      } catch {
        // Already closing: nothing to do.
      }
    },
  };
}
