// GET /v1/stream: a customer's real-time stream, as a WebSocket (an upgrade request, taken off Fastify's lifecycle
// by ./webSocketUpgrades.ts) or as Server-Sent Events (a plain GET asking for text/event-stream, a Fastify route).
// Both carry the same frames (docs/protocol.md); StreamSession does the delivery, ./transports.ts adapts the two
// connections to it, and this module admits the customer (the same checks for both) and answers the frames they send.

import type { Socket } from 'node:net';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Engine } from '../engine/types.js';
import { GatewayError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import { clientAddress } from '../http/clientAddress.js';
import { originAllowed } from '../http/cors.js';
import type { ConnectionCaps, RateLimiter } from '../engine/limits.js';
import { FrameGate } from './frameGate.js';
import { tokenOf, type CustomerIdentity, type CustomerTokens } from './identity.js';
import { CLOSE, type AckFrame, type ErrorFrame, type ServerFrame } from '../protocol/index.js';
import { StreamSession } from './streamSession.js';
import { sseTransport, webSocketTransport, type Transport } from './transports.js';
import { takeUpgrades, webSocketUpgrades, type StreamRequest, type UpgradeChecks } from './webSocketUpgrades.js';

const STREAM_PATH = '/v1/stream';

const WS_CLOSE_FOR: Partial<Record<GatewayError['code'], number>> = {
  UNAUTHORIZED: CLOSE.TOKEN_REFUSED,
  FORBIDDEN: CLOSE.FORBIDDEN_ORIGIN,
  TOO_MANY_CONNECTIONS: CLOSE.TOO_MANY_CONNECTIONS,
};

export interface StreamRouteOptions {
  engine: Engine;
  /** The open sessions: the route adds and removes them; the gateway counts them (metrics, status). */
  sessions: Set<StreamSession>;
  customerTokens: CustomerTokens;
  heartbeatMs: number;
  bufferBytes: number;
  slowConsumerMs: number;
  metrics?: Metrics;
  /** Connections one customer may have open at once (tabs, devices), counted on every node; more are refused. */
  connectionCaps: ConnectionCaps;
  allowedOrigins: readonly string[];
  /** Answers the customer's own frames (send, typing, read, transfer); absent: only ping is understood. */
  clientFrames?: ClientFrameHandler;
  /** The limiter the client's HTTP requests count against (CLIENT_RATE_LIMIT); its upgrade and frames count against it too. */
  frameLimiter?: RateLimiter;
  /**
   * The checks Fastify's hooks make for every request, made for the WebSocket upgrade, which does not go through
   * Fastify (./webSocketUpgrades.ts); absent: no connection cap per address, and the peer's address is the client's.
   */
  upgradeChecks?: Omit<UpgradeChecks, 'limiter'>;
  /** A stream closed on purpose (shutting down) tells its client to come back within this window (RECONNECT_WINDOW_MS). */
  reconnectWindowMs: number;
  /**
   * Streams that may be setting up at once (token, store read, hello: STREAM_ACCEPT_QUEUE); more are refused
   * with 1013 and a reconnect frame, so a reconnect storm waits its turn at the clients rather than in the node.
   */
  acceptQueue: number;
}

/**
 * Handles one frame from the customer (a protocol ClientFrame, not yet checked: it is what the client sent); the ack
 * it returns, if any, is sent back on the same connection.
 */
export type ClientFrameHandler = (customerId: string, frame: { type: string } & Record<string, unknown>) => Promise<AckFrame | undefined>;

export const streamRoute: FastifyPluginAsync<StreamRouteOptions> = async (app, options) => {
  const { sessions } = options;
  /** Streams between their request and their hello. */
  let settingUp = 0;
  const busy = () => settingUp >= options.acceptQueue;
  /** A refused stream comes back after a delay drawn from at least a second: the queue needs time to drain. */
  const busyAdvice = () => BUSY_FLOOR_MS + reconnectAdvice(Math.max(options.reconnectWindowMs, 1000));

  const upgrades = webSocketUpgrades({
    checks: {
      clientAddress: (request) => request.socket.remoteAddress ?? 'unknown',
      ...options.upgradeChecks,
      ...(options.frameLimiter ? { limiter: options.frameLimiter } : {}),
    },
    log: app.log,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    onSocket: (socket, request, tcp) => void serveWebSocket(socket, request, tcp),
  });
  // Once every plugin is registered: the upgrades for other paths still reach @fastify/websocket, if registered.
  app.addHook('onReady', (done) => {
    takeUpgrades(app.server, STREAM_PATH, upgrades.handle);
    done();
  });

  // Closing the gateway closes every stream with "going away", so clients reconnect elsewhere and resume; the
  // sockets still setting up close without advice.
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
    closeGoingAway(sessions, options.reconnectWindowMs);
    for (const socket of upgrades.server.clients) socket.close(CLOSE.GOING_AWAY, 'the gateway is shutting down');
  });

  /**
   * The checks both transports make, in order: the token, the resume position, a connection place of the
   * customer's. Throws a GatewayError for the first that fails.
   */
  async function admit(request: StreamRequest, lastEventId?: string | string[]): Promise<{ identity: CustomerIdentity; since: number; release: () => void }> {
    const identity = await options.customerTokens.verify(tokenOf(request.headers, request.query));
    const since = sinceOf(request.query, lastEventId);
    // A stream is a read: when the shared count cannot be reached (Redis away) it is let through.
    const release = await options.connectionCaps.acquire(identity.customerId).catch(() => () => {});
    if (!release) throw new GatewayError('TOO_MANY_CONNECTIONS', 'this customer holds as many connections as allowed (MAX_CONNECTIONS_PER_CUSTOMER)');
    return { identity, since, release };
  }

  /** Registers the session at once (a close that comes while it starts then finds it), then starts it. */
  function begin(transport: Transport, log: StreamRequest['log'], identity: CustomerIdentity, since: number, release: () => void): StreamSession {
    const session = new StreamSession(transport, {
      engine: options.engine,
      customerId: identity.customerId,
      since,
      tokenExpiresAtMs: identity.expiresAtMs,
      heartbeatMs: options.heartbeatMs,
      bufferBytes: options.bufferBytes,
      slowConsumerMs: options.slowConsumerMs,
      log,
      onClosed: () => {
        sessions.delete(session);
        release();
      },
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    sessions.add(session);
    // Debug, not info: a line per stream is a write per stream, and in a reconnect storm those add up (the
    // gateway_streams gauge and the stream metrics count them).
    log.debug({ customerId: identity.customerId, since }, 'stream opened');
    return session;
  }

  async function start(session: StreamSession, log: StreamRequest['log']): Promise<void> {
    try {
      await session.start();
    } catch (err) {
      log.error({ err }, 'stream could not start');
      session.close(CLOSE.INTERNAL, 'the stream could not start; resume');
    }
  }

  /** Runs a stream's set-up as one place of the accept queue. */
  async function queued<T>(setUp: () => Promise<T>): Promise<T> {
    settingUp++;
    try {
      return await setUp();
    } finally {
      settingUp--;
    }
  }

  /** Checks the WebSocket's origin and the stream's checks, and starts its session (to the hello). */
  async function startWebSocket(socket: WebSocket, request: StreamRequest): Promise<{ transport: Transport; customerId: string } | undefined> {
    let admitted: Awaited<ReturnType<typeof admit>>;
    try {
      if (!originAllowed(request.headers.origin, request.headers.host, options.allowedOrigins)) {
        throw new GatewayError('FORBIDDEN', 'this origin is not allowed (ALLOWED_ORIGINS)');
      }
      admitted = await admit(request);
    } catch (err) {
      // Browsers cannot read the status of a refused upgrade, so the refusal is a documented close code.
      const code = err instanceof GatewayError ? WS_CLOSE_FOR[err.code] ?? CLOSE.UNREADABLE : CLOSE.INTERNAL;
      socket.close(code, (err as Error).message.slice(0, 120));
      return undefined;
    }
    const { identity, since, release } = admitted;
    if (socket.readyState !== socket.OPEN) {
      release();
      return undefined;
    }
    const transport = webSocketTransport(socket);
    const session = begin(transport, request.log, identity, since, release);
    socket.once('close', () => session.close());
    await start(session, request.log);
    return { transport, customerId: identity.customerId };
  }

  /** An upgraded stream: its set-up as one place of the accept queue, then the frames its client sends. */
  async function serveWebSocket(socket: WebSocket, request: StreamRequest, tcp: Socket): Promise<void> {
    // Listen at once (ws drops frames nobody listens for): what the client sends while its token is checked
    // waits here and is handled once the customer is known.
    const early: [string, boolean][] = [];
    let handle = (text: string, isBinary: boolean) => void early.push([text, isBinary]);
    socket.on('message', (data, isBinary) => handle(data.toString(), isBinary));
    // An upgrade on a connection kept alive into the drain is told, as an open stream was, to come back.
    if (draining || busy()) {
      const transport = webSocketTransport(socket);
      if (draining) transport.close(CLOSE.GOING_AWAY, 'the gateway is shutting down', reconnectAdvice(options.reconnectWindowMs));
      else refuseBusy(transport, busyAdvice());
      return upgrades.uncork(tcp);
    }
    const started = await queued(() => startWebSocket(socket, request)).finally(() => upgrades.uncork(tcp));
    if (!started) return;
    const { transport, customerId } = started;
    const gate = new FrameGate(options.frameLimiter, request.address);
    // Every frame is answered here, whatever fails below it: a rejection left to the process would end it.
    handle = (text, isBinary) => {
      onClientFrame(socket, transport, text, isBinary, customerId, options.clientFrames, gate).catch((err: unknown) => {
        request.log.error({ err, customerId }, 'a client frame could not be answered');
        transport.send(JSON.stringify({ type: 'error', code: 'INTERNAL', reason: 'the frame could not be handled' } satisfies ServerFrame));
      });
    };
    for (const [text, isBinary] of early.splice(0)) handle(text, isBinary);
  }

  app.route({
    method: 'GET',
    url: STREAM_PATH,
    // While draining, a stream request is answered here, not with http/drain.ts's 503 (see drainAnswer).
    config: { drainsItself: true },
    // Server-Sent Events: a GET without an upgrade (the upgrades never reach Fastify: ./webSocketUpgrades.ts).
    handler: async (request, reply) => {
      // The client may leave at any await below (token check, hello, replay): listen from the start, so a close
      // during set-up ends whatever was set up so far instead of leaving a session that counts until the token
      // expires (and locks the customer out at MAX_CONNECTIONS_PER_CUSTOMER).
      let session: StreamSession | undefined;
      let gone = request.raw.socket.destroyed;
      reply.raw.once('close', () => {
        gone = true;
        session?.close();
      });
      const wantsSse = String(request.headers.accept ?? '').includes('text/event-stream');
      if (draining) {
        if (wantsSse) return drainAnswer(reply, reconnectAdvice(options.reconnectWindowMs));
        throw new GatewayError('SHUTTING_DOWN', 'the gateway is shutting down; try again');
      }
      if (!wantsSse) {
        throw new GatewayError('INVALID_PARAMETER', 'ask for a WebSocket upgrade, or for Accept: text/event-stream');
      }
      if (busy()) return refuseBusy(sseTransport(reply), busyAdvice());
      await queued(async () => {
        const { identity, since, release } = await admit(sseRequestOf(request), request.headers['last-event-id']);
        if (gone) {
          release();
          return void reply.hijack();
        }
        session = begin(sseTransport(reply), request.log, identity, since, release);
        await start(session, request.log);
      });
    },
  });
};

function sseRequestOf(request: FastifyRequest): StreamRequest {
  return { headers: request.headers, query: request.query, address: clientAddress(request), log: request.log };
}

async function onClientFrame(
  socket: WebSocket,
  transport: Transport,
  text: string,
  isBinary: boolean,
  customerId: string,
  handler: ClientFrameHandler | undefined,
  gate: FrameGate,
): Promise<void> {
  let frame: { type?: unknown } & Record<string, unknown>;
  try {
    if (isBinary) throw new Error('binary');
    frame = JSON.parse(text);
    if (typeof frame !== 'object' || frame === null || typeof frame.type !== 'string') throw new Error('no type');
  } catch {
    socket.close(CLOSE.UNREADABLE, 'frames must be JSON objects with a type');
    return;
  }
  let reply: ServerFrame | undefined;
  if (frame.type === 'ping') {
    reply = { type: 'pong', ts: Date.now() };
  } else if (handler) {
    const ref = typeof frame.clientMessageId === 'string' ? { clientMessageId: frame.clientMessageId } : {};
    // A frame is a write: when the shared limit cannot be counted (Redis away, stalled, full) it is refused, as
    // the same request over HTTP is (500 "13"), and the connection stays.
    let refused: ErrorFrame | undefined;
    try {
      const why = await gate.admit();
      if (why) refused = { type: 'error', ...ref, code: 'RATE_LIMITED', reason: why };
    } catch (err) {
      refused = err instanceof GatewayError
        ? { type: 'error', ...ref, code: err.code, reason: err.message }
        : { type: 'error', ...ref, code: 'STORE_UNAVAILABLE', reason: 'the limits could not be counted; try again' };
    }
    if (refused) {
      reply = refused;
    } else {
      try {
        reply = await handler(customerId, frame as { type: string } & Record<string, unknown>);
      } catch (err) {
        reply = err instanceof GatewayError
          ? { type: 'error', ...ref, code: err.code, reason: err.message }
          : { type: 'error', ...ref, code: 'INTERNAL', reason: 'the frame could not be handled' };
      } finally {
        gate.release();
      }
    }
  } else {
    reply = { type: 'error', code: 'INVALID_PARAMETER', reason: `unknown frame type: ${String(frame.type).slice(0, 40)}` };
  }
  if (reply) transport.send(JSON.stringify(reply));
}

/**
 * Closes every session "going away", each with its own reconnect advice drawn from the window, so that the
 * customers of a node that shuts down come back spread over it rather than in one burst.
 */
function closeGoingAway(sessions: Iterable<StreamSession>, windowMs: number): void {
  for (const session of [...sessions]) session.close(CLOSE.GOING_AWAY, 'the gateway is shutting down', reconnectAdvice(windowMs));
}

const BUSY_FLOOR_MS = 250;

/** Too many streams are setting up: this one is told to come back later (1013 and when), before any work. */
function refuseBusy(transport: Transport, reconnectAfterMs: number): void {
  transport.close(CLOSE.TRY_AGAIN_LATER, 'too many new streams at once; come back later', reconnectAfterMs);
}

/** A delay drawn uniformly from [0, windowMs]: one client's share of the window. */
function reconnectAdvice(windowMs: number): number {
  return Math.round(Math.random() * windowMs);
}

/**
 * A stream request that reaches a draining gateway (on a kept-alive connection) gets what an open stream got:
 * an empty 200 stream with the `close` frame "going away", and `Connection: close`. An EventSource then
 * reconnects after `retry` on a new connection, to a node that serves; any error status would make it give up.
 */
function drainAnswer(reply: FastifyReply, reconnectAfterMs: number): void {
  const transport = sseTransport(reply, { connection: 'close' });
  transport.close(CLOSE.GOING_AWAY, 'the gateway is shutting down', reconnectAfterMs);
}

/** `since` from the query, or from Last-Event-ID (an EventSource resuming); the larger wins. */
function sinceOf(query: unknown, lastEventId: string | string[] | undefined): number {
  const candidates = [(query as { since?: unknown } | undefined)?.since, Array.isArray(lastEventId) ? lastEventId[0] : lastEventId];
  let since = 0;
  for (const value of candidates) {
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) {
      throw new GatewayError('INVALID_PARAMETER', 'since (or Last-Event-ID) must be a whole number');
    }
    since = Math.max(since, Number(value));
  }
  return since;
}
