// The security headers of every answer; the pages the gateway serves (the demo page, /ops) add their own
// Content-Security-Policy.

import type { FastifyInstance } from 'fastify';

/** Headers every answer carries; pages we serve add their own Content-Security-Policy. */
export function installSecurityHeaders(app: FastifyInstance, options: { tls: boolean }): void {
  // Callback-style: every answer runs this hook, and an async one costs each a promise.
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', 'DENY');
    if (options.tls) reply.header('strict-transport-security', 'max-age=31536000');
    done(null, payload);
  });
}
