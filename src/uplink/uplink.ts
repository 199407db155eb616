// What the customer sends up to AICC: messages (text, files, locations), the request for a human, typing and
// read positions, leaving a message, and the satisfaction survey. Messages are stored in the customer's log
// first (every tab shows them at once, as pending), then sent; their fate is stored as a status entry.

import type { FastifyBaseLogger } from 'fastify';
import { AiccError, type AiccClient, type AiccSession, type SatisfactionAnswer } from '../aicc/aiccClient.js';
import type { SatisfactionQuestion, SendMsgRequest } from '../aicc/api.js';
import type { NormalizedMessage } from '../aicc/downlink.js';
import type { AgentHours } from './agentHours.js';
import type { Engine, LogEntry } from '../engine/types.js';
import { STATUS_CONTROL_TYPE } from '../conversation/controlTypes.js';
import { GatewayError } from '../errors.js';
import { customerMessage, sameMessage, statusEntry, transferRequest, type UplinkInput, type UplinkStatus } from '../conversation/entries.js';
import { queryPhrases, rateRobotAnswer, type RobotRating } from '../aicc/robot.js';
import type { Survey } from '../protocol/index.js';
import { locationText } from './location.js';
import { PerCustomerQueue } from '../aicc/serial.js';
import type { AiccSessions } from '../aicc/sessions.js';

export interface UplinkOptions {
  engine: Engine;
  aicc: AiccClient;
  sessions: AiccSessions;
  channelId: string;
  log: FastifyBaseLogger;
  /** Told of each message's fate at AICC; a failure comes with what was sent and AICC's words (operator page). */
  onResult?: (result: UplinkStatus, failure?: UplinkFailure) => void;
  /** Told what AICC's answers say of the agents' working hours. */
  agentHours?: AgentHours;
}

/** A customer's message AICC did not take. */
export interface UplinkFailure {
  at: number;
  customerId: string;
  seq: number;
  /** What was sent, shortened: "CHAT TEXT: Hello". */
  sent: string;
  /** Our reason code (UNREACHABLE, TIMEOUT, FAILED, OUTSIDE_WORKING_HOURS, ...), AICC's result code and words. */
  code: string;
  resultCode?: string;
  desc: string;
}

export interface Accepted {
  seq: number;
  status: 'pending' | UplinkStatus;
  duplicate: boolean;
}

/** Typing is sent up at most this often per customer. */
const TYPING_INTERVAL_MS = 2000;
/** Customers whose last typing is remembered; only the last TYPING_INTERVAL_MS matter, so few are needed. */
const TYPING_TRACKED = 10_000;
/** How far after a message its status entry is looked for when a retry arrives. */
const STATUS_LOOKAHEAD = 500;

export class Uplink {
  private readonly inFlight = new Set<string>();
  private readonly lastTyping = new Map<string, number>();
  private readonly serial = new PerCustomerQueue();

  constructor(private readonly options: UplinkOptions) {}

  /** Stores the message and sends it up in the background; a retry with the same clientMessageId is not doubled. */
  async send(customerId: string, clientMessageId: string, input: UplinkInput): Promise<Accepted> {
    if (input.kind === 'file') {
      // Naming an id does not make it the customer's: only their own uploads may be sent (and so shown).
      const grant = await this.options.engine.mediaGrant(customerId, input.objectKey);
      if (grant?.origin !== 'upload') {
        throw new GatewayError('INVALID_PARAMETER', 'objectKey: not a file this customer uploaded (POST /v1/uploads)');
      }
    }
    const entry = customerMessage(customerId, this.options.channelId, clientMessageId, input);
    return this.storeAndDeliver(entry, (session) => this.options.aicc.send(session, upstreamOf(input, clientMessageId)));
  }

  /** Customers whose typing is being throttled now (bounded by TYPING_TRACKED). */
  get typingTracked(): number {
    return this.lastTyping.size;
  }

  /** Uploads the customer's file to AICC under their session; answers its objectKey. */
  async upload(customerId: string, fileType: string, bytes: Buffer): Promise<string> {
    return this.call(customerId, (session) => this.options.aicc.uploadFile(session, fileType, bytes), { connect: false });
  }

  /** Downloads a file of the customer's conversation from AICC under their session. */
  async download(customerId: string, fileId: string, fileType: string, mediaLibrary: boolean): Promise<Buffer> {
    return this.call(customerId, (session) => this.options.aicc.downloadFile(session, fileId, fileType, mediaLibrary), {
      connect: false,
    });
  }

  /** The customer uploaded this file: they may fetch it (GET /v1/media/:id) and send it. */
  async uploaded(customerId: string, upload: { objectKey: string; mediaType: string; fileType: string; fileName: string }): Promise<void> {
    const { objectKey, ...rest } = upload;
    await this.options.engine.grantMedia(customerId, [{ mediaId: objectKey, origin: 'upload', ...rest }]);
  }

  /** The customer asks for a human: stored (the conversation shows "queuing"), then TRANS2AGENT. */
  async transfer(customerId: string, clientMessageId: string): Promise<Accepted> {
    const entry = transferRequest(customerId, this.options.channelId, clientMessageId);
    return this.storeAndDeliver(entry, (session) => this.options.aicc.send(session, { controlType: 'TRANS2AGENT' }));
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
        known ? this.call(customerId, (session) => this.options.aicc.send(session, { controlType: 'INPUT' }), { connect: false }) : undefined,
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
    await this.call(
      customerId,
      (session) => this.options.aicc.send(session, { controlType: 'READ', content: ids.join(',') }),
      { connect: false },
    );
  }

  async leaveMessage(customerId: string, caller: string, text: string): Promise<void> {
    await this.upstream(() =>
      this.call(customerId, (session) => this.options.aicc.leaveMessage(session, caller, text), { connect: false }),
    );
  }

  /** The tenant's survey, in the customer's typed form: levels keyed 1–5, and which questions it asks. */
  async surveyMode(customerId: string, language?: string): Promise<Survey> {
    const answer = await this.upstream(() =>
      this.call(customerId, (session) => this.options.aicc.surveyMode(session, language), { connect: false }),
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

  async saveSurvey(customerId: string, answer: SatisfactionAnswer): Promise<void> {
    await this.upstream(() =>
      this.call(customerId, (session) => this.options.aicc.saveSatisfaction(session, answer), { connect: false }),
    );
  }

  /** Rates one of the robot's answers (feedbacksatisfaction) under the customer's session. */
  async rateRobotAnswer(customerId: string, rating: RobotRating): Promise<void> {
    await this.upstream(() =>
      this.call(customerId, (session) => rateRobotAnswer(this.options.aicc, session, rating), { connect: false }),
    );
  }

  /** The robot's phrases for what the customer typed (queryPhraseByKeyword); `locale` defaults to AICC_LOCALE. */
  async suggest(customerId: string, text: string, locale = this.options.aicc.options.locale): Promise<string[]> {
    return this.upstream(() =>
      this.call(customerId, (session) => queryPhrases(this.options.aicc, session, text, locale), { connect: false }),
    );
  }

  private async storeAndDeliver(
    entry: NormalizedMessage,
    deliver: (session: AiccSession) => Promise<void>,
  ): Promise<Accepted> {
    const { customerId } = entry;
    const [outcome] = await this.options.engine.append([entry]);
    const { seq, duplicate } = outcome!;
    const key = `${customerId}\u0000${seq}`;
    if (duplicate && !sameMessage(outcome!.message, entry.message)) {
      throw new GatewayError('CONFLICT', `clientMessageId was already used for another message (seq ${seq}); use a new one`);
    }
    if (duplicate) {
      // A retry: never send twice what AICC took; send again what failed.
      if (this.inFlight.has(key)) return { seq, status: 'pending', duplicate };
      const status = await this.statusOf(customerId, seq);
      if (status === 'sent') return { seq, status, duplicate };
    }
    this.inFlight.add(key);
    void this.call(customerId, deliver, { connect: true })
      .then(
        () => {
          this.options.onResult?.('sent');
          if (entry.message.controlType === 'TRANS2AGENT') this.options.agentHours?.heard(true);
          return this.record(statusEntry(customerId, seq, 'sent'));
        },
        (err: unknown) => {
          const failure = describeFailure(err);
          if (failure.code === 'OUTSIDE_WORKING_HOURS') this.options.agentHours?.heard(false);
          this.options.onResult?.('failed', {
            at: Date.now(),
            customerId,
            seq,
            sent: summarize(entry),
            code: failure.code,
            ...(failure.resultCode ? { resultCode: failure.resultCode } : {}),
            desc: err instanceof Error ? err.message : String(err),
          });
          this.options.log.warn({ customerId, seq, code: failure.code }, 'customer message not delivered to AICC');
          return this.record(statusEntry(customerId, seq, 'failed', failure));
        },
      )
      .finally(() => this.inFlight.delete(key));
    return { seq, status: 'pending', duplicate };
  }

  /** The customer's AICC session call, one at a time per customer (uplink/serial.ts: token rotation). */
  private call<T>(customerId: string, fn: (session: AiccSession) => Promise<T>, options: { connect: boolean }): Promise<T> {
    return this.serial.run(customerId, () => this.options.sessions.call(customerId, fn, options));
  }

  private async record(status: NormalizedMessage): Promise<void> {
    try {
      await this.options.engine.append([status]);
    } catch (err) {
      this.options.log.error({ err, customerId: status.customerId }, 'the status of a customer message could not be stored');
    }
  }

  /** The last status stored for the message at `seq` (statuses follow their message closely). */
  private async statusOf(customerId: string, seq: number): Promise<UplinkStatus | undefined> {
    const after: LogEntry[] = await this.options.engine.readSince(customerId, seq, STATUS_LOOKAHEAD);
    let status: UplinkStatus | undefined;
    for (const e of after) {
      if (e.message.controlType === STATUS_CONTROL_TYPE && e.message.refSeq === seq) status = e.message.status as UplinkStatus;
    }
    return status;
  }

  /** Calls AICC for the customer's HTTP request; AICC's refusal becomes an answer the customer can act on (a
   *  failure of ours, such as the store, keeps its own answer). */
  private async upstream<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      const failure = describeFailure(err);
      throw new GatewayError(failure.code === 'OUTSIDE_WORKING_HOURS' ? 'UNAVAILABLE' : 'UPSTREAM_FAILED', failure.reason);
    }
  }
}

function upstreamOf(input: UplinkInput, messageCode: string): Pick<SendMsgRequest, 'controlType'> & Partial<SendMsgRequest> {
  switch (input.kind) {
    case 'text':
      return { controlType: 'CHAT', mediaType: 'TEXT', content: input.text, messageCode };
    case 'location':
      return { controlType: 'CHAT', mediaType: 'TEXT', content: locationText(input), messageCode };
    case 'file':
      return input.mediaType === 'DOCUMENT'
        ? { controlType: 'CHAT', mediaType: 'FILE', content: `${input.fileName},${input.size},${input.objectKey},${input.fileType}`, messageCode }
        : { controlType: 'CHAT', mediaType: input.mediaType, content: input.objectKey, messageCode };
  }
}

function summarize(entry: NormalizedMessage): string {
  const { controlType, mediaType, content } = entry.message;
  const text = typeof content === 'string' ? content : '';
  return `${controlType}${mediaType ? ` ${mediaType}` : ''}${text ? `: ${text.length > 80 ? `${text.slice(0, 80)}…` : text}` : ''}`;
}

function describeFailure(err: unknown): { reason: string; code: string; resultCode?: string } {
  if (err instanceof AiccError) {
    const reasons: Record<string, string> = {
      OUTSIDE_WORKING_HOURS: 'No agent is working now (outside working hours). You can leave a message.',
      UNREACHABLE: 'The contact center cannot be reached right now.',
      TIMEOUT: 'The contact center did not answer in time.',
      FAILED: 'The contact center could not take the message.',
    };
    return { reason: reasons[err.code] ?? err.message, code: err.code, ...(err.resultCode ? { resultCode: err.resultCode } : {}) };
  }
  return { reason: 'The message could not be sent.', code: 'UNEXPECTED' };
}
