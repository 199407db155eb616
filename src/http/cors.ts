// CORS for the customer-facing /v1 endpoints, so that a site on another origin can use the SDK. Customer
// requests authenticate with a bearer token, never a cookie, so credentials are not allowed.

import type { FastifyInstance } from 'fastify';

export function installCors(app: FastifyInstance, allowedOrigins: readonly string[]): void {
  const any = allowedOrigins.includes('*');
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1/')) return;
    const origin = request.headers.origin;
    if (!origin || !(any || allowedOrigins.includes(origin))) return;
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
  });
}
