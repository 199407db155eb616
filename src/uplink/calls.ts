// The customer's plain calls to AICC, each under the customer's session and made at once (nothing stored first,
// unlike ./uplink.ts): uploads and downloads, typing and read positions, leaving a message, the satisfaction
// survey, rating the robot's answers and its suggestions.

import type { FastifyBaseLogger } from 'fastify';
import type { AiccClient, SatisfactionAnswer } from '../aicc/aiccClient.js';
import type { SatisfactionQuestion } from '../aicc/api.js';
import { queryPhrases, rateRobotAnswer, type RobotRating } from '../aicc/robot.js';
import type { AiccSessions } from '../aicc/sessions.js';
import type { Engine } from '../engine/types.js';
import { surveyEntry } from '../conversation/entries.js';
import type { Survey } from '../protocol/index.js';
import { upstream } from './failures.js';
import { PerCustomerQueue } from '../aicc/serial.js';
import { GatewayError } from '../errors.js';

export interface AiccCallsOptions {
  engine: Engine;
  aicc: AiccClient;
  sessions: AiccSessions;
  log: FastifyBaseLogger;
}

/** Typing is sent up at most this often per customer. */
const TYPING_INTERVAL_MS = 2000;
/** Customers whose last typing is remembered; only the last TYPING_INTERVAL_MS matter, so few are needed. */
const TYPING_TRACKED = 10_000;

export class AiccCalls {
  private readonly lastTyping = new Map<string, number>();

  /** Ratings and surveys, one at a time per customer: each decides from what the last one recorded. */
  private readonly answers = new PerCustomerQueue();

  constructor(private readonly options: AiccCallsOptions) {}

  /** Customers whose typing is being throttled now (bounded by TYPING_TRACKED). */
  get typingTracked(): number {
    return this.lastTyping.size;
  }

  /** Uploads the customer's file to AICC under their session; answers its objectKey. */
  async upload(customerId: string, fileType: string, bytes: Buffer): Promise<string> {
    return this.options.sessions.call(customerId, (session) => this.options.aicc.uploadFile(session, fileType, bytes), { connect: false });
  }

  /** Downloads a file of the customer's conversation from AICC under their session. */
  async download(customerId: string, fileId: string, fileType: string, mediaLibrary: boolean): Promise<Buffer> {
    return this.options.sessions.call(customerId, (session) => this.options.aicc.downloadFile(session, fileId, fileType, mediaLibrary), {
      connect: false,
    });
  }

  /** The customer uploaded this file: they may fetch it (GET /v1/media/:id) and send it. */
  async uploaded(customerId: string, upload: { objectKey: string; mediaType: string; fileType: string; fileName: string; size: number }): Promise<void> {
    const { objectKey, ...rest } = upload;
    await this.options.engine.grantMedia(customerId, [{ mediaId: objectKey, origin: 'upload', ...rest }]);
  }

  /** Typing goes up as INPUT, throttled; it is not stored and failures are only logged. */
  typing(customerId: string): void {
    const now = Date.now();
    if (now - (this.lastTyping.get(customerId) ?? 0) < TYPING_INTERVAL_MS) return;
    // Oldest first (re-inserted on each use): drop what throttles nothing any more, and beyond the bound the oldest.
    this.lastTyping.delete(customerId);
    this.lastTyping.set(customerId, now);
    for (const [id, at] of this.lastTyping) {
      if (now - at < TYPING_INTERVAL_MS && this.lastTyping.size <= TYPING_TRACKED) break;
      this.lastTyping.delete(id);
    }
    this.options.sessions
      .known(customerId)
      .then((known) =>
        // No conversation yet: nobody to tell.
        known ? this.options.sessions.call(customerId, (session) => this.options.aicc.send(session, { controlType: 'INPUT' }), { connect: false }) : undefined,
      )
      .catch((err: Error) => this.options.log.debug({ customerId, err: { message: err.message } }, 'typing not sent'));
  }

  /** The customer has seen everything up to `seq`: the agent's and bot's messages since the last report go up as READ. */
  async read(customerId: string, seq: number): Promise<void> {
    const known = await this.options.sessions.known(customerId);
    if (!known || seq <= known.readSeq) return;
    const entries = await this.options.engine.readSince(customerId, known.readSeq, Math.min(seq - known.readSeq, 1000));
    const ids = entries
      .filter((e) => e.seq <= seq && e.message.sourceType !== 'CUSTOMER' && e.message.sourceType !== 'GATEWAY')
      .filter((e) => e.message.controlType === 'CHAT')
      .map((e) => String(e.message.messageCode ?? e.message.timestamp));
    await this.options.sessions.setReadSeq(customerId, seq);
    if (ids.length === 0) return;
    await this.options.sessions.call(
      customerId,
      (session) => this.options.aicc.send(session, { controlType: 'READ', content: ids.join(',') }),
      { connect: false },
    );
  }

  async leaveMessage(customerId: string, caller: string, text: string): Promise<void> {
    await upstream(() =>
      this.options.sessions.call(customerId, (session) => this.options.aicc.leaveMessage(session, caller, text), { connect: false }),
    );
  }

  /** The tenant's survey, in the customer's typed form: levels keyed 1–5, and which questions it asks. */
  async surveyMode(customerId: string, language?: string): Promise<Survey> {
    const answer = await upstream(() =>
      this.options.sessions.call(customerId, (session) => this.options.aicc.surveyMode(session, language), { connect: false }),
    );
    const survey = answer.satisfactionSurvey;
    const asked = survey?.satisfactionQuestion;
    const questions = (Array.isArray(asked) ? asked : typeof asked === 'string' ? asked.split(',') : [])
      .map((q) => String(q).trim().toUpperCase())
      .filter((q): q is SatisfactionQuestion => q === 'FCR' || q === 'NPS' || q === 'CSAT');
    return {
      enabled: survey?.surveyType === 'WEB',
      levels: (survey?.satisfactionLevel ?? [])
        .map((l) => ({ key: Number(l.satisfactionLevelKey), label: l.satisfactionLevelDesc }))
        .filter((l) => Number.isInteger(l.key)),
      questions: [...new Set(questions)],
    };
  }

  /**
   * Saves the customer's survey of the conversation, once: a second answer for the same conversation (the same
   * state, by its seq: the end) is refused, so a tenant's report counts each conversation once.
   */
  async saveSurvey(customerId: string, answer: SatisfactionAnswer): Promise<void> {
    await this.answers.run(customerId, async () => {
      const { state } = await this.options.engine.conversation(customerId);
      const record = await this.options.sessions.known(customerId);
      if (record?.surveyedSeq === state.seq) {
        throw new GatewayError('SURVEY_ALREADY_SAVED', 'the survey of this conversation was already saved');
      }
      await upstream(() =>
        this.options.sessions.call(customerId, (session) => this.options.aicc.saveSatisfaction(session, answer), { connect: false }),
      );
      await this.options.sessions.note(customerId, (kept) => ({ ...kept, surveyedSeq: state.seq }));
      // Every tab of the customer hears it was answered, and stops offering it.
      await this.options.engine.append([surveyEntry(customerId, state.seq, answer.evaluation)]);
    });
  }

  /**
   * Rates one of the robot's answers (feedbacksatisfaction) under the customer's session, once per vote: the same
   * vote again is not sent (false); a changed vote is sent for the same interIdx, AICC's key for the rating, and
   * replaces the one kept here. Whether AICC's report keeps both calls or the last is AICC's (docs/aicc.md §5).
   */
  async rateRobotAnswer(customerId: string, rating: RobotRating): Promise<boolean> {
    return this.answers.run(customerId, async () => {
      const vote = rating.satisfied ? 1 : 0;
      const record = await this.options.sessions.known(customerId);
      if (record?.ratings?.[rating.interIdx] === vote) return false;
      await upstream(() =>
        this.options.sessions.call(customerId, (session) => rateRobotAnswer(this.options.aicc, session, rating), { connect: false }),
      );
      await this.options.sessions.note(customerId, (kept) => ({ ...kept, ratings: lastRatings({ ...kept.ratings, [rating.interIdx]: vote }) }));
      return true;
    });
  }

  /** The robot's phrases for what the customer typed (queryPhraseByKeyword); `locale` defaults to AICC_LOCALE. */
  async suggest(customerId: string, text: string, locale = this.options.aicc.options.locale): Promise<string[]> {
    return upstream(() =>
      this.options.sessions.call(customerId, (session) => queryPhrases(this.options.aicc, session, text, locale), { connect: false }),
    );
  }
}

/** The votes kept per customer: the robot's answers of recent conversations, not every answer ever rated. */
const RATINGS_KEPT = 200;

function lastRatings(ratings: Record<string, 0 | 1>): Record<string, 0 | 1> {
  const entries = Object.entries(ratings);
  return entries.length <= RATINGS_KEPT ? ratings : Object.fromEntries(entries.slice(-RATINGS_KEPT));
}
