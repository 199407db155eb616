// Turns anything thrown in a route, or refused by Fastify itself, into the documented answer:
// `{"resultCode": "...", "resultDesc": "...", "code": "..."}` with the matching HTTP status, `code` naming the
// error (src/errors.ts) so that clients word it by what it is. No stack reaches a caller.

import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Metrics } from '../observability/metrics.js';
import { noteForLog } from './requestLog.js';
import { ERROR_CODES, GatewayError, type ErrorCode } from '../errors.js';
import type { ErrorAnswer } from '../protocol/index.js';

/** Fastify's own refusals, mapped to ours. */
const FASTIFY_CODES: Record<string, { code: ErrorCode; desc?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', desc: 'the request body is larger than BODY_LIMIT' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', desc: 'the body must be application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'INVALID_PARAMETER', desc: 'Content-Length does not match the body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_PARAMETER', desc: 'the body is empty' },
  // The router's own refusals (Fastify's frameworkErrors), which would otherwise answer in Fastify's shape.
  FST_ERR_BAD_URL: { code: 'INVALID_PARAMETER', desc: 'the path is not valid percent-encoding' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'INVALID_PARAMETER', desc: 'a path segment is too long' },
  FST_ERR_ASYNC_CONSTRAINT: { code: 'INVALID_PARAMETER', desc: 'the request does not match a route constraint' },
};

/** Fastify's `frameworkErrors` option: what the router refuses before any route or hook runs. */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { status, answer } = answerFor(error);
  noteForLog(request, { resultCode: answer.resultCode, reason: answer.resultDesc });
  void reply.status(status).header('x-content-type-options', 'nosniff').send(answer);
}

/** Fastify's `clientErrorHandler` option: a request Node's HTTP parser could not read (the socket is then closed). */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  // HEADERS_TIMEOUT_MS or REQUEST_TIMEOUT_MS ran out before the request was complete (http/connections.ts).
  const late = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const status = late ? '408 Request Timeout' : '400 Bad Request';
  const body = JSON.stringify(make('INVALID_PARAMETER', late ? 'the request was not received in time' : 'the request could not be read').answer);
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

/**
 * A refusal written straight to the socket of a request Fastify does not see (a stream's upgrade refused before
 * its handshake): the documented answer, with `headers` (the security headers every answer carries, and the
 * refusal's own), and the connection closed.
 */
export function answerOnSocket(socket: Socket, error: GatewayError, headers: Record<string, string> = {}): void {
  if (socket.destroyed || !socket.writable) return;
  const { status, answer } = answerFor(error);
  const body = JSON.stringify(answer);
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}

/** `onStoreFailure` hears of every request the store failed (a write, or Redis's shared limits): readiness. */
export function installAnswers(app: FastifyInstance, metrics?: Metrics, onStoreFailure?: () => void): void {
  app.setErrorHandler((error: FastifyError | GatewayError, request, reply) => {
    const { status, answer, code } = answerFor(error);
    metrics?.refusals.inc({ reason: code });
    if (code === 'STORE_UNAVAILABLE') onStoreFailure?.();
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    noteForLog(request, { resultCode: answer.resultCode, reason: answer.resultDesc, error: code });
    if (status === 503) reply.header('retry-after', '1');
    // Refused before its body was read (the credentials are checked first): the connection is closed rather than
    // the rest of the body read to keep it, as Fastify does for a body over its limit.
    if (!request.raw.complete) reply.header('connection', 'close');
    return reply.status(status).send(answer);
  });

  app.setNotFoundHandler((request, reply) => {
    metrics?.refusals.inc({ reason: 'NOT_FOUND' });
    const { status, answer } = answerFor(
      new GatewayError('NOT_FOUND', `no such endpoint: ${request.method} ${request.url.split('?')[0]}`),
    );
    return reply.status(status).send(answer);
  });
}

type Answered = { status: number; answer: ErrorAnswer; code: ErrorCode };

function answerFor(error: unknown): Answered {
  if (error instanceof GatewayError) {
    return { status: error.statusCode, answer: { resultCode: error.resultCode, resultDesc: error.message, code: error.code }, code: error.code };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    // A text over its limit is named as such: the customer can shorten it, which "invalid" does not say.
    const tooLong = fastifyError.validation[0]?.keyword === 'maxLength';
    return make(tooLong ? 'TOO_LONG' : 'INVALID_PARAMETER', fastifyError.message);
  }
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return make(known.code, known.desc ?? fastifyError.message);
  const status = fastifyError.statusCode ?? 500;
  if (status === 503) return make('SHUTTING_DOWN', 'the gateway is shutting down; try again');
  if (status >= 400 && status < 500) {
    // Other client errors (a malformed JSON body, a poisoned key): keep Fastify's status, our shape.
    return { status, answer: make('INVALID_PARAMETER', fastifyError.message).answer, code: 'INVALID_PARAMETER' };
  }
  return make('INTERNAL', 'internal error');
}

function make(code: ErrorCode, resultDesc: string): Answered {
  return { status: ERROR_CODES[code].status, answer: { resultCode: ERROR_CODES[code].resultCode, resultDesc, code }, code };
}
