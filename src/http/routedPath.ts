// Which endpoint a request is for, as the router decided it. Limits and CORS decide on this, never on the raw
// URL: percent-encoding disguises a path from a prefix test (`/%761/conversation` is `/v1/conversation` to the
// router, `/apigovernance/api/oauth/%74okenByAkSk` is the token endpoint) but not from the route it matched.

import type { FastifyRequest } from 'fastify';

/** The matched route's pattern (`/v1/media/:id`); for a request no route matched, its path decoded. */
export function routedPath(request: FastifyRequest): string {
  const pattern = request.routeOptions.url;
  if (pattern) return pattern;
  const path = request.url.split('?')[0]!;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
