// The two doors AICC pushes through: pushMsg (x-app-key + Bearer AccessToken) and the signed webhook
// (auth-v2). Both: authenticate, validate the whole push, append it durably, and only then answer "0".

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AccessTokens } from '../aicc/accessTokens.js';
import type { PushSignatureVerifier } from '../aicc/authV2.js';
import { PUSH_PATHS } from '../aicc/api.js';
import { PushBodySchema, normalizePush, type PushBody } from '../aicc/downlink.js';
import type { Engine } from '../engine/types.js';
import { GatewayError, SUCCESS } from '../errors.js';
import { bearerToken } from '../http/bearer.js';
import type { RateLimiter } from '../http/rateLimit.js';
import { noteForLog } from '../http/requestLog.js';
import type { Metrics } from '../observability/metrics.js';
import { appendAndPublish } from './appendAndPublish.js';

export interface PushRoutesOptions {
  engine: Engine;
  tokens: AccessTokens;
  verifier: PushSignatureVerifier;
  /** 0 turns the replay window off. */
  timestampSkewMs: number;
  /** Longest content or simQuestions of one message (MESSAGE_MAX_CHARS). */
  messageMaxChars: number;
  /** Pushes per second per app key or access key. */
  rateLimiter: RateLimiter;
  metrics?: Metrics;
  now?: () => number;
}

export const pushRoutes: FastifyPluginAsync<PushRoutesOptions> = async (app, options) => {
  const { engine, tokens, verifier, timestampSkewMs, metrics } = options;
  const now = options.now ?? Date.now;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  /** AICC retries a push answered 429 after Retry-After: a flood slows down instead of being lost. */
  /** Counted in Redis with several nodes; when it is away the push is refused (500, resultCode 13), as its write would be. */
  async function limit(key: string, reply: FastifyReply): Promise<void> {
    const { allowed, retryAfterSeconds } = await options.rateLimiter.take(key);
    if (allowed) return;
    reply.header('retry-after', String(retryAfterSeconds));
    throw new GatewayError('RATE_LIMITED', 'too many pushes for this app key; try again after Retry-After');
  }

  async function accept(request: FastifyRequest, reply: FastifyReply, body: PushBody, door: 'pushMsg' | 'webhook') {
    if (timestampSkewMs > 0 && Math.abs(now() - Number(body.timestamp)) > timestampSkewMs) {
      throw new GatewayError('STALE_TIMESTAMP', 'timestamp is outside the accepted window (replay?)');
    }
    body.messages.forEach((msg, index) => {
      for (const field of ['content', 'simQuestions'] as const) {
        const value = msg[field];
        // Counted in code points, as the schema's maxLength counts (an emoji is one character, two UTF-16 units).
        if (typeof value === 'string' && value.length > options.messageMaxChars && codePoints(value) > options.messageMaxChars) {
          throw new GatewayError('INVALID_PARAMETER', `messages[${index}].${field}: longer than MESSAGE_MAX_CHARS (${options.messageMaxChars})`);
        }
      }
    });
    const messages = normalizePush(body);
    const { durable, ephemeral, stored } = await appendAndPublish(engine, messages);
    const fresh = stored.filter((s) => !s.duplicate).length;
    if (metrics) {
      metrics.pushes.inc({ door });
      stored.forEach((outcome, i) => {
        if (outcome.duplicate) return metrics.duplicates.inc();
        const { message, known } = durable[i]!;
        metrics.messages.inc({ control_type: message.controlType, media_type: message.mediaType ?? 'none', known: String(known) });
      });
      metrics.typing.inc(ephemeral.length);
      metrics.pushDuration.observe({ door }, reply.elapsedTime / 1000);
    }
    noteForLog(request, { messages: messages.length, stored: fresh, duplicates: stored.length - fresh, typing: ephemeral.length });
    return SUCCESS;
  }

  typed.post(PUSH_PATHS.pushMsg, {
    schema: { body: PushBodySchema },
    // Headers are checked before the body is read, so an unauthenticated caller costs us nothing more.
    onRequest: async (request, reply) => {
      const appKey = header(request, 'x-app-key');
      const authorization = header(request, 'authorization');
      if (!appKey) throw new GatewayError('UNAUTHORIZED', 'the x-app-key header is missing');
      if (!authorization) throw new GatewayError('UNAUTHORIZED', 'the Authorization header is missing');
      const token = bearerToken(authorization);
      if (!token) throw new GatewayError('UNAUTHORIZED', 'the Authorization header must be "Bearer <AccessToken>"');
      await tokens.verify(token, appKey);
      await limit(`app:${appKey}`, reply);
    },
    handler: (request, reply) => accept(request, reply, request.body, 'pushMsg'),
  });

  typed.post(PUSH_PATHS.webhook, {
    schema: { body: PushBodySchema },
    // The signature covers the raw body, so it is checked once the body is read but before it is validated.
    preValidation: async (request, reply) => {
      const { accessKey } = verifier.verify(
        {
          method: request.method,
          path: request.url.split('?')[0]!,
          headers: request.headers,
          rawBody: request.rawBody ?? Buffer.alloc(0),
        },
        now(),
      );
      request.log.debug({ accessKey }, 'push signature verified');
      await limit(`access:${accessKey}`, reply);
    },
    handler: (request, reply) => accept(request, reply, request.body, 'webhook'),
  });
};

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
