// The customer's side of the robot (docs/protocol.md, "The robot"): rating one of its answers, and the phrases it
// suggests while the customer types. Both are AICC calls the uplink makes for the customer with their own AICC
// session, one call at a time per customer (src/aicc/robot.ts, calls.ts); AICC's refusals become the gateway's
// answers, as every uplink call's do.

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FEEDBACK_CONTENT_MAX } from '../aicc/robot.js';
import { aiccLocale, identifyBeforeBody, type CustomerIdentity, type CustomerTokens } from '../delivery/identity.js';
import type { Engine } from '../engine/types.js';
import { GatewayError, SUCCESS } from '../errors.js';
import type { RateLimiter } from '../engine/limits.js';
import type { AiccCalls } from './calls.js';

export interface RobotRoutesOptions {
  engine: Pick<Engine, 'conversation' | 'readBefore'>;
  customerTokens: CustomerTokens;
  /** Told who the customer of each request is (name, locale), for the applyToken it may lead to. */
  introduce?: (identity: CustomerIdentity) => void;
  /** Absent when AICC_BASE_URL is unset: the routes then answer 503. */
  calls: AiccCalls | undefined;
  /** Suggestion lookups, counted per customer (on top of the per-address limit of every /v1/ route). */
  suggestionLimiter: RateLimiter;
  /** Ratings per customer and answer (RATINGS_PER_ANSWER): a changed vote is sent again, a loop of them is not. */
  ratingLimiter: RateLimiter;
}

/** How far back in the customer's log a rated answer is looked for: ratings are given while the answer is on screen. */
export const RATED_ANSWER_LOOKBACK = 1000;
/** Longest text suggestions are asked for: a question's start is enough to suggest its end. */
export const SUGGESTION_QUERY_MAX = 100;

const RobotFeedbackBody = Type.Object({
  interIdx: Type.String({ minLength: 1, maxLength: 64 }),
  satisfied: Type.Boolean(),
  comment: Type.Optional(Type.String({ maxLength: FEEDBACK_CONTENT_MAX })),
});

const SuggestionsQuery = Type.Object({
  q: Type.String({ minLength: 1, maxLength: SUGGESTION_QUERY_MAX }),
  // AICC's locale form ("en", "zh_CN"); the browser's ("zh-CN") is taken too and sent in AICC's form.
  locale: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$' })),
  token: Type.Optional(Type.String()),
});

export const robotRoutes: FastifyPluginAsync<RobotRoutesOptions> = async (app, options) => {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  // The token is checked before the body is read.
  const customer = identifyBeforeBody(options.customerTokens);
  app.addHook('onRequest', customer.onRequest);
  const ready = async (request: FastifyRequest) => {
    const identity = customer.of(request);
    const { customerId } = identity;
    if (!options.calls) throw new GatewayError('UPLINK_DISABLED', 'the contact center is not configured (AICC_BASE_URL)');
    options.introduce?.(identity);
    return { customerId, calls: options.calls };
  };

  typed.post(
    '/v1/robot-feedback',
    {
      schema: {
        summary: "Rate one of the robot's answers (AICC's feedbacksatisfaction)",
        body: RobotFeedbackBody,
        response: { 200: Type.Object({ resultCode: Type.String(), resultDesc: Type.String() }) },
      },
    },
    async (request, reply) => {
      const { customerId, calls } = await ready(request);
      const { interIdx, satisfied } = request.body;
      const comment = request.body.comment?.trim() ?? '';
      if (!satisfied && !comment) {
        throw new GatewayError('INVALID_PARAMETER', `comment: is required when satisfied is false (1 to ${FEEDBACK_CONTENT_MAX} characters)`);
      }
      // Only an answer AICC's robot gave this customer: naming an index does not make it theirs to rate.
      if (!(await isRobotAnswer(options.engine, customerId, interIdx))) {
        throw new GatewayError('INVALID_PARAMETER', "interIdx: not a robot answer in this customer's conversation");
      }
      // A write to AICC: when the shared counter cannot be reached, refused (500), as a store write would be.
      const { allowed, retryAfterSeconds } = await options.ratingLimiter.take(`${customerId}\u0000${interIdx}`);
      if (!allowed) {
        reply.header('retry-after', String(retryAfterSeconds));
        throw new GatewayError('RATE_LIMITED', 'this answer was rated too often; try again after Retry-After');
      }
      const sent = await calls.rateRobotAnswer(customerId, { interIdx, satisfied, ...(comment ? { comment } : {}) });
      request.log.info({ customerId, interIdx, satisfied, sent }, sent ? 'robot answer rated' : 'robot answer rated so already');
      return { resultCode: SUCCESS.resultCode, resultDesc: sent ? 'thank you' : 'already rated so' };
    },
  );

  typed.get(
    '/v1/suggestions',
    {
      schema: {
        summary: 'Phrases the robot suggests for what the customer has typed (AICC\'s queryPhraseByKeyword)',
        querystring: SuggestionsQuery,
        response: { 200: Type.Object({ suggestions: Type.Array(Type.String(), { maxItems: 5 }) }) },
      },
    },
    async (request, reply) => {
      const { customerId, calls } = await ready(request);
      // A read: when the shared counter cannot be reached, it goes through (as the per-address limit does).
      const { allowed, retryAfterSeconds } = await options.suggestionLimiter
        .take(customerId)
        .catch(() => ({ allowed: true, retryAfterSeconds: 0 }));
      if (!allowed) {
        reply.header('retry-after', String(retryAfterSeconds));
        throw new GatewayError('RATE_LIMITED', 'too many suggestion lookups; try again after Retry-After');
      }
      // AICC suggests only while its robot answers: with an agent (or after the end) there is nobody to ask.
      const { state } = await options.engine.conversation(customerId);
      const text = request.query.q.trim();
      if (state.phase !== 'bot' || !text) return { suggestions: [] };
      return { suggestions: await calls.suggest(customerId, text, aiccLocale(request.query.locale)) };
    },
  );
};

/** Whether a ROBOT message among the customer's latest RATED_ANSWER_LOOKBACK entries carried this interIdx. */
async function isRobotAnswer(engine: RobotRoutesOptions['engine'], customerId: string, interIdx: string): Promise<boolean> {
  const { lastSeq } = await engine.conversation(customerId);
  if (lastSeq === 0) return false;
  const entries = await engine.readBefore(customerId, lastSeq + 1, RATED_ANSWER_LOOKBACK);
  return entries.some(({ message }) => {
    const given = message.interIdx;
    return message.sourceType === 'ROBOT' && (typeof given === 'string' || typeof given === 'number') && String(given) === interIdx;
  });
}
