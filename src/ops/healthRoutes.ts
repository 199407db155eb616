// Liveness and readiness for load balancers and orchestrators.

import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../engine/types.js';

export const healthRoutes: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  // Alive: the process answers HTTP.
  app.get('/healthz', async () => ({ status: 'ok' }));

  // Ready: the store answers too, so a push sent here now would be stored.
  app.get('/readyz', async (request, reply) => {
    try {
      await engine.ping();
      return { status: 'ready' };
    } catch (err) {
      request.log.warn({ err: { message: (err as Error).message } }, 'not ready: the store does not answer');
      return reply.status(503).send({ status: 'unavailable', reason: 'the store does not answer' });
    }
  });
};
