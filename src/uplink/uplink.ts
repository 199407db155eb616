// The customer's messages on their way up to AICC (text, files, locations, the request for a human): stored in the
// customer's log first (every tab shows them at once, as pending), then sent; their fate is stored as a status
// entry, and a retry with the same clientMessageId is never sent twice. The plain calls are in ./calls.ts.

import type { FastifyBaseLogger } from 'fastify';
import type { AiccClient, AiccSession, SatisfactionAnswer } from '../aicc/aiccClient.js';
import { AiccError } from '../aicc/resultCodes.js';
import type { SatisfactionQuestion, SendMsgRequest } from '../aicc/api.js';
import type { NormalizedMessage } from '../aicc/downlink.js';
import type { AgentHours } from './agentHours.js';
import type { Engine, LogEntry } from '../engine/types.js';
import { STATUS_CONTROL_TYPE } from '../conversation/controlTypes.js';
import { GatewayError } from '../errors.js';
import {
  customerMessage, endRequest, FILE_MEDIA_TYPES, isFileName, sameMessage, statusEntry, transferRequest, type FileInput, type UplinkInput, type UplinkStatus,
} from '../conversation/entries.js';
import { queryPhrases, rateRobotAnswer, type RobotRating } from '../aicc/robot.js';
import { TEXT_MAX_BYTES, type Survey } from '../protocol/index.js';
import { locationText } from './location.js';
import { describeFailure } from './failures.js';
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

/** How far after a message its status entry is looked for when a retry arrives. */
const STATUS_LOOKAHEAD = 500;

export class Uplink {
  private readonly inFlight = new Set<string>();

  constructor(private readonly options: UplinkOptions) {}

  /** Stores the message and sends it up in the background; a retry with the same clientMessageId is not doubled. */
  async send(customerId: string, clientMessageId: string, input: UplinkInput): Promise<Accepted> {
    // Known before sending: refused here, named, rather than stored and shown failed with a Retry that cannot work.
    const bytes = input.kind === 'text' ? Buffer.byteLength(input.text, 'utf8') : 0;
    if (bytes > TEXT_MAX_BYTES) {
      throw new GatewayError('TOO_LONG', `text: at most ${TEXT_MAX_BYTES} bytes in UTF-8 (AICC's limit); this one has ${bytes}`);
    }
    if (input.kind === 'file') input = await this.ownUpload(customerId, input);
    const entry = customerMessage(customerId, this.options.channelId, clientMessageId, input);
    return this.storeAndDeliver(entry, () =>
      this.options.sessions.call(customerId, (session) => this.options.aicc.send(session, upstreamOf(input, clientMessageId)), { connect: true }),
    );
  }

  /**
   * A file message as the upload the gateway checked describes it. Naming an id does not make it the customer's:
   * only their own uploads may be sent (and so shown). Its type and size are the upload's, whatever the client
   * says; its name is the client's, without the commas that would shift the fields of AICC's FILE content.
   */
  private async ownUpload(customerId: string, input: FileInput): Promise<FileInput> {
    const grant = await this.options.engine.mediaGrant(customerId, input.objectKey);
    if (grant?.origin !== 'upload') {
      throw new GatewayError('INVALID_PARAMETER', 'objectKey: not a file this customer uploaded (POST /v1/uploads)');
    }
    if (!isFileName(input.fileName)) {
      throw new GatewayError('INVALID_PARAMETER', 'fileName: must hold no comma and no control character (AICC reads FILE content as "fileName,fileSize,fileId,fileType")');
    }
    return {
      ...input,
      mediaType: FILE_MEDIA_TYPES.find((type) => type === grant.mediaType) ?? input.mediaType,
      fileType: grant.fileType ?? input.fileType,
      // Grants made before uploads kept their size have none; the schema makes the client's a whole number.
      size: grant.size ?? input.size,
    };
  }

  /** The customer asks for a human: stored (the conversation shows "queuing"), then TRANS2AGENT. */
  async transfer(customerId: string, clientMessageId: string): Promise<Accepted> {
    const entry = transferRequest(customerId, this.options.channelId, clientMessageId);
    return this.storeAndDeliver(entry, () =>
      this.options.sessions.call(customerId, (session) => this.options.aicc.send(session, { controlType: 'TRANS2AGENT' }), { connect: true }),
    );
  }

  /**
   * The customer ends the conversation: stored first (every tab shows it ended, the state turns `ended`), then
   * DISCONNECT to AICC (docs/aicc.md §5's call order ends with it). A conversation AICC never heard of (nothing
   * sent yet) has nothing to disconnect there. Ending an ended conversation changes nothing.
   */
  async end(customerId: string, clientMessageId: string): Promise<Accepted> {
    const { state } = await this.options.engine.conversation(customerId);
    if (state.phase === 'ended') return { seq: state.seq, status: 'sent', duplicate: true };
    // Read before the entry is stored: storing it marks the session ended (aiccSide.ts).
    const connected = (await this.options.sessions.known(customerId))?.connected === true;
    const entry = endRequest(customerId, this.options.channelId, clientMessageId);
    return this.storeAndDeliver(entry, async () => {
      if (!connected) return;
      await this.options.sessions.call(customerId, (session) => this.options.aicc.send(session, { controlType: 'DISCONNECT' }), { connect: false });
    });
  }

  private async storeAndDeliver(entry: NormalizedMessage, deliver: () => Promise<void>): Promise<Accepted> {
    const { customerId } = entry;
    const [outcome] = await this.options.engine.append([entry]);
    const { seq, duplicate } = outcome!;
    const key = `${customerId}\u0000${seq}`;
    if (duplicate && !sameMessage(outcome!.message, entry.message)) {
      throw new GatewayError('CHANGED_RETRY', `clientMessageId was already used for another message (seq ${seq}); use a new one`);
    }
    if (duplicate) {
      // A retry: never send twice what AICC took; send again what failed.
      if (this.inFlight.has(key)) return { seq, status: 'pending', duplicate };
      const status = await this.statusOf(customerId, seq);
      if (status === 'sent') return { seq, status, duplicate };
    }
    this.inFlight.add(key);
    void deliver()
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
      // Nothing above should throw (record() catches); if a reporting hook does, it is logged, not left unhandled.
      .catch((err: unknown) => this.options.log.error({ err, customerId, seq }, 'the outcome of a customer message could not be recorded'))
      .finally(() => this.inFlight.delete(key));
    return { seq, status: 'pending', duplicate };
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
