// AICC's robot APIs (docs/aicc.md §5): feedbacksatisfaction, checked exactly as its API table types it, and
// queryPhraseByKeyword, which suggests up to 5 of the scripted robot's questions that contain what was typed.
// Both are recorded as received, so tests see what the gateway sent.

import type { FastifyInstance } from 'fastify';
import { AICC_PATHS, CCMESSAGING_TOKEN_HEADER, RESULT } from '../aicc/api.js';
import { FEEDBACK_CONTENT_MAX, PHRASES_MAX, type RobotFeedbackRequest } from '../aicc/robot.js';
import type { SimContext } from './context.js';
import { asRecord, customerOf, header, isText } from './http.js';
import { ROBOT_PHRASES } from './script.js';

/**
 * feedbacksatisfaction's answer to a request that breaks its table. Huawei lists 10010000001 among the page's
 * error codes without saying what any of them means; using it for a bad parameter is ours.
 */
export const FEEDBACK_REFUSED = '10010000001';

export function robotRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.post(AICC_PATHS.robotFeedback, async (request, reply) => {
    const userId = customerOf(ctx, request, reply);
    if (userId === undefined) return reply;
    const checked = checkFeedback(request.body, userId);
    if ('error' in checked) return { resultCode: FEEDBACK_REFUSED, resultDesc: checked.error };
    ctx.records.robotFeedbacks.push({ request: checked.request, userId, at: Date.now() });
    return { resultCode: RESULT.OK, resultDesc: 'success' };
  });

  app.post(AICC_PATHS.queryPhraseByKeyword, async (request) => {
    const body = asRecord(request.body);
    // The page does not say whether the ccmessaging-token is required: it is recorded, not demanded.
    const userId = ctx.customerTokens.userOf(header(request, CCMESSAGING_TOKEN_HEADER));
    ctx.records.phraseQueries.push({ request: body, userId, at: Date.now() });
    if (typeof body.strContent !== 'string' || !isText(body.locale, 1, 16) || body.channel !== 'WEB') {
      return { resultCode: RESULT.PARAMETER, resultDesc: 'strContent, locale and channel "WEB" are required' };
    }
    // Only a tenant whose robot is on suggests anything (cec_07_0112).
    const phrases = ctx.settings.robot ? matching(body.strContent) : [];
    // The answer's field is our reading (docs/aicc.md §5): `data`, a list of strings.
    return { resultCode: RESULT.OK, resultDesc: 'success', data: phrases };
  });
}

/** The body, typed, when it keeps feedbacksatisfaction's table; otherwise the first rule it breaks. */
export function checkFeedback(body: unknown, userId: string): { request: RobotFeedbackRequest } | { error: string } {
  const req = asRecord(body);
  // An integer, as the table types it: "1" or true are not what it documents.
  if (req.feedback !== 0 && req.feedback !== 1) return { error: 'feedback must be the integer 1 (satisfied) or 0 (dissatisfied)' };
  const content = req.feedbackContent;
  if (content !== undefined && content !== null && (typeof content !== 'string' || content.length > FEEDBACK_CONTENT_MAX)) {
    return { error: `feedbackContent must be a string of at most ${FEEDBACK_CONTENT_MAX} characters` };
  }
  if (req.feedback === 0 && !isText(content, 1)) return { error: 'feedbackContent is required when feedback is 0' };
  if (req.from !== userId) return { error: 'from must be the userId the ccmessaging-token was issued for' };
  if (!isText(req.interIdx, 1, 64)) return { error: 'interIdx must be a string (the robot answer’s interaction index)' };
  return { request: req as unknown as RobotFeedbackRequest };
}

function matching(typed: string): string[] {
  const needle = typed.trim().toLowerCase();
  if (!needle) return [];
  return ROBOT_PHRASES.filter((phrase) => phrase.toLowerCase().includes(needle)).slice(0, PHRASES_MAX);
}
