// The simulator's own records: the downlink events it emits and what it keeps of the calls it received, so
// tests can look at both. Request shapes are AICC's, from ../aicc/api.ts.

import type { DoLeaveMessageRequest, SaveSatisfactionRequest, SendMsgRequest } from '../aicc/api.js';
import type { PhraseQueryRequest, RobotFeedbackRequest } from '../aicc/robot.js';

/** A DownLinkMsg as the simulator pushes it (the spec's 12 fields, plus `callId` on the ones without a code). */
export interface SimDownLinkMsg {
  channel: 'WEB';
  /** The channel id. */
  from: string;
  /** The customer (userId). */
  to: string;
  controlType: 'CONNECT' | 'CHAT' | 'DISCONNECT' | 'TRANS2AGENT' | 'READ' | 'INPUT';
  sourceType: 'AGENT' | 'ROBOT' | 'SYSTEM';
  mediaType: 'TEXT' | 'IMAGE' | 'VIDEO' | 'AUDIO' | 'LOCATE' | 'DOCUMENT' | null;
  content: string | null;
  senderNickname: string | null;
  /** Milliseconds; strictly increasing per customer, so no two events of a customer share one. */
  timestamp: number;
  /** Unique for AGENT/ROBOT CHAT messages; null for the rest, as in every sample of the spec. */
  messageCode: string | null;
  /** Only where messageCode is null, like the spec's samples (there `null`; here the session's call id). */
  callId?: string;
  simQuestions?: string;
  isOfflineStatus?: boolean;
  /** "1": a local file, downloaded as "local/" + content; otherwise of the media library (cec_07_2219). */
  contentType?: '1' | null;
  /** A local file's type (png, jpg, ...): downloadFileStream's fileType for it. */
  mediaFileType?: string;
  /** ROBOT CHAT only: the answer's interaction index, a string counter per customer ("1", "2", …), which
   *  feedbacksatisfaction names to rate it. */
  interIdx?: string;
}

export interface RecordedSend {
  path: 'send' | 'sendAsync';
  request: SendMsgRequest;
  /** The resultCode it was answered. Only accepted requests ("0") and scripted refusals ("12", "13") are kept. */
  resultCode: string;
  at: number;
}

export interface RecordedLeaveMessage extends DoLeaveMessageRequest {
  at: number;
}

export interface RecordedSatisfaction {
  /** As received: evaluation, npsScore and fcrValue are strings as documented (numbers are taken too). */
  satisfication: Omit<SaveSatisfactionRequest['satisfication'], 'evaluation' | 'npsScore' | 'fcrValue'> & {
    evaluation: string | number;
    npsScore?: string | number;
    fcrValue?: string | number;
  };
  at: number;
}

/** One call as the simulator received it: the headers AICC's pages name, and the body as parsed. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<'x-app-key' | 'authorization' | 'ccmessaging-token' | 'content-type', string | undefined>;
  body: unknown;
  at: number;
}

/** A feedbacksatisfaction the simulator accepted: the body as sent, and whose ccmessaging-token came with it. */
export interface RecordedRobotFeedback {
  request: RobotFeedbackRequest;
  userId: string;
  at: number;
}

/** A queryPhraseByKeyword as received (valid or not), with the user of its ccmessaging-token (undefined: none). */
export interface RecordedPhraseQuery {
  request: Partial<PhraseQueryRequest> & Record<string, unknown>;
  userId: string | undefined;
  at: number;
}

export interface RecordedUpload {
  objectKey: string;
  fileType: string;
  size: number;
  at: number;
}

export type SessionPhase = 'bot' | 'queuing' | 'agent' | 'ended';

export interface SessionView {
  userId: string;
  callId: string;
  phase: SessionPhase;
  /** While queuing: the place in the queue (0 means being connected). */
  queuePosition: number;
  startedAt: number;
}
