// CORS for the customer-facing /v1 endpoints, so that a site on another origin can use the SDK. Customer
// requests authenticate with a bearer token, never a cookie, so credentials are not allowed.

import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors.js';
import { routedPath } from './routedPath.js';

/**
 * Whether a browser page from `origin` may use the customer endpoints: no Origin (not a browser page), the
 * gateway's own pages (same host), or an origin in ALLOWED_ORIGINS.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowedOrigins: readonly string[]): boolean {
  if (!origin || allowedOrigins.includes('*') || allowedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function installCors(app: FastifyInstance, allowedOrigins: readonly string[]): void {
  const any = allowedOrigins.includes('*');
  // Callback-style: every request runs this hook, and an async one costs each a promise.
  app.addHook('onRequest', (request, reply, done) => {
    if (!routedPath(request).startsWith('/v1/')) return done();
    const origin = request.headers.origin;
    // Browsers enforce CORS on reads; refusing here too keeps other origins' pages from even sending. A WebSocket
    // upgrade is refused by the stream itself, with a close code a browser can read (4003).
    if (request.headers.upgrade?.toLowerCase() !== 'websocket' && !originAllowed(origin, request.headers.host, allowedOrigins)) {
      return done(new GatewayError('FORBIDDEN', 'this origin is not allowed (ALLOWED_ORIGINS)'));
    }
    if (!origin || !(any || allowedOrigins.includes(origin))) return done();
    reply.header('access-control-allow-origin', any ? '*' : origin);
    if (!any) reply.header('vary', 'Origin');
    if (request.method === 'OPTIONS') {
      reply
        .header('access-control-allow-methods', 'GET, POST, OPTIONS')
        .header('access-control-allow-headers', 'Authorization, Content-Type, Last-Event-ID, X-Request-Id')
        .header('access-control-max-age', '600')
        .status(204)
        .send();
    }
    done();
  });
}
