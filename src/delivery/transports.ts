// The two ways a customer's stream travels, adapted to one Transport that StreamSession writes to: a WebSocket,
// or Server-Sent Events on a hijacked HTTP response (docs/protocol.md).

import type { FastifyReply } from 'fastify';
import type { WebSocket } from 'ws';
import type { CloseFrame, ReconnectFrame, TransportName } from '../protocol/index.js';

/** What a session needs of its connection (WebSocket or SSE). */
export interface Transport {
  readonly kind: TransportName;
  /** Sends one frame, already encoded as JSON text; `eventId` is the seq of a message frame. */
  send(json: string, eventId?: number): void;
  /** Bytes written but not yet handed to the network. */
  bufferedBytes(): number;
  /** Ends the connection with `code`; `reconnectAfterMs`: a close on purpose, sent with a `reconnect` frame first. */
  close(code: number, reason: string, reconnectAfterMs?: number): void;
}

function reconnectFrame(afterMs: number): string {
  const frame: ReconnectFrame = { type: 'reconnect', afterMs };
  return JSON.stringify(frame);
}

/** How long a closed WebSocket's client has to answer the close before its socket is dropped. */
const CLOSE_GRACE_MS = 5000;

export function webSocketTransport(socket: WebSocket): Transport {
  return {
    kind: 'websocket',
    send: (json) => {
      if (socket.readyState === socket.OPEN) socket.send(json);
    },
    bufferedBytes: () => socket.bufferedAmount,
    close: (code, reason, reconnectAfterMs) => {
      if (reconnectAfterMs !== undefined && socket.readyState === socket.OPEN) socket.send(reconnectFrame(reconnectAfterMs));
      socket.close(code, reason);
      // A client that does not read never answers the close either: free its buffer after a grace period.
      const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
      socket.once('close', () => clearTimeout(timer));
    },
  };
}

export function sseTransport(reply: FastifyReply, extraHeaders: Record<string, string> = {}): Transport {
  const res = reply.raw;
  // Headers set on the reply so far (CORS, security) go out with the hijacked response too.
  const headers = Object.fromEntries(Object.entries(reply.getHeaders()).filter(([, v]) => v !== undefined)) as Record<
    string,
    string | number | string[]
  >;
  reply.hijack();
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...extraHeaders,
  });
  res.write('retry: 2000\n\n');
  const write = (json: string, eventId?: number, event?: string) => {
    if (res.writableEnded || res.destroyed) return;
    const id = eventId === undefined ? '' : `id: ${eventId}\n`;
    const name = event ? `event: ${event}\n` : '';
    res.write(`${id}${name}data: ${json}\n\n`);
  };
  return {
    kind: 'sse',
    send: (json, eventId) => write(json, eventId),
    bufferedBytes: () => res.writableLength,
    close: (code, reason, reconnectAfterMs) => {
      if (reconnectAfterMs !== undefined && !res.writableEnded && !res.destroyed) {
        // `retry:` is what a plain EventSource follows; the frame is what the SDK reads.
        res.write(`retry: ${reconnectAfterMs}\n\n`);
        write(reconnectFrame(reconnectAfterMs));
      }
      const frame: CloseFrame = { type: 'close', code, reason };
      write(JSON.stringify(frame), undefined, 'close');
      res.end();
    },
  };
}
