// The frames of the customer stream (GET /v1/stream, docs/protocol.md), both ways. Types only.

import type { GatewayErrorCode } from './errors.js';
import type { ConversationState, DownLinkMsg, MessageEntry } from './messages.js';

export interface HelloFrame {
  type: 'hello';
  customerId: string;
  /** The newest seq stored when the connection opened. */
  lastSeq: number;
  /** The oldest seq still retained (0 when none). */
  firstSeq: number;
  state: ConversationState;
  resumedFrom: number;
  /** True when messages after `resumedFrom` were purged by retention: a gap nobody can fill. */
  truncated: boolean;
  heartbeatMs: number;
}

export interface MessageFrame extends MessageEntry {
  type: 'message';
}

export interface StateFrame {
  type: 'state';
  seq: number;
  state: ConversationState;
}

export interface TypingFrame {
  type: 'typing';
  message: DownLinkMsg;
}

/** The customer's place in the queue for an agent, while queuing (ephemeral). */
export interface QueueFrame {
  type: 'queue';
  position: number | null;
  /** Seconds, as AICC estimates them. */
  estimateWaitSeconds: number | null;
}

/** The answer to a `send` or `transfer` frame: the message's seq in the log, and its status so far. */
export interface AckFrame extends SendAnswer {
  type: 'ack';
}

/** A client frame the gateway refused (the connection stays open). */
export interface ErrorFrame {
  type: 'error';
  clientMessageId?: string;
  /** The gateway's error by name (INVALID_PARAMETER, RATE_LIMITED, AGENTS_UNAVAILABLE, …: docs/protocol.md). */
  code: GatewayErrorCode;
  reason: string;
}

export interface HeartbeatFrame {
  type: 'heartbeat';
  ts: number;
}

export interface PongFrame {
  type: 'pong';
  ts: number;
}

/**
 * Sent just before the gateway closes a stream on purpose (1001 going away, 1013 try again later): come back
 * after `afterMs`, a delay the gateway drew for this connection from a short window, so that its customers do
 * not all return in the same instant. On SSE the same delay goes out as `retry:` too, for a plain EventSource.
 */
export interface ReconnectFrame {
  type: 'reconnect';
  afterMs: number;
}

/** Ends an SSE stream (`event: close`); a WebSocket gets a close frame with the same code instead. */
export interface CloseFrame {
  type: 'close';
  code: number;
  reason: string;
}

export type ServerFrame =
  | HelloFrame
  | MessageFrame
  | StateFrame
  | TypingFrame
  | QueueFrame
  | AckFrame
  | ErrorFrame
  | HeartbeatFrame
  | PongFrame
  | ReconnectFrame
  | CloseFrame;

/** What the customer sends: as a `send` frame, or the body of POST /v1/messages (without `type`). */
export type SendMessage = { clientMessageId: string } & (
  | { kind: 'text'; text: string }
  | { kind: 'location'; latitude: number; longitude: number; description: string }
  | ({ kind: 'file' } & UploadAnswer)
);

export type SendFrame = { type: 'send' } & SendMessage;

export interface TransferFrame {
  type: 'transfer';
  clientMessageId: string;
}

export interface ClientTypingFrame {
  type: 'typing';
}

export interface ReadFrame {
  type: 'read';
  /** The newest seq the customer has seen. */
  seq: number;
}

export interface PingFrame {
  type: 'ping';
}

export type ClientFrame = SendFrame | TransferFrame | ClientTypingFrame | ReadFrame | PingFrame;

/** The gateway's answer to a send or transfer (HTTP or `ack` frame). */
export interface SendAnswer {
  clientMessageId: string;
  seq: number;
  status: 'pending' | 'sent' | 'failed';
  duplicate: boolean;
}

/** The gateway's answer to POST /v1/uploads: what a `file` message then names. */
export interface UploadAnswer {
  objectKey: string;
  mediaType: 'IMAGE' | 'AUDIO' | 'VIDEO' | 'DOCUMENT';
  fileType: string;
  fileName: string;
  size: number;
}

/** GET /v1/media/:id/link: a URL that opens one media id, without a token, until `expiresAt` (ms). `url` is
 *  the path and query under the gateway's base URL. */
export interface MediaLink {
  url: string;
  expiresAt: number;
}

/** GET /v1/messages. */
export interface HistoryPage {
  customerId: string;
  messages: MessageEntry[];
  lastSeq: number;
  firstSeq: number;
  hasMore: boolean;
}

/**
 * GET /v1/agents: whether agents are at work now, as AICC's latest answer on the gateway said (a transfer it took,
 * or resultCode 12 outside working hours); null when it has not heard lately.
 */
export interface AgentsAnswer {
  available: boolean | null;
  heardAt: number | null;
}

/** GET /v1/conversation. */
export interface ConversationAnswer {
  customerId: string;
  state: ConversationState;
  lastSeq: number;
}

/**
 * POST /v1/robot-feedback: the customer rates one of the robot's answers, named by the `interIdx` its message
 * carried. Answered `{"resultCode": "0", "resultDesc"}`.
 */
export interface RobotFeedback {
  interIdx: string;
  satisfied: boolean;
  /** Why the answer did not help: 1–64 characters, required when `satisfied` is false. */
  comment?: string;
}

/** The questions a survey asks beside the level: FCR (was it resolved?), NPS (0–9), CSAT (satisfaction). */
export type SurveyQuestion = 'FCR' | 'NPS' | 'CSAT';

/** GET /v1/survey: the tenant's satisfaction survey (AICC's getsatisfactionsurveymode, in typed form). */
export interface Survey {
  enabled: boolean;
  /** The levels, keyed 1–5, with the tenant's words. */
  levels: { key: number; label: string }[];
  questions: SurveyQuestion[];
}

/** POST /v1/survey: the customer's answer. `npsScore` and `resolved` when the survey asks NPS and FCR. */
export interface SurveyAnswer {
  evaluation: number;
  comment?: string;
  npsScore?: number;
  resolved?: boolean;
}

/** GET /v1/suggestions?q=…: up to 5 phrases the robot suggests for what the customer has typed so far. */
export interface SuggestionsAnswer {
  suggestions: string[];
}
