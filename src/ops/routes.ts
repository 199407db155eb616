// GET /ops: the operator page (on only when OPS_TOKEN is set). Scripts and proxies send the token as a bearer;
// a person signs in with it once (an HttpOnly, SameSite=Strict cookie). The page reads /ops/api/state and
// /ops/api/customers/:id; both answer JSON in the gateway's {resultCode, resultDesc} shape.

import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { clientAddress } from '../http/clientAddress.js';
import { GatewayError, SUCCESS } from '../errors.js';
import { createRateLimiter, type RateLimiter } from '../engine/limits.js';
import { createOpsAuth } from './auth.js';
import { OPS_CSP, opsPage, signInPage } from './page.js';
import { customerSnapshot, nodeId, nodeSnapshot, type OpsSources } from './snapshot.js';

export interface OpsRoutesOptions extends OpsSources {
  token: string;
  /** Sign-in attempts per client address (SIGN_IN_PER_MINUTE), counted across nodes where the other limits are. */
  signInLimiter: RateLimiter;
  /** Requests with a bearer token per client address (OPS_BEARER_PER_MINUTE): guesses of the token are bounded. */
  bearerLimiter: RateLimiter;
}

const ASSETS = new URL('./assets/', import.meta.url);
/** Sign-in attempts per client address per minute: with the token's length, guessing is hopeless. */
export const SIGN_IN_PER_MINUTE = 10;
/** Bearer requests per client address per minute: a script polling every few seconds, not a guessing loop. */
export const OPS_BEARER_PER_MINUTE = 30;

export const opsRoutes: FastifyPluginAsync<OpsRoutesOptions> = async (app, options) => {
  const auth = createOpsAuth(options.token, options.engine);
  const { signInLimiter, bearerLimiter } = options;
  // The page matters most when Redis is away: the shared count then falls back to this node's own.
  const bearerOnThisNode = createRateLimiter({ limit: OPS_BEARER_PER_MINUTE, windowMs: 60_000 });
  const script = readFileSync(new URL('ops.js', ASSETS));
  const style = readFileSync(new URL('ops.css', ASSETS));
  const icon = readFileSync(new URL('icon.svg', ASSETS));
  const secure = (request: FastifyRequest) => request.protocol === 'https';

  // The sign-in form posts application/x-www-form-urlencoded; only these routes read it.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const html = (reply: FastifyReply, status: number, body: string) =>
    reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', OPS_CSP)
      .header('cache-control', 'no-store')
      .header('cross-origin-opener-policy', 'same-origin')
      .send(body);

  /** The token (a bearer, counted before it is compared: guesses are bounded) or a live session cookie. */
  const allows = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    const bearer = auth.bearer(request);
    // Sessions live in the store: while it is away, only the bearer token opens the page.
    if (bearer === undefined) return auth.hasSession(request).catch(() => false);
    const { allowed, retryAfterSeconds } = await bearerLimiter.take(clientAddress(request)).catch(() => bearerOnThisNode.take(clientAddress(request)));
    if (!allowed) {
      reply.header('retry-after', String(retryAfterSeconds));
      throw new GatewayError('RATE_LIMITED', 'too many requests with an operator token; try again after Retry-After');
    }
    const ok = auth.isToken(bearer);
    if (!ok) request.log.warn({ remoteAddress: clientAddress(request) }, 'operator token refused');
    return ok;
  };

  /** API routes: the token or the cookie, or 401 in the usual shape. */
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    if (!(await allows(request, reply))) throw new GatewayError('UNAUTHORIZED', 'the operator token is missing or wrong');
  };

  app.get('/ops', { schema: { hide: true } }, async (request, reply) => {
    if (await allows(request, reply)) return html(reply, 200, opsPage());
    // A person gets the sign-in form (still 401: nothing of the page is shown); a script, the usual answer.
    if (/text\/html/.test(String(request.headers.accept ?? ''))) return html(reply, 401, signInPage(false));
    throw new GatewayError('UNAUTHORIZED', 'the operator token is missing or wrong');
  });

  app.post('/ops/login', { schema: { hide: true } }, async (request, reply) => {
    const { allowed, retryAfterSeconds } = await signInLimiter.take(clientAddress(request));
    if (!allowed) {
      reply.header('retry-after', String(retryAfterSeconds));
      throw new GatewayError('RATE_LIMITED', 'too many sign-in attempts; try again after Retry-After');
    }
    const given = String((request.body as { token?: unknown } | undefined)?.token ?? '');
    if (!auth.isToken(given)) {
      request.log.warn({ remoteAddress: clientAddress(request) }, 'operator sign-in refused');
      return html(reply, 401, signInPage(true));
    }
    return reply.status(303).header('set-cookie', await auth.signIn(secure(request))).header('location', '/ops').send();
  });

  app.post('/ops/logout', { schema: { hide: true } }, async (request, reply) =>
    reply.status(303).header('set-cookie', await auth.signOut(request, secure(request))).header('location', '/ops').send(),
  );

  app.get('/ops/api/state', { schema: { hide: true }, onRequest: guard }, async (request) => ({
    ...SUCCESS,
    ...(await nodeSnapshot(options, nodeId(request.socket.localPort))),
  }));

  app.get<{ Params: { id: string } }>('/ops/api/customers/:id', { schema: { hide: true }, onRequest: guard }, async (request) => ({
    ...SUCCESS,
    ...(await customerSnapshot(options, request.params.id)),
  }));

  app.get('/ops/ops.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(script),
  );
  app.get('/ops/ops.css', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'no-cache').send(style),
  );
  app.get('/ops/icon.svg', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('content-type', 'image/svg+xml').header('cache-control', 'max-age=86400').send(icon),
  );
};
