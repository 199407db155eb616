// What the log holds and delivers: AICC's DownLinkMsg as the gateway keeps it, the gateway's own control
// messages (STATUS, QUEUE), and the conversation state derived from them. Types only: the server, the SDK and
// the widget all import these, and the browser bundle must carry no server code.

import type { StatusErrorCode } from './errors.js';

/** Where a LOCATE message points: parsed from its `content` ("latitude/longitude/description"). */
export interface Location {
  latitude: number;
  longitude: number;
  description: string;
}

/**
 * AICC's DownLinkMsg as the gateway stores and delivers it: as pushed, enums in upper case, unknown keys kept,
 * plus what the gateway parsed from it. The customer's own messages and the gateway's control messages (STATUS,
 * QUEUE) have the same shape.
 */
export interface DownLinkMsg extends Record<string, unknown> {
  channel: string;
  from: string;
  to: string;
  controlType: string;
  sourceType: string;
  mediaType: string | null;
  content: string | null;
  timestamp: number | string;
  senderNickname?: string | null;
  /** For LOCATE messages: parsed from `content`. */
  location?: Location;
  /** For READ messages: the ids listed in `content`. */
  readIds?: string[];
}

/** What became of one of the customer's messages: a stored entry that follows it in the log. */
export interface StatusMessage extends DownLinkMsg {
  /** The gateway's own controlType, never pushed by AICC. */
  controlType: 'STATUS';
  sourceType: 'GATEWAY';
  /** The seq of the customer's message this status is about. */
  refSeq: number;
  status: 'sent' | 'failed';
  /** When failed: why, by name, for clients to word in their language. */
  errorCode?: StatusErrorCode;
  /** When failed: the reason in English, for logs and operators. */
  reason?: string;
  /** When AICC refused the message: its resultCode ('12': outside working hours). */
  resultCode?: string;
}

/**
 * The customer's answer to the satisfaction survey of one conversation, as AICC took it: stored once per
 * conversation, so every tab of the customer stops offering the survey, and a second answer is refused.
 */
export interface SurveyMessage extends DownLinkMsg {
  /** The gateway's own controlType, never pushed by AICC. */
  controlType: 'SURVEY';
  sourceType: 'GATEWAY';
  /** The seq of the message that ended the conversation answered (the `ended` state's seq). */
  refSeq: number;
  /** The level the customer chose (1–5). */
  evaluation: number;
}

/** The customer's place in the queue for an agent (ephemeral, never stored). */
export interface QueueMessage extends DownLinkMsg {
  /** The gateway's own controlType, never pushed by AICC. */
  controlType: 'QUEUE';
  position: number | null;
  /** Seconds, as AICC estimates them. */
  estimateWaitSeconds: number | null;
}

export type Phase = 'bot' | 'queuing' | 'agent' | 'ended' | 'offline';

/** The conversation's state; `seq` is the message that set it (0 for the initial state). */
export interface ConversationState {
  phase: Phase;
  /** The agent's display name while an agent is connected. */
  agentNickname?: string;
  /** Whether the customer may write now: false only once the conversation has ended without offline messages. */
  canSend: boolean;
  seq: number;
}

/** One entry of a customer's log as it travels: `message` frames, `message` events, history pages. */
export interface MessageEntry {
  seq: number;
  message: DownLinkMsg;
  storedAt: number;
}
