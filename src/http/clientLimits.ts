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
  // Callback-style: every request runs this hook (AICC's pushes too, which it does not limit), and an async one
  // costs each a promise; only the limited ones wait for their count.
  app.addHook('onRequest', (request, reply, done) => {
    const path = routedPath(request);
    const limiter = path.startsWith('/v1/') ? limits.customer : path === limits.tokenPath ? limits.token : undefined;
    if (!limiter || request.method === 'OPTIONS') return done();
    const read = request.method === 'GET' || request.method === 'HEAD';
    limiter.take(clientAddress(request)).then(
      ({ allowed, retryAfterSeconds }) => {
        if (allowed) return done();
        reply.header('retry-after', String(retryAfterSeconds));
        done(new GatewayError('RATE_LIMITED', 'too many requests from this address; try again after Retry-After'));
      },
      (err: Error) => done(read ? undefined : err),
    );
  });
}
