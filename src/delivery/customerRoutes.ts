// The customer's HTTP side: anonymous visitor tokens, history, and the conversation state.

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Engine } from '../engine/types.js';
import { GatewayError } from '../errors.js';
import type { RateLimiter } from '../engine/limits.js';
import { clientAddress } from '../http/clientAddress.js';
import { identifyBeforeBody, tokenOf, type CustomerIdentity, type CustomerTokens } from './identity.js';

export interface CustomerRoutesOptions {
  engine: Engine;
  customerTokens: CustomerTokens;
  /** Absent when VISITORS=off: the visitor endpoints are then not there at all. */
  visitorLimiter: RateLimiter | undefined;
}

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

export const customerRoutes: FastifyPluginAsync<CustomerRoutesOptions> = async (app, options) => {
  const { engine, customerTokens, visitorLimiter } = options;
  const identify = (request: FastifyRequest): Promise<CustomerIdentity> =>
    customerTokens.verify(tokenOf(request.headers, request.query));

  if (visitorLimiter) {
    app.post('/v1/visitors', async (request, reply) => {
      const { allowed, retryAfterSeconds } = await visitorLimiter.take(clientAddress(request));
      if (!allowed) {
        reply.header('retry-after', String(retryAfterSeconds));
        throw new GatewayError('RATE_LIMITED', 'too many new visitors from this address; try again later');
      }
      // The widget says the visitor's language (its own): applyToken's locale, so the robot answers in it.
      // and the name the pre-chat form asked for: applyToken's userName, what the agent sees.
      const body = request.body as { locale?: unknown; name?: unknown } | undefined;
      const visitor = await customerTokens.issueVisitor(body?.locale as string | undefined, body?.name as string | undefined);
      request.log.info({ customerId: visitor.visitorId }, 'visitor created');
      return reply.status(201).send(visitor);
    });

    // The token is checked before any body is read.
    const visitor = identifyBeforeBody(customerTokens);
    app.post('/v1/visitors/refresh', { onRequest: visitor.onRequest }, async (request) => customerTokens.refreshVisitor(visitor.of(request)));
  }

  app.get('/v1/messages', async (request) => {
    const { customerId } = await identify(request);
    const query = request.query as Record<string, unknown>;
    const limit = wholeNumber(query, 'limit', DEFAULT_PAGE, 1, MAX_PAGE);
    const summary = await engine.conversation(customerId);
    if (query.before !== undefined) {
      const before = query.before === '' ? summary.lastSeq + 1 : wholeNumber(query, 'before', 0, 1, Number.MAX_SAFE_INTEGER);
      const entries = await engine.readBefore(customerId, before, limit);
      const hasMore = entries.length > 0 && entries[0]!.seq > summary.firstSeq;
      return { customerId, messages: entries.map(view), lastSeq: summary.lastSeq, firstSeq: summary.firstSeq, hasMore };
    }
    const since = wholeNumber(query, 'since', 0, 0, Number.MAX_SAFE_INTEGER);
    const entries = await engine.readSince(customerId, since, limit);
    const hasMore = entries.length === limit && entries[entries.length - 1]!.seq < summary.lastSeq;
    return { customerId, messages: entries.map(view), lastSeq: summary.lastSeq, firstSeq: summary.firstSeq, hasMore };
  });

  app.get('/v1/conversation', async (request) => {
    const { customerId } = await identify(request);
    const { state, lastSeq } = await engine.conversation(customerId);
    return { customerId, state, lastSeq };
  });
};

function view(entry: { seq: number; message: unknown; storedAt: number }) {
  return { seq: entry.seq, message: entry.message, storedAt: entry.storedAt };
}

function wholeNumber(query: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new GatewayError('INVALID_PARAMETER', `${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}
