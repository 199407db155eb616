// GET /metrics: the Prometheus text format. With METRICS_TOKEN set, only `Authorization: Bearer <token>` may read it.

import type { FastifyPluginAsync } from 'fastify';
import { constantTimeEqual } from '../secrets/compare.js';
import { GatewayError } from '../errors.js';
import { bearerToken } from '../http/bearer.js';
import type { Metrics } from '../observability/metrics.js';

export const metricsRoute: FastifyPluginAsync<{ metrics: Metrics; token: string | undefined }> = async (app, { metrics, token }) => {
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (token !== undefined) {
      const given = bearerToken(request.headers.authorization) ?? '';
      if (!constantTimeEqual(given, token)) throw new GatewayError('UNAUTHORIZED', 'the metrics token is missing or wrong');
    }
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
