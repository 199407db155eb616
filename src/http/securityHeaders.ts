// The security headers of every answer; the pages the gateway serves (the demo page, /ops) add their own
// Content-Security-Policy.

import type { FastifyInstance } from 'fastify';

/** Headers every answer carries; pages we serve add their own Content-Security-Policy. */
export function installSecurityHeaders(app: FastifyInstance, options: { tls: boolean }): void {
  const headers = securityHeaders(options);
  // Callback-style: every answer runs this hook, and an async one costs each a promise.
  app.addHook('onSend', (_request, reply, payload, done) => {
    for (const name in headers) {
      // A page may set its own framing policy.
      if (name !== 'x-frame-options' || !reply.hasHeader(name)) reply.header(name, headers[name]!);
    }
    done(null, payload);
  });
}

/** The headers themselves, for answers written without Fastify (a stream's upgrade refused: http/answers.ts). */
export function securityHeaders(options: { tls: boolean }): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    ...(options.tls ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}
