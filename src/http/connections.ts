// What one connection may hold, and how many one client address may open. Node's own defaults under Fastify
// leave a connection that never finishes its headers open for ever (Fastify's requestTimeout 0 turns Node's
// headersTimeout off as well), so a few hundred silent sockets from one address would hold the node's.
// Streams are not affected: the timeouts bound receiving a request, and a stream's request is complete once its
// headers are in (its connection then lives on its heartbeats).

import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { ConnectionCaps } from '../engine/limits.js';

/**
 * Node's options for the server: it checks the headers and request timeouts on a timer (every 30 s by default),
 * so the timer runs at a quarter of the headers timeout, bounded, for a connection to be closed near its limit.
 */
export function serverTimeouts(config: Pick<Config, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs'>) {
  return {
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(25, Math.min(5000, Math.floor(config.headersTimeoutMs / 4))),
  };
}

/**
 * MAX_CONNECTIONS_PER_ADDRESS: each accepted connection takes a place of its peer's address (counted on every node
 * with the Redis engine) and gives it back when it closes; one over the cap is closed, and no request on it is
 * served until the count has answered (the first hook of every request waits for it). Connections from a trusted
 * proxy are not counted: each carries many clients (cap them at the proxy). When the shared count cannot be
 * reached (Redis away) a connection is let in, as a stream is. Returns the verdict of a connection, for the
 * requests that do not go through Fastify (a stream's upgrade, delivery/webSocketUpgrades.ts): true when it is
 * not counted or got its place, false when refused, a promise until the count answers.
 */
export function capConnectionsPerAddress(
  app: FastifyInstance,
  options: { caps: ConnectionCaps; trustedPeer: (address: string) => boolean; onRefused?: (address: string) => void },
): ConnectionVerdict {
  /** Whether each counted connection got its place: a promise until the count answers, then the answer. */
  const admitted = new WeakMap<Socket, Promise<boolean> | boolean>();
  app.server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (!address || options.trustedPeer(address)) return;
    let closed = false;
    let release: (() => void) | undefined;
    socket.once('close', () => {
      closed = true;
      release?.();
    });
    const verdict = options.caps.acquire(address).then(
      (place) => {
        if (!place) {
          options.onRefused?.(address);
          socket.destroy();
        } else if (closed) place();
        else release = place;
        // Settled: the requests of this connection read the answer without waiting for a promise.
        admitted.set(socket, place !== undefined);
        return place !== undefined;
      },
      () => {
        admitted.set(socket, true);
        return true;
      },
    );
    admitted.set(socket, verdict);
  });
  // Callback-style: every request runs this hook, and once its connection's count has answered (all requests
  // but the first few) it decides without a promise.
  app.addHook('onRequest', (request, reply, done) => {
    const verdict = admitted.get(request.raw.socket);
    if (verdict === undefined || verdict === true) return done();
    const refuse = () => {
      reply.hijack();
      request.raw.socket.destroy();
      done();
    };
    if (verdict === false) return refuse();
    verdict.then((ok) => (ok ? done() : refuse()), done);
  });
  return (socket) => admitted.get(socket) ?? true;
}

/** Whether a connection may be served (see capConnectionsPerAddress). */
export type ConnectionVerdict = (socket: Socket) => Promise<boolean> | boolean;
