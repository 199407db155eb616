// Per-address rate limits for what the public reaches: the customer endpoints (and stream connections), and
// tokenByAkSk (where a low limit slows anyone guessing app credentials). 429 with Retry-After beyond them.
// When shared limits cannot be counted (Redis away), reads go through and everything else is refused.

import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors.js';
import type { RateLimiter } from '../engine/limits.js';
import { clientAddress } from './clientAddress.js';
import { routedPath } from './routedPath.js';

export function installClientLimits(
  app: FastifyInstance,
  limits: { customer: RateLimiter; token: RateLimiter; tokenPath: string },
): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = routedPath(request);
    const limiter = path.startsWith('/v1/') ? limits.customer : path === limits.tokenPath ? limits.token : undefined;
    if (!limiter || request.method === 'OPTIONS') return;
    const read = request.method === 'GET' || request.method === 'HEAD';
    const { allowed, retryAfterSeconds } = await limiter.take(clientAddress(request)).catch((err) => {
      if (read) return { allowed: true, retryAfterSeconds: 0 };
      throw err;
    });
    if (allowed) return;
    reply.header('retry-after', String(retryAfterSeconds));
    throw new GatewayError('RATE_LIMITED', 'too many requests from this address; try again after Retry-After');
  });
}
