// AICC's customer-side HTTP API (docs/aicc.md §4–§6): the paths, the request
// and answer shapes, and the result codes. Shared by our AiccClient (the gateway calling AICC) and our AICC
// simulator (playing AICC's part), so both speak one contract. Field names are AICC's, spelling included
// (`satisfication`, `configMaxcWaitTime`).

import type { RawDownLinkMsg } from './downlink.js';

export const AICC_PATHS = {
  tokenByAkSk: '/apigovernance/api/oauth/tokenByAkSk',
  applyToken: '/apiaccess/ccmessaging/applyToken',
  send: '/apiaccess/ccmessaging/send',
  sendAsync: '/apiaccess/ccmessaging/sendAsync',
  poll: '/apiaccess/ccmessaging/poll',
  uploadFileStream: '/apiaccess/ccmessaging/uploadFileStream',
  downloadFileStream: '/apiaccess/ccmessaging/downloadFileStream',
  queryQueueInfo: '/apiaccess/ccmessaging/queryQueueInfo',
  getSatisfactionSurveyMode: '/apiaccess/ccmessaging/getsatisfactionsurveymode',
  saveSatisfaction: '/apiaccess/ccmessaging/saveSatisfaction',
  doLeaveMessage: '/apiaccess/ccmessaging/doLeaveMessage',
  queryHistoryChatMessage: '/apiaccess/ccmessaging/queryHistoryChatMessage',
  robotFeedback: '/apiaccess/ccmessaging/v1/robot/feedbacksatisfaction',
  queryPhraseByKeyword: '/apiaccess/ccmessaging/queryPhraseByKeyword',
} as const;

/** The other direction: where AICC pushes downlink messages to the gateway. pushMsg is the path AICC calls with
 *  x-app-key and the AccessToken from tokenByAkSk; the webhook is ours, signed with auth-v2 (docs/aicc.md §2). */
export const PUSH_PATHS = {
  pushMsg: '/apiaccess/ccmessaging/pushMsg',
  webhook: '/webhooks/v1/messages',
} as const;

/** Headers: every call but tokenByAkSk carries `x-app-key` and `Authorization: Bearer <AccessToken>`; the
 *  per-customer calls also `ccmessaging-token`, which AICC may replace by returning a newer one in the answer's
 *  `ccmessaging-token` header. */
export const CCMESSAGING_TOKEN_HEADER = 'ccmessaging-token';

/** AICC's result codes that the gateway tells apart (resultCode is always a string). */
export const RESULT = {
  OK: '0',
  PARAMETER: '2',
  TOKEN: '3',
  OUTSIDE_WORKING_HOURS: '12',
  FAILED: '13',
} as const;

/** queryQueueInfo's answers that mean "no longer queuing" rather than a failure (docs/aicc.md §5): 5 the session
 *  ended, 160004 no session, 160021 already with an agent, 160022 moved to IVR. */
export const NOT_QUEUING_RESULTS: readonly string[] = ['5', '160004', '160021', '160022'];

export interface TokenByAkSkRequest {
  app_key: string;
  app_secret: string;
}
export interface TokenByAkSkAnswer {
  AccessToken: string;
  ApplyType: string;
  CreateTime: string;
  Expires: string;
  Scope?: string;
  AppKey?: string;
  UserID?: string;
}

/** The answer as an issuer gives it: every field present (ours in accessTokens.ts, the simulator's). */
export type IssuedTokenAnswer = Required<TokenByAkSkAnswer> & { ApplyType: 'Bearer' };

/** AICC's answer shape, which every answer of the gateway has too (success and failure alike). */
export interface ResultAnswer {
  resultCode: string;
  resultDesc: string;
}

export interface ApplyTokenRequest {
  /** 1–32 characters, the enterprise's own customer id (our customerId). */
  userId: string;
  userName: string;
  /** The web channel's Configuration ID (AICC_CHANNEL_ID). */
  channelId: string;
  locale: string;
}
export interface ApplyTokenAnswer extends ResultAnswer {
  token?: string;
}

export type SendControlType = 'CONNECT' | 'CHAT' | 'TRANS2AGENT' | 'INPUT' | 'DISCONNECT' | 'READ';
export type SendMediaType = 'TEXT' | 'IMAGE' | 'AUDIO' | 'VIDEO' | 'FILE' | 'FILE_IMAGE' | 'FILE_VIDEO' | 'WEBCARD' | 'LOCATE';

export interface SendMsgRequest {
  channel: 'WEB';
  /** TEXT: the text (≤ 1 KB); IMAGE/AUDIO/VIDEO: the objectKey from uploadFileStream;
   *  FILE: "fileName,fileSize,fileId,fileType"; READ: the ids read, comma-separated; empty for CONNECT etc. */
  content?: string;
  controlType: SendControlType;
  /** The customer (userId). */
  from: string;
  mediaType?: SendMediaType;
  senderNickname?: string;
  sourceType: 'CUSTOMER';
  /** Milliseconds, as a string (send's own type). */
  timestamp: string;
  /** The channel's Configuration ID. */
  to: string;
  userAgent?: string;
  senderAvatar?: string;
  /** Ours, not in AICC's table: the id the gateway gave the message (READ reports may echo it). */
  messageCode?: string;
}

export interface PollAnswer extends ResultAnswer {
  downlinkMessages?: RawDownLinkMsg[];
}

export interface UploadFileStreamRequest {
  fileType: string;
  /** Base64. */
  fileStream: string;
  channel: 'WEB';
}
/** Upload answers with `returnCode`, not `resultCode` (AICC's own inconsistency). */
export interface UploadFileStreamAnswer {
  returnCode: string;
  resultDesc?: string;
  objectKey?: string;
}

export interface DownloadFileStreamRequest {
  /** The resource id from the push's content. */
  fileId: string;
  channel: 'WEB';
  fileType: string;
  /** "multiMedia" for files of AICC's media library. */
  multiMedia?: 'multiMedia';
}
export interface DownloadFileStreamAnswer extends ResultAnswer {
  /** Base64. */
  fileStream?: string;
}

export interface QueryQueueInfoRequest {
  userId: string;
  channelConfigId: string;
  channel: 'WEB';
}
/** resultCode "0" while queuing; "5" session ended; "160021" already with an agent; others: failures. */
export interface QueryQueueInfoAnswer extends ResultAnswer {
  position?: number;
  totalWaitTime?: number;
  currentDeviceWaitTime?: number;
  configMaxcWaitTime?: number;
  longestWaitTime?: number;
  /** Seconds. */
  estimateWaitTime?: number;
}

export interface SatisfactionLevel {
  satisfactionLevelKey: number;
  satisfactionLevelDesc: string;
}
export interface SurveyModeAnswer extends ResultAnswer {
  satisfactionSurvey?: {
    surveyType: 'WEB' | 'NO';
    satisfactionLevel?: SatisfactionLevel[];
    satisfactionQuestion?: string;
  };
}

export interface SaveSatisfactionRequest {
  satisfication: {
    channel: 'WEB';
    userId: string;
    /** 1–5. */
    evaluation: number;
    /** Under 512 characters. */
    comment: string;
    channelConfigId: string;
  };
}

export interface DoLeaveMessageRequest {
  /** The customer's user id. */
  callId: string;
  /** A phone number to call back. */
  caller: string;
  leaveMessage: string;
  channel: 'WEB';
}

export interface QueryHistoryRequest {
  channelId: string;
  userId: string;
  startTime?: number;
  endTime?: number;
  limit: number;
  offset: number;
  channel: 'WEB';
}
export interface QueryHistoryAnswer extends ResultAnswer {
  messageList?: RawDownLinkMsg[];
}
