// The simulator's HTTP edge, played as API Fabric plays it in front of AICC: the outage switch, tokenByAkSk,
// the Bearer + x-app-key check on every other call, the ccmessaging-token check of per-customer calls, and one
// error handler that answers any failure in AICC's shapes (docs/aicc.md §4 and §5).

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { AICC_PATHS, CCMESSAGING_TOKEN_HEADER, RESULT } from '../aicc/api.js';
import { bearerToken } from '../http/bearer.js';
import type { SimContext } from './context.js';
import type { RecordedRequest } from './types.js';

/** API Fabric's answer to a missing, unknown or expired AccessToken: HTTP 403 and this body, the one error shape
 *  Huawei prints (cec_05_1003; docs/aicc.md §4). */
const AUTH_FAIL = {
  errorCode: '0',
  exceptionInfo:
    'auth fail! illegal or expired token info. please apply or refresh the access token from the server!',
} as const;

const MAX_TOKEN_TTL_SECONDS = 3600;
const MAX_RECORDED_REQUESTS = 10_000;
const RECORDED_HEADERS = ['x-app-key', 'authorization', CCMESSAGING_TOKEN_HEADER, 'content-type'] as const;
const DEFAULT_TOKEN_TTL_SECONDS = 600;

export function createHttp(ctx: SimContext): FastifyInstance {
  // Uploads are base64 in JSON: 4/3 of the largest file, plus room for the rest of the body.
  const bodyLimit = Math.ceil((ctx.settings.maxUploadBytes * 4) / 3) + 1024 * 1024;
  const app = Fastify({ logger: false, bodyLimit, forceCloseConnections: true });

  // AICC's clients send `Content-Type: application/json` on bodiless calls too; an empty body reads as {}.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('the body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const outage = ctx.faults.outage;
    if (outage === 'reset') {
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    if (outage === 'http503') {
      return reply.code(503).send({ resultCode: RESULT.FAILED, resultDesc: 'service unavailable (simulated outage)' });
    }
    const path = request.url.split('?')[0]!;
    if (path === AICC_PATHS.tokenByAkSk) return;
    const appKey = header(request, 'x-app-key');
    const token = bearerToken(header(request, 'authorization'));
    if (!appKey || !token || !ctx.accessTokens.verify(token, appKey)) return reply.code(403).send(AUTH_FAIL);
  });

  // What each call carried, for conformance tests: the headers AICC's pages name, and the parsed body.
  app.addHook('preHandler', async (request) => {
    const path = request.url.split('?')[0]!;
    if (path === AICC_PATHS.tokenByAkSk) return;
    const requests = ctx.records.requests;
    if (requests.length >= MAX_RECORDED_REQUESTS) requests.shift();
    requests.push({
      method: request.method,
      path,
      query: asRecord(request.query),
      headers: Object.fromEntries(RECORDED_HEADERS.map((name) => [name, header(request, name)])) as RecordedRequest['headers'],
      body: request.body,
      at: Date.now(),
    });
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    const desc = status === 500 ? 'internal error' : error.message;
    if (request.url.startsWith(AICC_PATHS.uploadFileStream)) return reply.code(status).send({ returnCode: '3', resultDesc: desc });
    return reply.code(status).send({ resultCode: status === 500 ? '1' : RESULT.PARAMETER, resultDesc: desc });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ resultCode: '5', resultDesc: 'no such path' }));

  app.post(AICC_PATHS.tokenByAkSk, async (request, reply) => {
    const body = asRecord(request.body);
    const ttl = tokenTtl(header(request, 'x-token-expire'));
    // Huawei documents neither of these refusals; the statuses are API Fabric's listed ones (400, 401), and the
    // body is its one printed error shape, without an invented errorCode.
    if (ttl === undefined) {
      return reply.code(400).send({ exceptionInfo: 'X-Token-Expire must be a whole number of seconds, 1 to 3600' });
    }
    const issued =
      typeof body.app_key === 'string' && typeof body.app_secret === 'string'
        ? ctx.accessTokens.issue(body.app_key, body.app_secret, ttl)
        : undefined;
    if (!issued) return reply.code(401).send({ exceptionInfo: 'auth fail! illegal app_key or app_secret.' });
    return issued;
  });

  return app;
}

/** X-Token-Expire: default 600 s, at most 3600 (larger asks are capped, as AICC documents the cap). */
function tokenTtl(value: string | undefined): number | undefined {
  if (value === undefined) return DEFAULT_TOKEN_TTL_SECONDS;
  if (!/^\s*\d{1,9}\s*$/.test(value) || Number(value) < 1) return undefined;
  return Math.min(Number(value), MAX_TOKEN_TTL_SECONDS);
}

/**
 * The customer a per-customer call acts for, from its mandatory ccmessaging-token; when the token is missing,
 * unknown, replaced or expired, answers HTTP 401 (cec_07_0103: "when the system answers 401, apply again") and
 * returns undefined. The 401's body is not documented: ours names the reason and carries no result code.
 */
export function customerOf(ctx: SimContext, request: FastifyRequest, reply: FastifyReply): string | undefined {
  const token = header(request, CCMESSAGING_TOKEN_HEADER);
  const userId = ctx.customerTokens.userOf(token);
  if (userId === undefined) {
    const why = token ? 'is unknown, replaced or expired' : 'is missing';
    void reply.code(401).send({ resultDesc: `auth fail: the ccmessaging-token ${why}; apply for a new one` });
  }
  return userId;
}

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function isText(value: unknown, min = 1, max = Infinity): value is string {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}
