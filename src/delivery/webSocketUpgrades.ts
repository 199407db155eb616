// The stream's WebSocket upgrades (GET /v1/stream), taken from the HTTP server's 'upgrade' event before Fastify
// routes them, and handed to `ws` in noServer mode. Fastify's request lifecycle around an upgrade (routing, the
// hooks, a Request, a Reply and a ServerResponse each) was a fifth of a stream's set-up in a reconnect storm
// (bench/stormCpu.ts). The checks its hooks made for an upgrade are made here, in the same order: the address's
// connection place (http/connections.ts), then CLIENT_RATE_LIMIT (429, as for any /v1 request); the stream's own
// checks (origin, token, places, the accept queue) stay with the stream (./streamRoute.ts).

import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { parse as parseQuery, type ParsedUrlQuery } from 'node:querystring';
import type { FastifyBaseLogger } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RateLimiter } from '../engine/limits.js';
import { GatewayError } from '../errors.js';
import { answerOnSocket } from '../http/answers.js';
import type { ConnectionVerdict } from '../http/connections.js';
import { lazyChildLogger } from '../http/requestLogger.js';
import { acceptedRequestId } from '../http/requestLog.js';
import type { Metrics } from '../observability/metrics.js';

/** What a stream needs of its request, whichever way it came (an upgrade here, an SSE request through Fastify). */
export interface StreamRequest {
  headers: IncomingHttpHeaders;
  query: unknown;
  /** The client's address, as the limits count it (http/clientAddress.ts). */
  address: string;
  log: FastifyBaseLogger;
}

/** The checks Fastify's hooks made for every request, which an upgrade taken here must make itself. */
export interface UpgradeChecks {
  /** The connection's place among its address's (MAX_CONNECTIONS_PER_ADDRESS); absent: every connection may. */
  connectionAdmitted?: ConnectionVerdict;
  /** CLIENT_RATE_LIMIT; absent: not limited. */
  limiter?: RateLimiter;
  /** The client's address, behind the trusted proxies (TRUST_PROXY) as Fastify derives it. */
  clientAddress: (request: IncomingMessage) => string;
  /** The headers every answer carries (http/securityHeaders.ts), for a refusal written here. */
  answerHeaders?: Record<string, string>;
}

export interface WebSocketUpgradeOptions {
  checks: UpgradeChecks;
  log: FastifyBaseLogger;
  metrics?: Metrics;
  /** The socket upgraded; the stream is set up from here. */
  onSocket: (socket: WebSocket, request: StreamRequest, tcp: Socket) => void;
}

export interface WebSocketUpgrades {
  /** `ws`'s server: its `clients` are every socket upgraded and not yet closed. */
  readonly server: WebSocketServer;
  /** Handles one upgrade request for the stream's path. */
  handle(request: IncomingMessage, socket: Socket, head: Buffer): void;
  /** Sends what waits in the socket (the 101 answer) now: the stream's set-up is done, whichever way it went. */
  uncork(tcp: Socket): void;
}

export function webSocketUpgrades(options: WebSocketUpgradeOptions): WebSocketUpgrades {
  const { checks, log } = options;
  // No per-message compression: it costs every frame CPU and every connection memory (zlib contexts).
  const server = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });

  // The upgrade's 101 answer waits in the socket for the hello: the two leave in one write, not two (on SQLite the
  // hello is ready within the same turn of the event loop: the token, the place and the head need no I/O). The
  // socket is uncorked once the set-up is done whichever way it went, and at the latest when the event loop turns
  // (Redis: the hello then follows in its own write).
  const corked = new WeakMap<Socket, () => void>();
  server.on('headers', (_headers: string[], request: IncomingMessage) => {
    const socket = request.socket;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      corked.delete(socket);
      socket.uncork();
    };
    socket.cork();
    corked.set(socket, release);
    setImmediate(release);
  });

  function upgrade(request: IncomingMessage, socket: Socket, head: Buffer, streamRequest: StreamRequest): void {
    // `ws` installs its own error listener on the socket here.
    socket.off('error', destroyOnError);
    server.handleUpgrade(request, socket, head, (ws) => options.onSocket(ws, streamRequest, socket));
  }

  /** CLIENT_RATE_LIMIT, as the onRequest hook counts every /v1 request (http/clientLimits.ts): a read goes through when it cannot be counted. */
  function limit(request: IncomingMessage, socket: Socket, head: Buffer): void {
    const address = checks.clientAddress(request);
    const streamRequest = streamRequestOf(request, address, log);
    if (!checks.limiter) return upgrade(request, socket, head, streamRequest);
    checks.limiter.take(address).then(
      ({ allowed, retryAfterSeconds }) => {
        if (allowed) return upgrade(request, socket, head, streamRequest);
        const error = new GatewayError('RATE_LIMITED', 'too many requests from this address; try again after Retry-After');
        options.metrics?.refusals.inc({ reason: error.code });
        answerOnSocket(socket, error, { ...checks.answerHeaders, 'retry-after': String(retryAfterSeconds) });
        logRefusal(streamRequest, request, error);
      },
      () => upgrade(request, socket, head, streamRequest),
    );
  }

  return {
    server,
    handle(request, socket, head) {
      // Node removes its socket error listener before it emits 'upgrade': a reset while the checks run must not
      // end the process.
      socket.on('error', destroyOnError);
      const admitted = checks.connectionAdmitted?.(socket) ?? true;
      if (admitted === true) return limit(request, socket, head);
      if (admitted === false) return void socket.destroy();
      admitted.then((ok) => (ok ? limit(request, socket, head) : socket.destroy()));
    },
    uncork: (tcp) => corked.get(tcp)?.(),
  };
}

/**
 * Takes the server's upgrades for `path` before any other 'upgrade' listener (@fastify/websocket's, which routes
 * through Fastify) sees them; the others go on to those listeners as before. Call it once they are all registered
 * (Fastify's onReady).
 */
export function takeUpgrades(server: Server, path: string, handle: (request: IncomingMessage, socket: Socket, head: Buffer) => void): void {
  const others = server.listeners('upgrade') as ((request: IncomingMessage, socket: Socket, head: Buffer) => void)[];
  server.removeAllListeners('upgrade');
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    if (pathOf(request.url ?? '') === path) return handle(request, socket, head);
    if (others.length === 0) return void socket.destroy();
    for (const listener of others) listener.call(server, request, socket, head);
  });
}

/** The path as the router reads it: without the query, percent-decoding undone (`/%761/stream` is the stream too). */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function streamRequestOf(request: IncomingMessage, address: string, log: FastifyBaseLogger): StreamRequest {
  let child: FastifyBaseLogger | undefined;
  return {
    headers: request.headers,
    query: queryOf(request.url ?? ''),
    address,
    // With a request id, as Fastify gives every request (the caller's X-Request-Id when plain): the logger and
    // its id are made when a line is written, which most streams never do.
    get log() {
      let id: string | undefined;
      const bindings = { get reqId() { return (id ??= acceptedRequestId(request.headers['x-request-id']) ?? randomUUID()); } };
      return (child ??= lazyChildLogger(log, bindings, {}));
    },
  };
}

/** The query as Fastify parses it: a name given twice is an array (which the stream then refuses). */
function queryOf(url: string): ParsedUrlQuery {
  const start = url.indexOf('?');
  return start === -1 ? {} : parseQuery(url.slice(start + 1));
}

/** The line http/requestLog.ts writes for a request refused through Fastify, for an upgrade refused here. */
function logRefusal(streamRequest: StreamRequest, request: IncomingMessage, error: GatewayError): void {
  streamRequest.log.info(
    {
      method: request.method,
      path: pathOf(request.url ?? ''),
      status: error.statusCode,
      remoteAddress: streamRequest.address,
      resultCode: error.resultCode,
      reason: error.message,
      error: error.code,
    },
    'request completed',
  );
}

function destroyOnError(this: Socket): void {
  this.destroy();
}
