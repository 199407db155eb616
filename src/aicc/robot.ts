// The robot's two customer-side APIs (docs/aicc.md §5): rating one of its answers (feedbacksatisfaction) and
// the phrases it suggests while the customer types (queryPhraseByKeyword). Both speak for one customer, so both
// carry the customer's ccmessaging-token; the request shapes are shared with our simulator.

import { AICC_PATHS, type ResultAnswer } from './api.js';
import type { AiccClient, AiccSession } from './aiccClient.js';

/** feedbackContent's limit (cec_07_2225): at most 64 characters, required when the answer did not help. */
export const FEEDBACK_CONTENT_MAX = 64;
/** AICC answers up to 5 phrases (cec_07_0112); we never pass on more. */
export const PHRASES_MAX = 5;

/** POST /apiaccess/ccmessaging/v1/robot/feedbacksatisfaction, as its API table types it. */
export interface RobotFeedbackRequest {
  /** The integer 1 (satisfied) or 0 (dissatisfied); never a string. */
  feedback: 1 | 0;
  /** At most 64 characters; required when `feedback` is 0. */
  feedbackContent?: string;
  /** The customer (applyToken's userId). */
  from: string;
  /** The interaction index AICC's downlink message of the answer carried, as a string. */
  interIdx: string;
}

/** POST /apiaccess/ccmessaging/queryPhraseByKeyword. */
export interface PhraseQueryRequest {
  /** What the customer has typed so far. */
  strContent: string;
  locale: string;
  channel: 'WEB';
}

export interface RobotRating {
  interIdx: string;
  satisfied: boolean;
  /** Why not: required when not satisfied (the caller checks; AICC refuses it otherwise). */
  comment?: string;
}

/** Rates one robot answer. Not repeated after an unknown outcome: a rating counted twice skews the tenant's report. */
export async function rateRobotAnswer(aicc: AiccClient, session: AiccSession, rating: RobotRating): Promise<void> {
  const body: RobotFeedbackRequest = {
    feedback: rating.satisfied ? 1 : 0,
    ...(rating.comment ? { feedbackContent: rating.comment.slice(0, FEEDBACK_CONTENT_MAX) } : {}),
    from: session.userId,
    interIdx: rating.interIdx,
  };
  await aicc.call<ResultAnswer>({ path: AICC_PATHS.robotFeedback, method: 'POST', body, session, idempotent: false });
}

/** Up to PHRASES_MAX phrases for what the customer typed; an empty list when the robot has none (or is off). */
export async function queryPhrases(aicc: AiccClient, session: AiccSession, text: string, locale: string): Promise<string[]> {
  const body: PhraseQueryRequest = { strContent: text, locale, channel: 'WEB' };
  const answer = await aicc.call<Record<string, unknown>>({ path: AICC_PATHS.queryPhraseByKeyword, method: 'POST', body, session, idempotent: true });
  return phrasesOf(answer);
}

/** Where the phrases may be, in the order looked at: the page names no field, so this is our reading (docs/aicc.md §5). */
const LIST_KEYS = ['phrases', 'phraseList', 'data', 'result', 'resultData', 'list'] as const;
const TEXT_KEYS = ['phrase', 'text', 'content', 'question', 'name', 'value'] as const;
const PHRASE_MAX_CHARS = 200;

/**
 * The phrases of an answer, read defensively: an array of strings, or of objects with a text field, under one of
 * LIST_KEYS (or one level deeper, `data.phrases`), or the answer itself when it is an array. Blank, duplicate and
 * over-long entries are dropped; at most PHRASES_MAX are kept.
 */
export function phrasesOf(answer: unknown): string[] {
  const list = listIn(answer) ?? (isRecord(answer) ? LIST_KEYS.map((k) => listIn(answer[k])).find(Boolean) : undefined);
  if (!list) return [];
  const phrases: string[] = [];
  for (const item of list) {
    const text = typeof item === 'string' ? item : isRecord(item) ? TEXT_KEYS.map((k) => item[k]).find((v) => typeof v === 'string') : undefined;
    const trimmed = typeof text === 'string' ? text.trim() : '';
    if (!trimmed || trimmed.length > PHRASE_MAX_CHARS || phrases.includes(trimmed)) continue;
    phrases.push(trimmed);
    if (phrases.length === PHRASES_MAX) break;
  }
  return phrases;
}

function listIn(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (!isRecord(value)) return undefined;
  for (const key of LIST_KEYS) if (Array.isArray(value[key])) return value[key] as unknown[];
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
