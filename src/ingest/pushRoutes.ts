// The two doors AICC pushes through: pushMsg (x-app-key + Bearer AccessToken) and the signed webhook
// (auth-v2). Both: authenticate, validate the whole push, append it durably, and only then answer "0".

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AccessTokens } from '../aicc/accessTokens.js';
import type { PushSignatureVerifier } from '../aicc/authV2.js';
import { PushBodySchema, normalizePush, type PushBody } from '../aicc/downlink.js';
import type { Engine } from '../engine/types.js';
import { GatewayError, SUCCESS } from '../errors.js';
import { noteForLog } from '../http/requestLog.js';

export const PUSH_MSG_PATH = '/apiaccess/ccmessaging/pushMsg';
export const WEBHOOK_PATH = '/webhooks/v1/messages';

export interface PushRoutesOptions {
  engine: Engine;
  tokens: AccessTokens;
  verifier: PushSignatureVerifier;
  /** 0 turns the replay window off. */
  timestampSkewMs: number;
  now?: () => number;
}

const BEARER = /^Bearer (\S+)$/;

export const pushRoutes: FastifyPluginAsync<PushRoutesOptions> = async (app, options) => {
  const { engine, tokens, verifier, timestampSkewMs } = options;
  const now = options.now ?? Date.now;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  async function accept(request: FastifyRequest, body: PushBody) {
    if (timestampSkewMs > 0 && Math.abs(now() - Number(body.timestamp)) > timestampSkewMs) {
      throw new GatewayError('STALE_TIMESTAMP', 'timestamp is outside the accepted window (replay?)');
    }
    const messages = normalizePush(body);
    const durable = messages.filter((m) => !m.ephemeral);
    const ephemeral = messages.filter((m) => m.ephemeral);
    const stored = await engine.append(durable);
    await engine.publishEphemeral(ephemeral);
    const fresh = stored.filter((s) => !s.duplicate).length;
    noteForLog(request, { messages: messages.length, stored: fresh, duplicates: stored.length - fresh, typing: ephemeral.length });
    return SUCCESS;
  }

  typed.post(PUSH_MSG_PATH, {
    schema: { body: PushBodySchema },
    // Headers are checked before the body is read, so an unauthenticated caller costs us nothing more.
    onRequest: async (request) => {
      const appKey = header(request, 'x-app-key');
      const authorization = header(request, 'authorization');
      if (!appKey) throw new GatewayError('UNAUTHORIZED', 'the x-app-key header is missing');
      if (!authorization) throw new GatewayError('UNAUTHORIZED', 'the Authorization header is missing');
      const token = BEARER.exec(authorization.trim())?.[1];
      if (!token) throw new GatewayError('UNAUTHORIZED', 'the Authorization header must be "Bearer <AccessToken>"');
      await tokens.verify(token, appKey);
    },
    handler: (request) => accept(request, request.body),
  });

  typed.post(WEBHOOK_PATH, {
    schema: { body: PushBodySchema },
    // The signature covers the raw body, so it is checked once the body is read but before it is validated.
    preValidation: async (request) => {
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
    },
    handler: (request) => accept(request, request.body),
  });
};

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
