// While the gateway drains (closing: it finishes the requests under way before it stops), a request that still
// reaches it, on a kept-alive connection, gets the documented 503 `{"resultCode": "14"}` and `Connection: close`,
// never Fastify's own `{"error": "Service Unavailable"}`. A route that must answer otherwise says so with
// `config: { drainsItself: true }`: the SSE stream does, since an EventSource that gets any non-200 answer
// gives up for good (https://html.spec.whatwg.org/multipage/server-sent-events.html#dom-eventsource).

import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers by itself while the gateway drains (see http/drain.ts). */
    drainsItself?: boolean;
  }
}

/** Needs Fastify's `return503OnClosing: false`, or Fastify answers before any hook runs. */
export function installDrain(app: FastifyInstance): void {
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  // Callback-style, as the other hooks every request runs: an async hook costs each request a promise.
  app.addHook('onRequest', (request, reply, done) => {
    if (!draining || request.routeOptions.config?.drainsItself) return done();
    reply.header('connection', 'close');
    done(new GatewayError('SHUTTING_DOWN', 'the gateway is shutting down; try again'));
  });
}
