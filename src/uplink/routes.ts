// The customer's way up to AICC over HTTP (the stream's `send` frame does the same over the WebSocket):
// messages, uploads, the request for a human, typing, read position, leaving a message and the survey.

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { AiccClient } from '../aicc/aiccClient.js';
import type { AgentHours } from './agentHours.js';
import { identifyBeforeBody, type CustomerIdentity, type CustomerTokens } from '../delivery/identity.js';
import type { MediaCache } from '../delivery/mediaCache.js';
import { GatewayError } from '../errors.js';
import { CLIENT_MESSAGE_ID_PATTERN, UPLOAD_TYPES } from '../protocol/index.js';
import { safeFileName, type UplinkInput } from '../conversation/entries.js';
import type { RateLimiter } from '../engine/limits.js';
import type { AiccCalls } from './calls.js';
import type { Uplink } from './uplink.js';

const ClientMessageId = Type.String({ pattern: CLIENT_MESSAGE_ID_PATTERN });

export const SendBody = Type.Union([
  Type.Object({ clientMessageId: ClientMessageId, kind: Type.Literal('text'), text: Type.String({ minLength: 1, maxLength: 1000 }) }),
  Type.Object({
    clientMessageId: ClientMessageId,
    kind: Type.Literal('location'),
    latitude: Type.Number({ minimum: -90, maximum: 90 }),
    longitude: Type.Number({ minimum: -180, maximum: 180 }),
    description: Type.String({ maxLength: 200 }),
  }),
  Type.Object({
    clientMessageId: ClientMessageId,
    kind: Type.Literal('file'),
    objectKey: Type.String({ minLength: 1, maxLength: 256 }),
    mediaType: Type.Union([Type.Literal('IMAGE'), Type.Literal('AUDIO'), Type.Literal('VIDEO'), Type.Literal('DOCUMENT')]),
    fileName: Type.String({ minLength: 1, maxLength: 200 }),
    size: Type.Integer({ minimum: 0 }),
    fileType: Type.String({ minLength: 1, maxLength: 10 }),
  }),
]);
export type SendBody = Static<typeof SendBody>;

export interface UplinkRoutesOptions {
  customerTokens: CustomerTokens;
  /** Told who the customer of each request is (name, locale), for the applyToken it may lead to. */
  introduce?: (identity: CustomerIdentity) => void;
  /** Absent when AICC_BASE_URL is unset: every route then answers 503, saying so. */
  uplink: Uplink | undefined;
  /** The plain calls (typing, read, surveys, uploads, leaving a message); absent with the uplink. */
  calls: AiccCalls | undefined;
  aicc: AiccClient | undefined;
  agentHours?: AgentHours | undefined;
  cache: MediaCache;
  uploadMaxBytes: number;
  /** Messages left per customer (LEFT_MESSAGES_PER_CUSTOMER). */
  leaveMessageLimiter: RateLimiter;
}

export const uplinkRoutes: FastifyPluginAsync<UplinkRoutesOptions> = async (app, options) => {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  // Who is asking, and whether there is anywhere to send it, before a byte of the body is read (an upload is
  // UPLOAD_MAX_BYTES).
  const customer = identifyBeforeBody(options.customerTokens);
  app.addHook('onRequest', async (request) => {
    await customer.onRequest(request);
    if (!options.uplink || !options.calls || !options.aicc) {
      throw new GatewayError('UPLINK_DISABLED', 'sending to the contact center is not configured (AICC_BASE_URL)');
    }
    options.introduce?.(customer.of(request));
  });
  const ready = async (request: FastifyRequest) => ({
    customerId: customer.of(request).customerId,
    uplink: options.uplink!,
    calls: options.calls!,
    aicc: options.aicc!,
  });

  typed.post('/v1/messages', { schema: { body: SendBody } }, async (request, reply) => {
    const { customerId, uplink } = await ready(request);
    const accepted = await uplink.send(customerId, request.body.clientMessageId, inputOf(request.body));
    return reply.status(202).send(accepted);
  });

  typed.post(
    '/v1/transfer',
    { schema: { body: Type.Object({ clientMessageId: ClientMessageId }) } },
    async (request, reply) => {
      const { customerId, uplink } = await ready(request);
      return reply.status(202).send(await uplink.transfer(customerId, request.body.clientMessageId));
    },
  );

  // The customer ends the conversation (DISCONNECT); every tab hears the `ended` state, and the survey follows.
  typed.post(
    '/v1/end',
    { schema: { body: Type.Object({ clientMessageId: ClientMessageId }) } },
    async (request, reply) => {
      const { customerId, uplink } = await ready(request);
      return reply.status(202).send(await uplink.end(customerId, request.body.clientMessageId));
    },
  );

  typed.post('/v1/typing', async (request, reply) => {
    const { customerId, calls } = await ready(request);
    calls.typing(customerId);
    return reply.status(204).send();
  });

  typed.post('/v1/read', { schema: { body: Type.Object({ seq: Type.Integer({ minimum: 1 }) }) } }, async (request, reply) => {
    const { customerId, calls } = await ready(request);
    await calls.read(customerId, request.body.seq);
    return reply.status(204).send();
  });

  typed.post(
    '/v1/leave-message',
    {
      schema: {
        body: Type.Object({
          message: Type.String({ minLength: 1, maxLength: 2000 }),
          // AICC's doLeaveMessage requires the caller (cec_07_0107: resultCode 2 for an empty one): a number to
          // call back on, digits with the usual + ( ) - and spaces.
          phone: Type.String({ minLength: 1, maxLength: 32, pattern: '^\\+?[0-9][0-9 ()-]*$' }),
        }),
      },
    },
    async (request, reply) => {
      const { customerId, calls } = await ready(request);
      const { allowed, retryAfterSeconds } = await options.leaveMessageLimiter.take(customerId);
      if (!allowed) {
        reply.header('retry-after', String(retryAfterSeconds));
        throw new GatewayError('RATE_LIMITED', 'too many messages left; try again after Retry-After');
      }
      await calls.leaveMessage(customerId, request.body.phone, request.body.message);
      return { resultCode: '0', resultDesc: 'message left' };
    },
  );

  // Whether agents are at work now, as AICC's latest answers said (uplink/agentHours.ts), so the widget can
  // tell the customer before they write; `available: null` when the gateway has not heard lately.
  typed.get('/v1/agents', async (request) => {
    await ready(request);
    return options.agentHours?.current() ?? { available: null, heardAt: null };
  });

  typed.get('/v1/survey', async (request) => {
    const { customerId, calls } = await ready(request);
    return calls.surveyMode(customerId, (request.query as { language?: string }).language);
  });

  typed.post(
    '/v1/survey',
    {
      schema: {
        body: Type.Object({
          evaluation: Type.Integer({ minimum: 1, maximum: 5 }),
          comment: Type.Optional(Type.String({ maxLength: 511 })),
          /** NPS: how likely the customer is to recommend, 0–9 (when the survey asks it). */
          npsScore: Type.Optional(Type.Integer({ minimum: 0, maximum: 9 })),
          /** FCR: whether the matter was resolved (when the survey asks it). */
          resolved: Type.Optional(Type.Boolean()),
        }),
      },
    },
    async (request) => {
      const { customerId, calls } = await ready(request);
      const { evaluation, comment, npsScore, resolved } = request.body;
      await calls.saveSurvey(customerId, {
        evaluation,
        comment: comment ?? '',
        ...(npsScore !== undefined ? { npsScore } : {}),
        ...(resolved !== undefined ? { resolved } : {}),
      });
      return { resultCode: '0', resultDesc: 'thank you' };
    },
  );

  // Uploads: the raw bytes, with their MIME type as Content-Type and the file name as ?name=.
  await app.register(async (uploads) => {
    uploads.addContentTypeParser(Object.keys(UPLOAD_TYPES), { parseAs: 'buffer', bodyLimit: options.uploadMaxBytes }, (_req, body, done) =>
      done(null, body),
    );
    uploads.post('/v1/uploads', { bodyLimit: options.uploadMaxBytes }, async (request, reply) => {
      const { customerId, calls } = await ready(request);
      const mime = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const kind = UPLOAD_TYPES[mime];
      const bytes = request.body as Buffer;
      if (!kind || !Buffer.isBuffer(bytes)) throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', `uploads must be one of ${Object.keys(UPLOAD_TYPES).join(', ')}`);
      if (bytes.length === 0) throw new GatewayError('INVALID_PARAMETER', 'the upload is empty');
      const name = safeFileName(String((request.query as { name?: unknown }).name ?? `upload.${kind.fileType}`).slice(0, 200));
      const objectKey = await calls.upload(customerId, kind.fileType, bytes).catch((err: Error) => {
        request.log.warn({ err: { message: err.message } }, 'upload to AICC failed');
        throw new GatewayError('UPSTREAM_FAILED', 'the file could not be uploaded to the contact center');
      });
      // The customer sees their own file from the cache, without a download from AICC.
      options.cache.put(objectKey, bytes, mime);
      await calls.uploaded(customerId, { objectKey, mediaType: kind.mediaType, fileType: kind.fileType, fileName: name, size: bytes.length });
      return reply.status(201).send({ objectKey, mediaType: kind.mediaType, fileType: kind.fileType, fileName: name, size: bytes.length });
    });
  });
};

export function inputOf(body: SendBody): UplinkInput {
  switch (body.kind) {
    case 'text':
      return { kind: 'text', text: body.text };
    case 'location':
      return { kind: 'location', latitude: body.latitude, longitude: body.longitude, description: body.description };
    case 'file':
      return { kind: 'file', objectKey: body.objectKey, mediaType: body.mediaType, fileName: body.fileName, size: body.size, fileType: body.fileType };
  }
}
