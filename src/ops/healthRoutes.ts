// Liveness and readiness for load balancers and orchestrators.

import type { FastifyPluginAsync } from 'fastify';
import type { Readiness } from './readiness.js';

export const healthRoutes: FastifyPluginAsync<{ readiness: Readiness }> = async (app, { readiness }) => {
  // Alive: the process answers HTTP.
  app.get('/healthz', async () => ({ status: 'ok' }));

  // Ready: the store answers and takes writes, so a push sent here now would be stored (ops/readiness.ts).
  app.get('/readyz', async (request, reply) => {
    const reason = await readiness.notReadyReason();
    if (reason === undefined) return { status: 'ready' };
    request.log.warn(`not ready: ${reason}`);
    return reply.status(503).send({ status: 'unavailable', reason });
  });
};
