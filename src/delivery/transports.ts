// The two ways a customer's stream travels, adapted to one Transport that StreamSession writes to: a WebSocket,
// or Server-Sent Events on a hijacked HTTP response (docs/protocol.md).

import type { Socket } from 'node:net';
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

/**
 * Frames that go to one socket in the same turn of the event loop leave in one write (one system call, which on
 * loopback is most of a frame's cost): the first frame is written at once, as ever; from the second one the TCP
 * socket is corked, and every socket corked is uncorked together at the end of the turn (setImmediate). A catch-up
 * page (up to 200 frames), or a commit carrying several messages for one customer, so costs one write.
 */
let turn = 0;
let turnEndScheduled = false;
const corked: Socket[] = [];

function endTurn(): void {
  turn++;
  turnEndScheduled = false;
  for (const raw of corked) raw.uncork();
  corked.length = 0;
}

function scheduleTurnEnd(): void {
  if (turnEndScheduled) return;
  turnEndScheduled = true;
  setImmediate(endTurn);
}

export function webSocketTransport(socket: WebSocket): Transport {
  return new WebSocketTransport(socket);
}

/**
 * A class, not an object of closures: every open WebSocket holds one for as long as it is open, and four fields
 * are a fraction of what three closures and their shared context held (bench/heapDiff.ts).
 */
class WebSocketTransport implements Transport {
  readonly kind = 'websocket';
  /** `ws` keeps the TCP socket on `_socket`, not in its typings (ws 8). */
  private readonly raw: Socket | undefined;
  private sentInTurn = -1;
  private corkedInTurn = -1;

  constructor(private readonly socket: WebSocket) {
    this.raw = (socket as unknown as { _socket?: Socket })._socket;
  }

  send(json: string): void {
    const { socket, raw } = this;
    if (socket.readyState !== socket.OPEN) return;
    if (this.sentInTurn !== turn) {
      this.sentInTurn = turn;
      scheduleTurnEnd();
    } else if (this.corkedInTurn !== turn && raw && !raw.destroyed) {
      this.corkedInTurn = turn;
      raw.cork();
      corked.push(raw);
    }
    socket.send(json);
  }

  bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  close(code: number, reason: string, reconnectAfterMs?: number): void {
    const { socket } = this;
    if (reconnectAfterMs !== undefined && socket.readyState === socket.OPEN) socket.send(reconnectFrame(reconnectAfterMs));
    socket.close(code, reason);
    // A client that does not read never answers the close either: free its buffer after a grace period.
    const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
    socket.once('close', () => clearTimeout(timer));
  }
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
