// GET /metrics: the Prometheus text format. With METRICS_TOKEN set, only `Authorization: Bearer <token>` may read it.

import type { FastifyPluginAsync } from 'fastify';
import { constantTimeEqual } from '../aicc/accessTokens.js';
import { GatewayError } from '../errors.js';
import type { Metrics } from './metrics.js';

export const metricsRoute: FastifyPluginAsync<{ metrics: Metrics; token: string | undefined }> = async (app, { metrics, token }) => {
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (token !== undefined) {
      const given = /^Bearer (\S+)$/.exec(String(request.headers.authorization ?? ''))?.[1] ?? '';
      if (!constantTimeEqual(given, token)) throw new GatewayError('UNAUTHORIZED', 'the metrics token is missing or wrong');
    }
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
