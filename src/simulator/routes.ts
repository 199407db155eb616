// AICC's customer-session calls (docs/aicc.md §5): applyToken, send/sendAsync, poll, queryQueueInfo,
// history, the satisfaction survey and leave-message. Each answers HTTP 200 with the API's own result codes,
// except a missing or expired ccmessaging-token (HTTP 401) and the injected send failures (HTTP 500, "13").
// Where Huawei's pages disagree on a type (a string in the table, a number in a sample), both are taken.

import type { FastifyInstance } from 'fastify';
import { AICC_PATHS, CCMESSAGING_TOKEN_HEADER, RESULT } from '../aicc/api.js';
import type { SimContext } from './context.js';
import { asRecord, customerOf, header, isText } from './http.js';
import { checkSendRequest } from './validate.js';

const SEND_DESC = { send: 'send message success.', sendAsync: 'send sendMessageForOpenApiAsync success.' } as const;
const MAX_HISTORY_PAGE = 100;
/** applyToken's table says 1–32 characters, but Huawei's own send samples use a 39-character user
 *  ("session_1619573111751_user_1619573111751"): the simulator takes what Huawei's samples use. */
const MAX_USER_ID = 64;

export function customerRoutes(app: FastifyInstance, ctx: SimContext): void {
  const { settings } = ctx;
  const param = (resultDesc: string) => ({ resultCode: RESULT.PARAMETER, resultDesc });

  app.post(AICC_PATHS.applyToken, async (request) => {
    const body = asRecord(request.body);
    if (!isText(body.userId, 1, MAX_USER_ID)) return param(`userId must be 1 to ${MAX_USER_ID} characters`);
    if (typeof body.userName !== 'string') return param('userName is required');
    if (body.channelId !== settings.channelId) return param('channelId is not the Configuration ID of a web channel');
    if (!isText(body.locale, 1, 16)) return param('locale is required, e.g. "en" or "zh_CN"');
    ctx.sendCounts.set(body.userId, 0);
    ctx.locales.set(body.userId, body.locale);
    const token = ctx.customerTokens.issue(body.userId);
    // The developer guide's sample answer is the token alone (cec_05_2012); the API table lists a resultCode too.
    return settings.resultCodeWithPayload ? { resultCode: RESULT.OK, token } : { token };
  });

  for (const kind of ['send', 'sendAsync'] as const) {
    app.post(AICC_PATHS[kind], async (request, reply) => {
      const userId = customerOf(ctx, request, reply);
      if (userId === undefined) return reply;
      if (ctx.faults.failSends > 0) {
        ctx.faults.failSends -= 1;
        return reply.code(500).send({ resultCode: RESULT.FAILED, resultDesc: 'sendUserMessage failed' });
      }
      const checked = checkSendRequest(request.body, {
        userId,
        channelId: settings.channelId,
        isKnownFile: (key) => ctx.files.hasUpload(key),
      });
      if ('error' in checked) return param(checked.error);
      const answer = ctx.conversations.handle(checked.request);
      ctx.records.sends.push({ path: kind, request: checked.request, resultCode: answer.resultCode, at: Date.now() });
      if (answer.resultCode !== RESULT.OK) return answer;
      // AICC replaces the session's token now and then by answering a newer one in this header (docs/aicc.md
      // §5); from then on only the newest (and, for a short grace, the one before) is accepted.
      const count = (ctx.sendCounts.get(userId) ?? 0) + 1;
      ctx.sendCounts.set(userId, count);
      if (settings.rotateTokenEvery > 0 && count % settings.rotateTokenEvery === 0) {
        reply.header(CCMESSAGING_TOKEN_HEADER, ctx.customerTokens.issue(userId));
      }
      return { resultCode: RESULT.OK, resultDesc: SEND_DESC[kind] };
    });
  }

  app.get(AICC_PATHS.poll, async (request, reply) => {
    const userId = customerOf(ctx, request, reply);
    if (userId === undefined) return reply;
    const query = asRecord(request.query);
    if (query.receiverId !== userId) return param('receiverId must be the userId the ccmessaging-token was issued for');
    if (query.channel !== 'WEB') return param('channel must be "WEB"');
    const cancelled = new AbortController();
    reply.raw.once('close', () => cancelled.abort());
    const messages = await ctx.outbox.take(userId, query.isNeedRead === 'true', settings.pollTimeoutMs, cancelled.signal);
    return { resultCode: RESULT.OK, resultDesc: 'query user messages success', downlinkMessages: messages };
  });

  // cec_07_2221 lists its headers as not mandatory, and has its own token error: resultCode "3" (HTTP 200).
  app.post(AICC_PATHS.queryQueueInfo, async (request) => {
    const body = asRecord(request.body);
    const token = header(request, CCMESSAGING_TOKEN_HEADER);
    if (token !== undefined && ctx.customerTokens.userOf(token) !== body.userId) {
      return { resultCode: '3', resultDesc: 'token error' };
    }
    if (!isText(body.userId, 1, MAX_USER_ID) || body.channelConfigId !== settings.channelId || body.channel !== 'WEB') {
      return { resultCode: '1', resultDesc: 'userId, channelConfigId and channel "WEB" are required' };
    }
    const userId = body.userId;
    if (ctx.faults.queueResultCode !== undefined) return { resultCode: ctx.faults.queueResultCode, resultDesc: 'as the test asked' };
    const session = ctx.conversations.session(userId);
    if (!session) return { resultCode: '160004', resultDesc: 'no session' };
    if (session.phase === 'agent') return { resultCode: '160021', resultDesc: 'the user is already talking to an agent' };
    if (session.phase !== 'queuing') return { resultCode: '5', resultDesc: 'the session has ended' };
    const waited = ctx.conversations.queuedSeconds(userId);
    return {
      resultCode: RESULT.OK,
      resultDesc: 'query queue info success',
      position: session.queuePosition,
      estimateWaitTime: session.queuePosition * 30,
      totalWaitTime: waited,
      currentDeviceWaitTime: waited,
      configMaxcWaitTime: 600,
      longestWaitTime: waited,
    };
  });

  app.post(AICC_PATHS.queryHistoryChatMessage, async (request, reply) => {
    const userId = customerOf(ctx, request, reply);
    if (userId === undefined) return reply;
    const body = asRecord(request.body);
    const { limit, offset, startTime, endTime } = body;
    if (body.userId !== userId || body.channelId !== settings.channelId || body.channel !== 'WEB') {
      return { resultCode: '1', resultDesc: 'userId, channelId and channel must be the session’s' };
    }
    // Strings in cec_07_0104's table; numbers are taken too.
    const pageSize = whole(limit, 1, MAX_HISTORY_PAGE);
    const skip = whole(offset, 0, Number.MAX_SAFE_INTEGER);
    if (pageSize === undefined || skip === undefined) {
      return { resultCode: '1', resultDesc: `limit must be "1" to "${MAX_HISTORY_PAGE}" and offset at least "0"` };
    }
    const from = optionalTime(startTime);
    const to = optionalTime(endTime);
    if (from === null || to === null) return { resultCode: '1', resultDesc: 'startTime and endTime, when given, must be milliseconds' };
    const inRange = (t: number) => (from === undefined || t >= from) && (to === undefined || t <= to);
    const all = ctx.conversations.history(userId).filter((m) => inRange(m.timestamp));
    return { resultCode: RESULT.OK, resultDesc: 'query history success', messageList: all.slice(skip, skip + pageSize) };
  });

  app.post(AICC_PATHS.getSatisfactionSurveyMode, async (request, reply) => {
    const userId = customerOf(ctx, request, reply);
    if (userId === undefined) return reply;
    const language = asRecord(request.body).language ?? ctx.locales.get(userId);
    const zh = typeof language === 'string' && language.toLowerCase().startsWith('zh');
    const levels = zh ? ['非常不满意', '不满意', '一般', '满意', '非常满意'] : ['Very dissatisfied', 'Dissatisfied', 'Neutral', 'Satisfied', 'Very satisfied'];
    return {
      resultCode: RESULT.OK,
      resultDesc: 'query satisfaction survey mode success',
      satisfactionSurvey: {
        surveyType: 'WEB',
        // cec_07_2224: the key is a string, the questions an Array.
        satisfactionLevel: levels.map((desc, i) => ({ satisfactionLevelKey: String(i + 1), satisfactionLevelDesc: desc })),
        satisfactionQuestion: ['CSAT', 'FCR', 'NPS'],
      },
    };
  });

  app.post(AICC_PATHS.saveSatisfaction, async (request, reply) => {
    const userId = customerOf(ctx, request, reply);
    if (userId === undefined) return reply;
    const s = asRecord(asRecord(request.body).satisfication);
    if (s.userId !== userId) return param('satisfication.userId must be the session’s user');
    if (s.channel !== 'WEB' || s.channelConfigId !== settings.channelId) return param('satisfication.channel and channelConfigId must be the session’s');
    // Strings in cec_07_2226 (and Huawei's demo sends "5"); numbers are taken too.
    if (whole(s.evaluation, 1, 5) === undefined) return param('satisfication.evaluation must be "1" to "5"');
    if (typeof s.comment !== 'string' || s.comment.length >= 512) return param('satisfication.comment must be a string under 512 characters');
    if (s.npsScore !== undefined && whole(s.npsScore, 0, 9) === undefined) return param('satisfication.npsScore must be "0" to "9"');
    if (s.fcrValue !== undefined && whole(s.fcrValue, 1, 2) === undefined) return param('satisfication.fcrValue must be "1" or "2"');
    if (!ctx.conversations.hasHadSession(userId)) return { resultCode: RESULT.FAILED, resultDesc: 'no conversation to evaluate' };
    ctx.records.satisfactions.push({ satisfication: s as never, at: Date.now() });
    return { resultCode: RESULT.OK, resultDesc: 'save satisfaction success' };
  });

  app.post(AICC_PATHS.doLeaveMessage, async (request, reply) => {
    const userId = customerOf(ctx, request, reply);
    if (userId === undefined) return reply;
    const body = asRecord(request.body);
    // cec_07_0107: "2" an empty parameter, "3" "the leaveMessageParams is error".
    if (!isText(body.callId) || !isText(body.caller) || !isText(body.leaveMessage) || !isText(body.channel)) {
      return { resultCode: '2', resultDesc: 'callId, caller, leaveMessage and channel must not be empty' };
    }
    if (body.callId !== userId || body.caller.length > 64 || body.leaveMessage.length > 4096 || body.channel !== 'WEB') {
      return { resultCode: '3', resultDesc: 'the leaveMessageParams is error' };
    }
    ctx.records.leftMessages.push({
      callId: userId, caller: body.caller, leaveMessage: body.leaveMessage, channel: 'WEB', at: Date.now(),
    });
    return { resultCode: RESULT.OK, resultDesc: 'Save leaveMessage success!' };
  });
}

/** An optional time in milliseconds: undefined when not given, null when given but not a time. */
function optionalTime(value: unknown): number | undefined | null {
  if (value === undefined || value === null || value === '') return undefined;
  return whole(value, 0, Number.MAX_SAFE_INTEGER) ?? null;
}

/** A whole number given as a number or as a string of digits (the pages disagree), within bounds. */
function whole(value: unknown, min: number, max: number): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}
