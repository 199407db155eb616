// AICC's customer-session calls (docs/aicc.md §5): applyToken, send/sendAsync, poll, queryQueueInfo,
// history, the satisfaction survey and leave-message. Each answers HTTP 200 with AICC's resultCode, except the
// injected send failures (HTTP 500, "13"), as AICC's error pages show them.

import type { FastifyInstance } from 'fastify';
import { AICC_PATHS, CCMESSAGING_TOKEN_HEADER, RESULT } from '../aicc/api.js';
import type { SimContext } from './context.js';
import { asRecord, customerOf, isText } from './http.js';
import { checkSendRequest } from './validate.js';

const SEND_DESC = { send: 'send message success.', sendAsync: 'send sendMessageForOpenApiAsync success.' } as const;
const MAX_HISTORY_PAGE = 100;

export function customerRoutes(app: FastifyInstance, ctx: SimContext): void {
  const { settings } = ctx;
  const param = (resultDesc: string) => ({ resultCode: RESULT.PARAMETER, resultDesc });

  app.post(AICC_PATHS.applyToken, async (request) => {
    const body = asRecord(request.body);
    if (!isText(body.userId, 1, 32)) return param('userId must be 1 to 32 characters');
    if (typeof body.userName !== 'string') return param('userName is required');
    if (body.channelId !== settings.channelId) return param('channelId is not the Configuration ID of a web channel');
    if (!isText(body.locale, 1, 16)) return param('locale is required, e.g. "en" or "zh_CN"');
    ctx.sendCounts.set(body.userId, 0);
    return { resultCode: RESULT.OK, resultDesc: 'apply token success', token: ctx.customerTokens.issue(body.userId) };
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
        isKnownFile: (key) => ctx.files.has(key),
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

  app.post(AICC_PATHS.queryQueueInfo, async (request, reply) => {
    const userId = customerOf(ctx, request, reply);
    if (userId === undefined) return reply;
    const body = asRecord(request.body);
    if (body.userId !== userId || body.channelConfigId !== settings.channelId || body.channel !== 'WEB') {
      return { resultCode: '1', resultDesc: 'userId, channelConfigId and channel must be the session’s' };
    }
    const session = ctx.conversations.session(userId);
    if (session?.phase === 'agent') return { resultCode: '160021', resultDesc: 'the user is already talking to an agent' };
    if (session?.phase !== 'queuing') return { resultCode: '5', resultDesc: 'the session has ended or is not queuing' };
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
    if (!isWhole(limit, 1, MAX_HISTORY_PAGE) || !isWhole(offset, 0, Number.MAX_SAFE_INTEGER)) {
      return { resultCode: '1', resultDesc: `limit must be 1 to ${MAX_HISTORY_PAGE} and offset at least 0` };
    }
    const inRange = (t: number) =>
      (typeof startTime !== 'number' || t >= startTime) && (typeof endTime !== 'number' || t <= endTime);
    const all = ctx.conversations.history(userId).filter((m) => inRange(m.timestamp));
    return { resultCode: RESULT.OK, resultDesc: 'query history success', messageList: all.slice(offset, offset + limit) };
  });

  app.post(AICC_PATHS.getSatisfactionSurveyMode, async (request) => {
    const language = asRecord(request.body).language;
    const zh = language === 'zh_CN';
    const levels = zh ? ['非常不满意', '不满意', '一般', '满意', '非常满意'] : ['Very dissatisfied', 'Dissatisfied', 'Neutral', 'Satisfied', 'Very satisfied'];
    return {
      resultCode: RESULT.OK,
      resultDesc: 'query satisfaction survey mode success',
      satisfactionSurvey: {
        surveyType: 'WEB',
        satisfactionLevel: levels.map((desc, i) => ({ satisfactionLevelKey: i + 1, satisfactionLevelDesc: desc })),
        satisfactionQuestion: 'CSAT',
      },
    };
  });

  app.post(AICC_PATHS.saveSatisfaction, async (request, reply) => {
    const userId = customerOf(ctx, request, reply);
    if (userId === undefined) return reply;
    const s = asRecord(asRecord(request.body).satisfication);
    if (s.userId !== userId) return param('satisfication.userId must be the session’s user');
    if (s.channel !== 'WEB' || s.channelConfigId !== settings.channelId) return param('satisfication.channel and channelConfigId must be the session’s');
    if (!isWhole(s.evaluation, 1, 5)) return param('satisfication.evaluation must be 1 to 5');
    if (typeof s.comment !== 'string' || s.comment.length >= 512) return param('satisfication.comment must be a string under 512 characters');
    if (s.npsScore !== undefined && !isWhole(s.npsScore, 0, 9)) return param('satisfication.npsScore must be 0 to 9');
    if (s.fcrValue !== undefined && s.fcrValue !== 1 && s.fcrValue !== 2) return param('satisfication.fcrValue must be 1 or 2');
    if (!ctx.conversations.hasHadSession(userId)) return { resultCode: RESULT.FAILED, resultDesc: 'no conversation to evaluate' };
    ctx.records.satisfactions.push({ satisfication: s as never, at: Date.now() });
    return { resultCode: RESULT.OK, resultDesc: 'save satisfaction success' };
  });

  app.post(AICC_PATHS.doLeaveMessage, async (request, reply) => {
    const userId = customerOf(ctx, request, reply);
    if (userId === undefined) return reply;
    const body = asRecord(request.body);
    if (body.callId !== userId) return { resultCode: RESULT.TOKEN, resultDesc: 'callId must be the session’s user' };
    if (!isText(body.caller, 1, 64) || !isText(body.leaveMessage, 1, 4096) || body.channel !== 'WEB') {
      return param('caller, leaveMessage (1 to 4096 characters) and channel "WEB" are required');
    }
    ctx.records.leftMessages.push({
      callId: userId, caller: body.caller, leaveMessage: body.leaveMessage, channel: 'WEB', at: Date.now(),
    });
    return { resultCode: RESULT.OK, resultDesc: 'leave message success' };
  });
}

function isWhole(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
