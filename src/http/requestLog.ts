// One log line per request, written when it completes: method, path, status, time, and whatever the route
// added with `noteForLog` (a push's counts, say). Fastify's own pair of lines per request is turned off.

import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    logNote?: Record<string, unknown>;
  }
}

export function noteForLog(request: FastifyRequest, note: Record<string, unknown>): void {
  request.logNote = { ...request.logNote, ...note };
}

export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        remoteAddress: request.ip,
        ...request.logNote,
      },
      'request completed',
    );
  });
}
